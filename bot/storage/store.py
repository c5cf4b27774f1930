"""Every query the engine makes, behind methods that speak in domain terms.

Parameterised SQL only. Each write is one transaction of :class:`Database`; a write that
must not race another (an answer to a round) checks its precondition in the same statement
and reports whether it took effect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.domain.models import User
from bot.storage.batch import Batcher, Unit
from bot.storage.db import Database, Row

__all__ = [
    "AnswerRecord",
    "RoundRow",
    "ScoreCard",
    "Standing",
    "Store",
    "answer_statements",
    "user_statement",
    "user_unit",
]


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    user_id: int
    chat_id: int
    topic: str | None
    question_ids: tuple[str, ...]
    position: int
    asked_at: float
    started_at: float
    finished_at: float | None
    kind: str = "quiz"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer as stored."""

    user_id: int
    chat_id: int
    question_id: str
    position: int
    choice: str
    correct: bool
    points: int
    elapsed_ms: int
    answered_at: float
    round_id: int | None = None


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """A player's totals over every answer, and their rank by points."""

    answered: int
    correct: int
    points: int
    streak: int
    best_streak: int
    rank: int | None

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    name: str
    username: str | None
    points: int
    correct: int


def _round(row: Row) -> RoundRow:
    return RoundRow(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        topic=row["topic"],
        question_ids=tuple(json.loads(row["question_ids"])),
        position=row["position"],
        asked_at=row["asked_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        kind=row["kind"],
    )


class Store:
    """The engine's view of the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        #: Writes that arrive together share a transaction (contest answers, new users).
        self.batcher = Batcher(db)

    # --- users ----------------------------------------------------------------------

    async def save_user(self, user: User, now: float) -> None:
        """Insert a user, or update their name (their chosen language stays)."""
        await self.batcher.submit(user_unit(user, now))

    async def all_users(self) -> tuple[list[User], set[int]]:
        """Every user, and the ids of those who blocked the bot."""
        rows = await self.db.fetchall("SELECT id, name, username, language, blocked FROM users")
        users = [User(r["id"], r["name"], r["username"], r["language"]) for r in rows]
        return users, {r["id"] for r in rows if r["blocked"]}

    async def get_user(self, user_id: int) -> User | None:
        row = await self.db.fetchone(
            "SELECT id, name, username, language FROM users WHERE id = ?", (user_id,)
        )
        if row is None:
            return None
        return User(row["id"], row["name"], row["username"], row["language"])

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))

    async def set_blocked(self, user_id: int, blocked: bool = True) -> None:
        await self.db.execute("UPDATE users SET blocked = ? WHERE id = ?", (int(blocked), user_id))

    # --- solo rounds -----------------------------------------------------------------

    async def create_round(
        self,
        user_id: int,
        chat_id: int,
        topic: str | None,
        question_ids: list[str],
        now: float,
        kind: str = "quiz",
    ) -> int:
        """Start a round (a quiz, a review or a daily question), closing any left open.

        A daily question's round stands apart: answering it leaves a quiz or review in
        progress open, and it is never the round the user is in (see :meth:`open_round`).
        """
        async with self.db.transaction() as tx:
            if kind != "daily":
                await tx.execute(
                    """UPDATE rounds SET finished_at = ? WHERE user_id = ? AND finished_at IS NULL
                       AND kind != 'daily'""",
                    (now, user_id),
                )
            row = await tx.fetchone(
                """INSERT INTO rounds (user_id, chat_id, topic, question_ids, position,
                                       asked_at, started_at, kind)
                   VALUES (?, ?, ?, ?, 0, ?, ?, ?) RETURNING id""",
                (user_id, chat_id, topic, json.dumps(question_ids), now, now, kind),
            )
            assert row is not None
            return int(row["id"])

    async def get_round(self, round_id: int) -> RoundRow | None:
        row = await self.db.fetchone("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def open_round(self, user_id: int) -> RoundRow | None:
        row = await self.db.fetchone(
            """SELECT * FROM rounds WHERE user_id = ? AND finished_at IS NULL
               AND kind != 'daily' ORDER BY id DESC LIMIT 1""",
            (user_id,),
        )
        return _round(row) if row else None

    async def finish_round(self, round_id: int, now: float) -> None:
        await self.db.execute(
            "UPDATE rounds SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
            (now, round_id),
        )

    async def record_round_answer(self, answer: AnswerRecord, total: int) -> bool:
        """Store an answer to the current question of a round and move the round on.

        Returns:
            False, storing nothing, when the round has already moved past that question
            or finished (a repeated or stale press).
        """
        finished = answer.position + 1 >= total
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                """UPDATE rounds SET position = position + 1, asked_at = ?, finished_at = ?
                   WHERE id = ? AND user_id = ? AND position = ? AND finished_at IS NULL""",
                (
                    answer.answered_at,
                    answer.answered_at if finished else None,
                    answer.round_id,
                    answer.user_id,
                    answer.position,
                ),
            )
            if changed != 1:
                return False
            for sql, params in answer_statements(answer):
                await tx.execute(sql, params)
        return True

    async def skip_round_question(
        self, round_id: int, position: int, total: int, now: float
    ) -> None:
        """Move past a question that no longer exists (removed by a reload)."""
        finished = position + 1 >= total
        await self.db.execute(
            """UPDATE rounds SET position = position + 1, asked_at = ?, finished_at = ?
               WHERE id = ? AND position = ? AND finished_at IS NULL""",
            (now, now if finished else None, round_id, position),
        )

    async def round_totals(self, round_id: int) -> tuple[int, int, int]:
        """(answered, right, points) of a round."""
        row = await self.db.fetchone(
            """SELECT COUNT(*) AS n, COALESCE(SUM(correct), 0) AS right_,
                      COALESCE(SUM(points), 0) AS points
               FROM answers WHERE round_id = ?""",
            (round_id,),
        )
        assert row is not None
        return int(row["n"]), int(row["right_"]), int(row["points"])

    # --- scores --------------------------------------------------------------------------

    async def score(self, user_id: int) -> ScoreCard:
        row = await self.db.fetchone(
            """SELECT s.*, (SELECT COUNT(*) + 1 FROM user_stats o WHERE o.points > s.points)
                      AS rank
               FROM user_stats s WHERE s.user_id = ?""",
            (user_id,),
        )
        if row is None:
            return ScoreCard(0, 0, 0, 0, 0, None)
        return ScoreCard(
            row["answered"],
            row["correct"],
            row["points"],
            row["streak"],
            row["best_streak"],
            row["rank"],
        )

    async def leaderboard(
        self, limit: int, since: float | None = None, chat_id: int | None = None
    ) -> list[Standing]:
        """Top players by points: all time, or since a time, or in one chat."""
        if since is None and chat_id is None:
            rows = await self.db.fetchall(
                """SELECT u.id, u.name, u.username, s.points, s.correct
                   FROM user_stats s JOIN users u ON u.id = s.user_id
                   WHERE s.answered > 0
                   ORDER BY s.points DESC, s.correct DESC, u.id LIMIT ?""",
                (limit,),
            )
        else:
            in_chat = "" if chat_id is None else "AND a.chat_id = ?"
            rows = await self.db.fetchall(
                f"""SELECT u.id, u.name, u.username, SUM(a.points) AS points,
                          SUM(a.correct) AS correct
                   FROM answers a JOIN users u ON u.id = a.user_id
                   WHERE a.answered_at >= ? {in_chat}
                   GROUP BY u.id ORDER BY points DESC, correct DESC, u.id LIMIT ?""",
                (
                    since if since is not None else 0.0,
                    *(() if chat_id is None else (chat_id,)),
                    limit,
                ),
            )
        return [
            Standing(r["id"], r["name"], r["username"], int(r["points"]), int(r["correct"]))
            for r in rows
        ]


def user_statement(user: User, now: float) -> tuple[str, tuple[Any, ...]]:
    """Record a user: new, renamed, or back after blocking the bot (a chosen language stays)."""
    return (
        """INSERT INTO users (id, name, username, language, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name,
               username = excluded.username, blocked = 0""",
        (user.id, user.name, user.username, user.language, now),
    )


def user_unit(user: User, now: float) -> Unit:
    """:func:`user_statement` as a unit of its own, written before answers (priority 0)."""
    return Unit("user", (user_statement(user, now),), priority=0)


_INSERT_ANSWER = """INSERT INTO answers (user_id, chat_id, question_id, round_id, contest_id,
                        position, choice, correct, points, elapsed_ms, answered_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_ADD_TO_TOTALS = """INSERT INTO user_stats (user_id, answered, correct, points, streak,
                                           best_streak)
                    VALUES (?, 1, ?, ?, ?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET
                        answered = user_stats.answered + 1,
                        correct = user_stats.correct + excluded.correct,
                        points = user_stats.points + excluded.points,
                        streak = CASE WHEN excluded.correct = 1
                                      THEN user_stats.streak + 1 ELSE 0 END,
                        best_streak = CASE
                            WHEN excluded.correct = 1
                                 AND user_stats.streak + 1 > user_stats.best_streak
                            THEN user_stats.streak + 1 ELSE user_stats.best_streak END"""


def answer_statements(
    answer: AnswerRecord, contest_id: int | None = None
) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """The statements that store one answer and add it to the player's totals."""
    return (
        (
            _INSERT_ANSWER,
            (
                answer.user_id,
                answer.chat_id,
                answer.question_id,
                answer.round_id,
                contest_id,
                answer.position,
                answer.choice,
                int(answer.correct),
                answer.points,
                answer.elapsed_ms,
                answer.answered_at,
            ),
        ),
        (
            _ADD_TO_TOTALS,
            (
                answer.user_id,
                int(answer.correct),
                answer.points,
                int(answer.correct),
                int(answer.correct),
            ),
        ),
    )
