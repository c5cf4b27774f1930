"""Group commit: many small writes that arrive together share one transaction.

A contest's answers come in bursts: hundreds of players press within the same second. Each
answer is a few statements; in a transaction of its own, each statement would cross to
aiosqlite's thread (or to the PostgreSQL server) and back. The batcher lets callers submit
*units* (statements that must take effect together) and await their commit: the writer
takes everything waiting, runs units of one kind with one ``executemany`` per statement
(pipelined in one round trip on PostgreSQL), and commits once.

If a batch hits a constraint (a unit that may not take effect, such as a second answer to
the same question, or one whose question has closed), the batch is rolled back and its units
are run one by one, each in a savepoint, so only that unit fails and the others still commit.

A unit may name a row to *lock* first (a contest's, so that its question cannot close while
an answer to it is being stored by another worker): the batch locks every row its units name
before anything else, once each and always in the same order, so two workers' batches never
wait for each other in a circle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.storage.db import Database, IntegrityError, Transaction

__all__ = ["Batcher", "Unit"]

logger = logging.getLogger(__name__)

#: Units written in one transaction at most.
MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class Unit:
    """Statements that take effect together. ``kind`` names the shape: same kind, same SQL.

    Units are written in order of ``priority`` (lower first), so a unit may rely on one of a
    lower priority submitted no later (an answer on its player's row).
    """

    kind: str
    statements: tuple[tuple[str, Sequence[Any]], ...]
    priority: int = 0
    #: A statement that locks a row, run before the batch's statements (see the module).
    lock: tuple[str, tuple[Any, ...]] | None = None


@dataclass(slots=True)
class _Pending:
    unit: Unit
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Batcher:
    """Runs submitted units in shared transactions, in the background."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, unit: Unit) -> bool:
        """Write a unit; True once committed, False if it broke a constraint (not written)."""
        pending = _Pending(unit)
        self._queue.append(pending)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return await pending.done

    async def flush(self) -> None:
        """Wait until everything submitted so far is written (before closing the database)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                await self._write(batch)
            except BaseException as exc:  # the database is gone: fail the callers, not silently
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
            await asyncio.sleep(0)  # let callers that are ready join the next batch

    async def _write(self, batch: list[_Pending]) -> None:
        groups: dict[str, list[_Pending]] = {}
        for pending in sorted(batch, key=lambda p: p.unit.priority):
            groups.setdefault(pending.unit.kind, []).append(pending)
        try:
            async with self.db.transaction() as tx:
                await _lock(tx, batch)
                for members in groups.values():
                    for index, (sql, _) in enumerate(members[0].unit.statements):
                        await tx.executemany(sql, [m.unit.statements[index][1] for m in members])
        except IntegrityError:
            logger.info(
                "a batch of %d writes hit a constraint; writing them one by one", len(batch)
            )
            await self._one_by_one([p for members in groups.values() for p in members])
            return
        for pending in batch:
            pending.done.set_result(True)

    async def _one_by_one(self, batch: list[_Pending]) -> None:
        results: list[bool] = []
        async with self.db.transaction() as tx:
            await _lock(tx, batch)
            for number, pending in enumerate(batch):
                await tx.execute(f"SAVEPOINT unit{number}")
                try:
                    for sql, params in pending.unit.statements:
                        await tx.execute(sql, params)
                except IntegrityError:
                    await tx.execute(f"ROLLBACK TO SAVEPOINT unit{number}")
                    results.append(False)
                else:
                    results.append(True)
                await tx.execute(f"RELEASE SAVEPOINT unit{number}")
        for pending, ok in zip(batch, results, strict=True):
            pending.done.set_result(ok)


async def _lock(tx: Transaction, batch: list[_Pending]) -> None:
    """Lock the rows the batch's units name: each once, in one order (no deadlock)."""
    locks = {p.unit.lock for p in batch if p.unit.lock is not None}
    for sql, params in sorted(locks, key=lambda lock: (lock[0], lock[1])):
        await tx.execute(sql, params)
