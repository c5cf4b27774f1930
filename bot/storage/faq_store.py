"""Queries of the FAQ: what people asked, what the bot offered, what they did with it, and
the organizers' review queue."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database, Row

__all__ = ["AskedQuery", "FaqStore", "ReviewItem"]

#: The states of a review item.
PENDING, APPROVED, REJECTED, IGNORED = "pending", "approved", "rejected", "ignored"


@dataclass(frozen=True, slots=True)
class AskedQuery:
    """A recorded query, as its buttons find it."""

    id: int
    user_id: int | None
    text: str
    normalised: str
    language: str
    outcome: str
    faq_id: str | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """Something people asked that may become a new phrasing of an entry."""

    id: int
    language: str
    text: str
    normalised: str
    #: Where it came from: "unanswered", "pick" (a "did you mean" tapped), "down" (👎).
    source: str
    #: The entry it points to (the one picked), if any.
    faq_id: str | None
    asked: int
    status: str


class FaqStore:
    """The FAQ tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_query(
        self,
        user_id: int | None,
        chat_id: int | None,
        text: str,
        normalised: str,
        language: str,
        outcome: str,
        faq_id: str | None,
        score: float,
        suggestions: tuple[str, ...],
        now: float,
    ) -> int:
        """Store a query, its outcome and the entries offered; returns the query's id."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                """INSERT INTO faq_queries (user_id, chat_id, text, normalised, language,
                                            outcome, faq_id, score, asked_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (user_id, chat_id, text, normalised, language, outcome, faq_id, score, now),
            )
            assert row is not None
            query_id = int(row["id"])
            await tx.executemany(
                "INSERT INTO faq_suggestions (query_id, position, faq_id) VALUES (?, ?, ?)",
                [(query_id, position, entry) for position, entry in enumerate(suggestions)],
            )
        return query_id

    async def query(self, query_id: int) -> AskedQuery | None:
        row = await self.db.fetchone(
            """SELECT id, user_id, text, normalised, language, outcome, faq_id
               FROM faq_queries WHERE id = ?""",
            (query_id,),
        )
        if row is None:
            return None
        return AskedQuery(
            row["id"],
            row["user_id"],
            row["text"],
            row["normalised"],
            row["language"],
            row["outcome"],
            row["faq_id"],
        )

    async def suggestion(self, query_id: int, position: int) -> str | None:
        """The entry offered at ``position`` for a query."""
        row = await self.db.fetchone(
            "SELECT faq_id FROM faq_suggestions WHERE query_id = ? AND position = ?",
            (query_id, position),
        )
        return str(row["faq_id"]) if row else None

    async def record_feedback(
        self, query_id: int, user_id: int, kind: str, faq_id: str | None, now: float
    ) -> bool:
        """A pick, 👍 or 👎 on a query's answer; False if that user gave that one before."""
        return (
            await self.db.execute(
                """INSERT INTO faq_feedback (query_id, user_id, kind, faq_id, created_at)
                   VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (query_id, user_id, kind, faq_id, now),
            )
            == 1
        )

    async def queue(
        self,
        language: str,
        normalised: str,
        text: str,
        source: str,
        faq_id: str | None,
        now: float,
    ) -> None:
        """Put a query in the review queue; alike ones count as one, asked more often.

        A pick names the entry people chose, which beats what an earlier item said.
        """
        await self.db.execute(
            """INSERT INTO faq_reviews (language, normalised, text, source, faq_id, created_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (language, normalised) DO UPDATE SET
                   asked = faq_reviews.asked + 1,
                   text = excluded.text,
                   source = CASE WHEN excluded.source = 'pick' THEN 'pick'
                                 ELSE faq_reviews.source END,
                   faq_id = COALESCE(excluded.faq_id, faq_reviews.faq_id)""",
            (language, normalised, text, source, faq_id, now),
        )

    async def pending(self, limit: int = 10, language: str | None = None) -> list[ReviewItem]:
        """Items waiting for an organizer: the most asked first."""
        if language is None:
            rows = await self.db.fetchall(
                """SELECT * FROM faq_reviews WHERE status = 'pending'
                   ORDER BY asked DESC, id LIMIT ?""",
                (limit,),
            )
        else:
            rows = await self.db.fetchall(
                """SELECT * FROM faq_reviews WHERE status = 'pending' AND language = ?
                   ORDER BY asked DESC, id LIMIT ?""",
                (language, limit),
            )
        return [_item(row) for row in rows]

    async def item(self, item_id: int) -> ReviewItem | None:
        row = await self.db.fetchone("SELECT * FROM faq_reviews WHERE id = ?", (item_id,))
        return _item(row) if row else None

    async def decide(self, item_id: int, status: str, by: int | None, now: float) -> bool:
        """Close a pending item; False if it was not pending (decided by someone else)."""
        changed = await self.db.execute(
            """UPDATE faq_reviews SET status = ?, decided_at = ?, decided_by = ?
               WHERE id = ? AND status = 'pending'""",
            (status, now, by, item_id),
        )
        return changed == 1


def _item(row: Row) -> ReviewItem:
    return ReviewItem(
        row["id"],
        row["language"],
        row["text"],
        row["normalised"],
        row["source"],
        row["faq_id"],
        row["asked"],
        row["status"],
    )
