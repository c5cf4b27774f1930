"""What workers sharing one database agree on: leases, group message budgets, deliveries.

One worker alone (SQLite, the default) uses the same tables: every lease is its own, and the
budget and deliveries are the ones it would keep in memory. Several workers on PostgreSQL
(behind a webhook, any of them receiving any update) decide by these rows:

- a **lease** (``leases``) names the worker that runs a contest's clock, until a time; the
  holder renews it every few seconds, and another worker takes it once it has lapsed;
- a group's **message budget** (``group_budgets``) holds the times of what was posted there
  in the last minute; taking a place locks the group's row, so two workers never both take
  the twentieth;
- a **delivery** (``deliveries``) is claimed by inserting the chat and day before posting:
  one worker's insert wins, so a daily question is posted once;
- a **signal** (``signals``) is a name and a token a worker changes when it changed
  something the others must follow (it reloaded the banks): they look every few seconds.

Times are the workers' clocks (the injected clock): workers on several machines need their
clocks kept in step (NTP), within a fraction of a lease.
"""

from __future__ import annotations

import json

from bot.domain.contest import GroupBudget
from bot.storage.db import Database, Row

__all__ = ["Coordination"]


class Coordination:
    """Leases, group budgets, delivery claims and signals, in the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- leases -----------------------------------------------------------------------

    async def acquire(self, name: str, owner: str, now: float, ttl: float) -> bool:
        """Take or renew the lease ``name`` until ``now + ttl``: True when ``owner`` holds it
        (it was free, lapsed, or already its own), False when another worker does."""
        changed = await self.db.execute(
            """INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
               WHERE leases.owner = excluded.owner OR leases.until < ?""",
            (name, owner, now + ttl, now),
        )
        return changed == 1

    async def renew(self, name: str, owner: str, now: float, ttl: float) -> bool:
        """Extend a lease ``owner`` holds and that has not lapsed; False if it is lost."""
        changed = await self.db.execute(
            "UPDATE leases SET until = ? WHERE name = ? AND owner = ? AND until >= ?",
            (now + ttl, name, owner, now),
        )
        return changed == 1

    async def release(self, name: str, owner: str) -> None:
        """Give up a lease (a contest over, a worker stopping): another may take it at once."""
        await self.db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    async def holder(self, name: str) -> tuple[str, float] | None:
        """Who holds the lease ``name`` and until when, if anyone ever did."""
        row = await self.db.fetchone("SELECT owner, until FROM leases WHERE name = ?", (name,))
        return (str(row["owner"]), float(row["until"])) if row else None

    # --- group budgets --------------------------------------------------------------------

    async def take_place(self, chat_id: int, now: float, reserve: int | None) -> bool:
        """Take a place in the group's budget of messages, if one is left.

        ``reserve``: places kept for mandatory messages to come; None for a mandatory
        message itself, which is always counted (a failed send may still have been posted).
        """
        async with self.db.transaction() as tx:
            # The upsert locks the group's row (PostgreSQL), so the count and the insert
            # below are one step for every worker.
            await tx.execute(
                """INSERT INTO group_budgets (chat_id, sent) VALUES (?, '[]')
                   ON CONFLICT (chat_id) DO UPDATE SET sent = group_budgets.sent""",
                (chat_id,),
            )
            row = await tx.fetchone("SELECT sent FROM group_budgets WHERE chat_id = ?", (chat_id,))
            budget = _budget(row)
            if reserve is not None and not budget.allows(now, reserve):
                return False
            budget.record(now)
            await tx.execute(
                "UPDATE group_budgets SET sent = ? WHERE chat_id = ?",
                (json.dumps(list(budget.sent)), chat_id),
            )
        return True

    async def used(self, chat_id: int, now: float) -> int:
        """Places of the group's budget taken in the last minute."""
        row = await self.db.fetchone(
            "SELECT sent FROM group_budgets WHERE chat_id = ?", (chat_id,)
        )
        return _budget(row).used(now)

    # --- deliveries -------------------------------------------------------------------

    async def claim_delivery(self, chat_id: int, day: str, worker: str) -> bool:
        """Claim the posting of a chat's question of ``day``: True for the first claim only."""
        changed = await self.db.execute(
            """INSERT INTO deliveries (chat_id, day, worker) VALUES (?, ?, ?)
               ON CONFLICT (chat_id, day) DO NOTHING""",
            (chat_id, day, worker),
        )
        return changed == 1

    # --- signals ----------------------------------------------------------------------

    async def signal(self, name: str, token: str) -> None:
        """Tell the other workers that ``name`` changed: its token is now ``token``."""
        await self.db.execute(
            """INSERT INTO signals (name, token) VALUES (?, ?)
               ON CONFLICT (name) DO UPDATE SET token = excluded.token""",
            (name, token),
        )

    async def signalled(self, name: str) -> str | None:
        """The token of the latest change of ``name``, if it ever changed."""
        row = await self.db.fetchone("SELECT token FROM signals WHERE name = ?", (name,))
        return str(row["token"]) if row else None


def _budget(row: Row | None) -> GroupBudget:
    """A group's budget as stored: the times of what was posted in the last minute."""
    budget = GroupBudget()
    budget.sent.extend(json.loads(row["sent"]) if row else [])
    return budget
