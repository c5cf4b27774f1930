"""Queries of contests: the contest row, its players, their answers, its polls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.domain.contest import ContestSettings, ContestStatus, PlayerScore
from bot.domain.models import Question, QuestionType, User
from bot.storage.batch import Batcher, Unit
from bot.storage.db import Database, IntegrityError, Row
from bot.storage.learning_store import box_statement
from bot.storage.store import AnswerRecord, answer_statements, user_statement

__all__ = [
    "ContestRow",
    "ContestStore",
    "OpenQuestion",
    "question_from_json",
    "question_to_json",
]


def question_to_json(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "bank_id": question.bank_id,
        "language": question.language,
        "type": question.type.value,
        "text": question.text,
        "options": list(question.options),
        "answer": sorted(question.answer),
        "accepted": list(question.accepted),
        "explanation": question.explanation,
        "source": question.source,
        "tags": list(question.tags),
        "difficulty": question.difficulty,
    }


def question_from_json(data: dict[str, Any]) -> Question:
    return Question(
        id=data["id"],
        bank_id=data["bank_id"],
        language=data["language"],
        type=QuestionType(data["type"]),
        text=data["text"],
        options=tuple(data["options"]),
        answer=frozenset(data["answer"]),
        accepted=tuple(data["accepted"]),
        explanation=data["explanation"],
        source=data["source"],
        tags=tuple(data["tags"]),
        difficulty=data["difficulty"],
    )


@dataclass(frozen=True, slots=True)
class ContestRow:
    id: int
    chat_id: int
    status: ContestStatus
    created_by: int
    settings: ContestSettings
    questions: tuple[Question, ...]
    position: int
    asked_at: float | None
    deadline: float | None
    paused_left: float | None
    paused_from: ContestStatus | None
    message_id: int | None
    scheduled_at: float | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    grace_until: float | None = None
    #: An organizer's control waiting for the worker that runs the contest.
    request: str | None = None


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """What an answer's write checks of the contest as stored, in the same statement: the
    question it answers is the current one, shown at ``asked_at`` (the time the points were
    counted from), and still open at ``now`` — before the deadline, within the grace after an
    outage, or sent before the deadline (``sent_at``) and delivered at most ``grace`` late."""

    asked_at: float
    now: float
    sent_at: float
    grace: float


def _contest(row: Row) -> ContestRow:
    return ContestRow(
        id=row["id"],
        chat_id=row["chat_id"],
        status=ContestStatus(row["status"]),
        created_by=row["created_by"],
        settings=ContestSettings.from_json(json.loads(row["settings"])),
        questions=tuple(question_from_json(q) for q in json.loads(row["questions"])),
        position=row["position"],
        asked_at=row["asked_at"],
        deadline=row["deadline"],
        paused_left=row["paused_left"],
        paused_from=ContestStatus(row["paused_from"]) if row["paused_from"] else None,
        message_id=row["message_id"],
        scheduled_at=row["scheduled_at"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        grace_until=row["grace_until"],
        request=row["request"],
    )


_ADD_PLAYER = """INSERT INTO contest_players (contest_id, user_id, joined_at)
                 VALUES (?, ?, ?) ON CONFLICT DO NOTHING"""
#: Locks a contest's row until the transaction ends: its question cannot close meanwhile.
_LOCK_CONTEST = "UPDATE contests SET position = position WHERE id = ?"
#: An answer stored only while its question is open, in one statement. When the contest as
#: stored says otherwise, the chat id is NULL, which the column refuses: the answer's unit
#: fails as a second answer to the question does (IntegrityError), and nothing of it stays.
_INSERT_OPEN_ANSWER = """INSERT INTO answers (user_id, chat_id, question_id, round_id,
                             contest_id, position, choice, correct, points, elapsed_ms,
                             answered_at)
    VALUES (?, (SELECT c.chat_id FROM contests c
                WHERE c.id = ? AND c.status = 'question' AND c.position = ? AND c.asked_at = ?
                  AND (? <= c.deadline OR ? <= c.grace_until
                       OR (? <= c.deadline AND ? <= c.deadline + ?))),
            ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


class ActiveContestExists(Exception):
    """The group already has a contest that has not finished."""


class ContestStore:
    """The contest tables."""

    def __init__(self, db: Database, batcher: Batcher | None = None) -> None:
        self.db = db
        self.batcher = batcher or Batcher(db)

    async def create(
        self,
        chat_id: int,
        created_by: int,
        settings: ContestSettings,
        questions: list[Question],
        status: ContestStatus,
        now: float,
        scheduled_at: float | None = None,
    ) -> int:
        """A new contest; raises ActiveContestExists if the group has one running."""
        try:
            async with self.db.transaction() as tx:
                row = await tx.fetchone(
                    """INSERT INTO contests (chat_id, status, created_by, settings, questions,
                                             scheduled_at, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                    (
                        chat_id,
                        status.value,
                        created_by,
                        json.dumps(settings.to_json(), ensure_ascii=False),
                        json.dumps([question_to_json(q) for q in questions], ensure_ascii=False),
                        scheduled_at,
                        now,
                    ),
                )
                assert row is not None
                return int(row["id"])
        except IntegrityError as exc:
            raise ActiveContestExists(chat_id) from exc

    async def get(self, contest_id: int) -> ContestRow | None:
        row = await self.db.fetchone("SELECT * FROM contests WHERE id = ?", (contest_id,))
        return _contest(row) if row else None

    async def active(self) -> list[ContestRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM contests WHERE status NOT IN ('finished', 'stopped') ORDER BY id"
        )
        return [_contest(r) for r in rows]

    async def recent(self, chat_ids: list[int] | None, limit: int = 10) -> list[ContestRow]:
        """The latest contests (of some groups), newest first."""
        if chat_ids is not None and not chat_ids:
            return []
        if chat_ids is None:
            rows = await self.db.fetchall(
                "SELECT * FROM contests ORDER BY id DESC LIMIT ?", (limit,)
            )
        else:
            marks = ",".join("?" * len(chat_ids))
            rows = await self.db.fetchall(
                f"SELECT * FROM contests WHERE chat_id IN ({marks}) ORDER BY id DESC LIMIT ?",
                (*chat_ids, limit),
            )
        return [_contest(r) for r in rows]

    async def groups_with_contests(self) -> list[int]:
        rows = await self.db.fetchall("SELECT DISTINCT chat_id FROM contests")
        return [r["chat_id"] for r in rows]

    async def update(self, contest_id: int, **fields: Any) -> None:
        """Set some columns of a contest (names are ours, never user input)."""
        allowed = {
            "status",
            "position",
            "asked_at",
            "deadline",
            "paused_left",
            "paused_from",
            "message_id",
            "started_at",
            "finished_at",
            "scheduled_at",
            "grace_until",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not contest columns: {unknown}")
        values = [v.value if isinstance(v, ContestStatus) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(
            f"UPDATE contests SET {assignments} WHERE id = ?", (*values, contest_id)
        )

    async def join(self, contest_id: int, user: User, now: float) -> bool:
        """Add a player (recording the user too); False if they had already joined."""
        async with self.db.transaction() as tx:
            await tx.execute(*user_statement(user, now))
            return await tx.execute(_ADD_PLAYER, (contest_id, user.id, now)) == 1

    async def record_answer(
        self,
        answer: AnswerRecord,
        contest_id: int,
        streak: int,
        user: User,
        review: tuple[int, float] | None = None,
        open_question: OpenQuestion | None = None,
    ) -> bool:
        """Store a contest answer with the player's new totals; False if already answered,
        or (``open_question``) if the question is not open as the database says.

        Answers that arrive together are committed together (see :mod:`bot.storage.batch`).
        ``review`` is where the rule of review boxes puts the question (a box and when it is
        due), written in the same transaction. With ``open_question``, the contest's row is
        locked while the answer is written, and the answer is written only if the question
        is open (:class:`OpenQuestion`): whichever worker stores it, an answer is checked
        against the contest as stored, never against one worker's memory.
        """
        kind = "contest-answer" if review is None else "contest-review"
        boxed = (
            () if review is None else (box_statement(answer.user_id, answer.question_id, *review),)
        )
        stored, totals = answer_statements(answer, contest_id)
        lock = None
        if open_question is not None:
            kind += "-open"
            lock = (_LOCK_CONTEST, (contest_id,))
            q = open_question
            # The answer's own values, but its chat_id: the contest's, if the question is open.
            user_id, _chat_id, *rest = stored[1]
            now = q.now
            guard = (contest_id, answer.position, q.asked_at, now, now, q.sent_at, now, q.grace)
            stored = (_INSERT_OPEN_ANSWER, (user_id, *guard, *rest))
        return await self.batcher.submit(
            Unit(
                kind,
                (
                    user_statement(user, answer.answered_at),
                    (_ADD_PLAYER, (contest_id, answer.user_id, answer.answered_at)),
                    stored,
                    totals,
                    (
                        """UPDATE contest_players SET score = score + ?, correct = correct + ?,
                    answered = answered + 1, time_ms = time_ms + ?, streak = ?
                WHERE contest_id = ? AND user_id = ?""",
                        (
                            answer.points,
                            int(answer.correct),
                            answer.elapsed_ms,
                            streak,
                            contest_id,
                            answer.user_id,
                        ),
                    ),
                    *boxed,
                ),
                priority=1,
                lock=lock,
            )
        )

    async def has_answered(self, contest_id: int, position: int, user_id: int) -> bool:
        row = await self.db.fetchone(
            """SELECT 1 FROM answers WHERE contest_id = ? AND position = ? AND user_id = ?""",
            (contest_id, position, user_id),
        )
        return row is not None

    async def answered(self, contest_id: int, position: int) -> dict[int, str]:
        """Who answered a question of the contest, and what, whichever worker stored it."""
        rows = await self.db.fetchall(
            "SELECT user_id, choice FROM answers WHERE contest_id = ? AND position = ?",
            (contest_id, position),
        )
        return {int(r["user_id"]): str(r["choice"]) for r in rows}

    # --- the ticks of multiple-choice answers -----------------------------------------

    async def toggle_pick(self, contest_id: int, position: int, user_id: int, letter: str) -> str:
        """Tick or untick one option for a player; their ticks now, as letters."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                """SELECT letters FROM contest_picks
                   WHERE contest_id = ? AND position = ? AND user_id = ?""",
                (contest_id, position, user_id),
            )
            picked = set(row["letters"] if row else "") ^ {letter}
            letters = "".join(sorted(picked))
            await tx.execute(
                """INSERT INTO contest_picks (contest_id, position, user_id, letters)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (contest_id, position, user_id)
                   DO UPDATE SET letters = excluded.letters""",
                (contest_id, position, user_id, letters),
            )
        return letters

    async def picks(self, contest_id: int, position: int, user_id: int) -> str:
        """A player's ticks of a multiple-choice question, as letters."""
        row = await self.db.fetchone(
            """SELECT letters FROM contest_picks
               WHERE contest_id = ? AND position = ? AND user_id = ?""",
            (contest_id, position, user_id),
        )
        return str(row["letters"]) if row else ""

    # --- controls for the worker that runs a contest -----------------------------------

    async def request(self, contest_id: int, what: str) -> None:
        """Leave an organizer's control (``pause``, ``stop`` …) for the contest's runner."""
        await self.db.execute("UPDATE contests SET request = ? WHERE id = ?", (what, contest_id))

    async def take_request(self, contest_id: int) -> str | None:
        """The control waiting for this contest, if any; it is taken (cleared)."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT request FROM contests WHERE id = ? AND request IS NOT NULL", (contest_id,)
            )
            if row is None:
                return None
            await tx.execute("UPDATE contests SET request = NULL WHERE id = ?", (contest_id,))
            return str(row["request"])

    async def active_in_chat(self, chat_id: int) -> ContestRow | None:
        """The group's contest that has not finished, if any."""
        row = await self.db.fetchone(
            """SELECT * FROM contests WHERE chat_id = ? AND status NOT IN ('finished', 'stopped')
               ORDER BY id DESC""",
            (chat_id,),
        )
        return _contest(row) if row else None

    async def reset_streaks(self, contest_id: int, position: int) -> None:
        """Players who did not answer the question at ``position`` lose their streak (who
        answered is what is stored, whichever worker stored it)."""
        await self.db.execute(
            """UPDATE contest_players SET streak = 0
               WHERE contest_id = ? AND user_id NOT IN (
                   SELECT a.user_id FROM answers a WHERE a.contest_id = ? AND a.position = ?)""",
            (contest_id, contest_id, position),
        )

    async def players(self, contest_id: int) -> list[PlayerScore]:
        rows = await self.db.fetchall(
            """SELECT p.*, u.name, u.username, u.language FROM contest_players p
               JOIN users u ON u.id = p.user_id WHERE p.contest_id = ?""",
            (contest_id,),
        )
        return [
            PlayerScore(
                r["user_id"],
                r["name"],
                r["username"],
                r["score"],
                r["correct"],
                r["answered"],
                r["time_ms"],
                r["joined_at"],
                r["language"],
            )
            for r in rows
        ]

    async def streaks(self, contest_id: int) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT user_id, streak FROM contest_players WHERE contest_id = ?", (contest_id,)
        )
        return {r["user_id"]: r["streak"] for r in rows}

    async def answers(self, contest_id: int, position: int) -> list[Row]:
        return await self.db.fetchall(
            """SELECT user_id, choice, correct, points, elapsed_ms FROM answers
               WHERE contest_id = ? AND position = ? ORDER BY id""",
            (contest_id, position),
        )

    async def add_poll(self, poll_id: str, contest_id: int, position: int) -> None:
        await self.db.execute(
            """INSERT INTO contest_polls (poll_id, contest_id, position) VALUES (?, ?, ?)
               ON CONFLICT (poll_id) DO UPDATE SET contest_id = excluded.contest_id,
                   position = excluded.position""",
            (poll_id, contest_id, position),
        )

    async def poll(self, poll_id: str) -> tuple[int, int] | None:
        row = await self.db.fetchone(
            "SELECT contest_id, position FROM contest_polls WHERE poll_id = ?", (poll_id,)
        )
        return (row["contest_id"], row["position"]) if row else None

    async def remember_group(self, chat_id: int, title: str | None) -> None:
        await self.db.execute(
            """INSERT INTO groups (chat_id, title) VALUES (?, ?)
               ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title""",
            (chat_id, title),
        )

    async def group_title(self, chat_id: int) -> str:
        row = await self.db.fetchone("SELECT title FROM groups WHERE chat_id = ?", (chat_id,))
        return (row["title"] if row else None) or str(chat_id)

    async def group_timezone(self, chat_id: int) -> str | None:
        row = await self.db.fetchone("SELECT timezone FROM groups WHERE chat_id = ?", (chat_id,))
        return row["timezone"] if row else None

    async def group_timezones(self) -> list[tuple[int, str]]:
        """Every group's time zone, as stored (for the check at start-up)."""
        rows = await self.db.fetchall(
            "SELECT chat_id, timezone FROM groups WHERE timezone IS NOT NULL ORDER BY chat_id"
        )
        return [(int(r["chat_id"]), str(r["timezone"])) for r in rows]

    async def set_group_timezone(self, chat_id: int, timezone: str) -> None:
        await self.db.execute(
            """INSERT INTO groups (chat_id, timezone) VALUES (?, ?)
               ON CONFLICT (chat_id) DO UPDATE SET timezone = excluded.timezone""",
            (chat_id, timezone),
        )
