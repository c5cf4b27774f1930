"""The FAQ as a service: asking, "did you mean" picks, 👍/👎, and the organizers' review.

Every query is recorded with what the bot did. What people do next teaches the FAQ: a
"did you mean" they tap says which entry they meant; a 👎 says an answer missed; an
unanswered query says something is missing. Those go to a review queue; an organizer
approves a query as a new phrasing of an entry (in chat with /review_faq, or with
``quizbot faq review``), the phrasing is written into the bank file (its layout kept) and
the banks reload, so the next person who asks the same is answered at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.banks.editing import EditError, add_phrasing
from bot.banks.loader import LoadReport
from bot.domain.catalogue import Catalogue
from bot.domain.faq import FaqDecision, Outcome
from bot.domain.models import FaqEntry, User
from bot.domain.refusals import Refusal, Refused
from bot.domain.text import normalise
from bot.ports import Clock
from bot.storage.faq_store import APPROVED, IGNORED, REJECTED, FaqStore, ReviewItem

__all__ = ["FaqDesk", "FaqReply", "MAX_QUERY", "ReviewCase"]

logger = logging.getLogger(__name__)

#: Queries longer than this are cut before matching and storing.
MAX_QUERY = 1000
#: Entries a review item offers to add the query to.
REVIEW_CHOICES = 3


@dataclass(frozen=True, slots=True)
class FaqReply:
    """The bot's decision on a query, and the query's id (its buttons refer to it)."""

    decision: FaqDecision
    query_id: int


@dataclass(frozen=True, slots=True)
class ReviewCase:
    """A review item with the entries it could become a phrasing of, best first."""

    item: ReviewItem
    choices: tuple[FaqEntry, ...]


class FaqDesk:
    """Questions in, answers out, and what people's reactions teach."""

    def __init__(
        self,
        store: FaqStore,
        catalogue: Callable[[], Catalogue],
        clock: Clock,
        reload: Callable[[], Awaitable[LoadReport]],
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.clock = clock
        self.reload = reload

    async def ask(self, user: User | None, chat_id: int | None, text: str) -> FaqReply:
        """Match a question against the FAQ; record it, what was offered, and queue what
        could not be answered for review."""
        text = text[:MAX_QUERY]
        catalogue = self.catalogue()
        language = catalogue.faq_language(text, user.language if user else None)
        decision = catalogue.matcher(language).decide(text)
        top = decision.hits[0] if decision.hits else None
        now = self.clock.now()
        norm = normalise(text)
        query_id = await self.store.record_query(
            user.id if user else None,
            chat_id,
            text,
            norm,
            language,
            decision.outcome.value,
            decision.best.entry.id if decision.best else None,
            top.score if top else 0.0,
            tuple(hit.entry.id for hit in decision.suggestions),
            now,
        )
        if decision.outcome is Outcome.UNANSWERED and norm:
            await self.store.queue(language, norm, text, "unanswered", None, now)
        return FaqReply(decision, query_id)

    async def pick(self, user: User, query_id: int, position: int) -> FaqEntry | Refused:
        """A "did you mean" tapped: the entry, recorded as the one the asker meant."""
        asked = await self.store.query(query_id)
        if asked is None:
            return Refused(Refusal.GONE)
        faq_id = await self.store.suggestion(query_id, position)
        entry = self.catalogue().faq.get(faq_id) if faq_id else None
        if entry is None:
            return Refused(Refusal.GONE)
        if asked.user_id == user.id:
            now = self.clock.now()
            if await self.store.record_feedback(query_id, user.id, "pick", entry.id, now):
                await self.store.queue(
                    asked.language, asked.normalised, asked.text, "pick", entry.id, now
                )
        return entry

    async def vote(self, user: User, query_id: int, helpful: bool) -> Refused | None:
        """👍 or 👎 under an answer, by the person who asked; a 👎 goes to review."""
        asked = await self.store.query(query_id)
        if asked is None or asked.outcome != Outcome.ANSWERED.value:
            return Refused(Refusal.GONE)
        if asked.user_id != user.id:
            return Refused(Refusal.NOT_YOURS)
        now = self.clock.now()
        kind = "up" if helpful else "down"
        if not await self.store.record_feedback(query_id, user.id, kind, asked.faq_id, now):
            return Refused(Refusal.ANSWERED)
        if not helpful:
            await self.store.queue(asked.language, asked.normalised, asked.text, "down", None, now)
        return None

    # --- the organizers' review ---------------------------------------------------------

    async def pending(self, limit: int = 10) -> list[ReviewCase]:
        """What waits for review, most asked first, each with the entries it could join."""
        return [await self._case(item) for item in await self.store.pending(limit)]

    async def case(self, item_id: int) -> ReviewCase | None:
        item = await self.store.item(item_id)
        return await self._case(item) if item else None

    async def _case(self, item: ReviewItem) -> ReviewCase:
        catalogue = self.catalogue()
        choices: list[FaqEntry] = []
        named = catalogue.faq.get(item.faq_id) if item.faq_id else None
        if named is not None:
            choices.append(named)
        for hit in catalogue.matcher(item.language).rank(item.text, REVIEW_CHOICES + 1):
            if hit.entry not in choices:
                choices.append(hit.entry)
        return ReviewCase(item, tuple(choices[:REVIEW_CHOICES]))

    async def approve(self, item_id: int, faq_id: str, by: int | None) -> str | Refused:
        """Add the item's text as a phrasing of entry ``faq_id`` and reload the banks.

        Returns:
            The entry's id, or why not (the item was decided already, the entry is gone).

        Raises:
            EditError: the bank file cannot take the phrasing (a message for the organizer).
        """
        item = await self.store.item(item_id)
        if item is None or item.status != "pending":
            return Refused(Refusal.ANSWERED)
        catalogue = self.catalogue()
        entry = catalogue.faq.get(faq_id)
        bank = next((b for b in catalogue.banks if entry in b.faq), None) if entry else None
        if entry is None or bank is None:
            return Refused(Refusal.GONE)
        add_phrasing(Path(bank.path), entry.id, item.text)
        await self.store.decide(item_id, APPROVED, by, self.clock.now())
        report = await self.reload()
        logger.info(
            "review item %d approved as a phrasing of %s (%d file(s) reloaded)",
            item_id,
            entry.id,
            len(report.loaded),
        )
        return entry.id

    async def dismiss(self, item_id: int, by: int | None, helpful: bool = False) -> bool:
        """Close an item without a new phrasing: "not helpful" (rejected) or ignored."""
        status = IGNORED if helpful else REJECTED
        return await self.store.decide(item_id, status, by, self.clock.now())


__all__ += ["EditError"]
