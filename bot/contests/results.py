"""Reading contests after (and while) they run: standings, charts, ranks, recent contests.

The organizer's /results, /chart and /myrank, the podium's chart and the command line's
``results`` all read through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.contests.live import ChartData
from bot.domain.contest import PlayerScore, rank
from bot.storage.contest_store import ContestRow, ContestStore

__all__ = ["ContestResults", "ContestSummary"]


@dataclass(frozen=True, slots=True)
class ContestSummary:
    """A contest as an organizer picks it from a list."""

    id: int
    chat_id: int
    group: str
    status: str
    created_at: float
    players: int


class ContestResults:
    """Standings and figures of contests, from the database."""

    def __init__(self, contests: ContestStore) -> None:
        self.contests = contests

    async def contest(self, contest_id: int) -> ContestRow | None:
        return await self.contests.get(contest_id)

    async def standings(self, contest_id: int) -> list[PlayerScore]:
        """Every player of a contest, best first."""
        return rank(await self.contests.players(contest_id))

    async def chart_data(self, contest_id: int) -> ChartData:
        """Share of right answers per question, and every player's score."""
        row = await self.contests.get(contest_id)
        shares = []
        for position in range(len(row.questions) if row else 0):
            answers = await self.contests.answers(contest_id, position)
            shares.append(sum(a["correct"] for a in answers) / len(answers) if answers else 0.0)
        return ChartData(shares, [p.score for p in await self.standings(contest_id)])

    async def my_rank(self, contest_id: int, user_id: int) -> tuple[int, PlayerScore] | None:
        """A player's place and score in a contest, or None if they did not play."""
        for place, player in enumerate(await self.standings(contest_id), start=1):
            if player.user_id == user_id:
                return place, player
        return None

    async def recent(self, chat_ids: list[int] | None, limit: int = 10) -> list[ContestSummary]:
        """The latest contests of some groups (all groups when None), newest first."""
        summaries = []
        for row in await self.contests.recent(chat_ids, limit):
            summaries.append(
                ContestSummary(
                    id=row.id,
                    chat_id=row.chat_id,
                    group=await self.contests.group_title(row.chat_id),
                    status=row.status.value,
                    created_at=row.created_at,
                    players=len(await self.contests.players(row.id)),
                )
            )
        return summaries

    async def groups(self) -> list[int]:
        """Every group that ever held a contest."""
        return await self.contests.groups_with_contests()

    async def ranks(
        self, user_id: int, chat_ids: list[int] | None, limit: int = 20
    ) -> list[tuple[ContestSummary, int, PlayerScore]]:
        """The user's place in each recent contest they played (of some groups)."""
        found = []
        for summary in await self.recent(chat_ids, limit):
            placed = await self.my_rank(summary.id, user_id)
            if placed:
                found.append((summary, *placed))
        return found
