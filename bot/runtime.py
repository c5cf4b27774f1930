"""The bot's resources, opened and closed in one place: database, banks, engine."""

from __future__ import annotations

import asyncio
import logging
import random

from bot.banks.loader import LoadReport, load_banks
from bot.config import Settings
from bot.domain.catalogue import Catalogue
from bot.engine import Clock, Engine
from bot.storage.db import Database
from bot.storage.store import Store

__all__ = ["Runtime"]

logger = logging.getLogger(__name__)


class Runtime:
    """Settings plus everything built from them."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, rng: random.Random | None = None
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database)
        self.store = Store(self.db)
        report = self._load(None)
        self.engine = Engine(
            self.store,
            report.catalogue,
            clock=clock,
            rng=rng,
            quiz_length=settings.quiz_length,
            timezone=settings.timezone,
        )

    def _load(self, previous: Catalogue | None) -> LoadReport:
        report = load_banks([self.settings.questions_dir], previous)
        for error in report.errors:
            logger.warning("bank error: %s", error)
        catalogue = report.catalogue
        logger.info(
            "banks loaded: %d questions, %d FAQ entries from %d file(s); %d file(s) with errors",
            len(catalogue.questions),
            len(catalogue.faq),
            len(report.loaded),
            len(report.kept) + len(report.skipped),
        )
        return report

    async def start(self) -> None:
        """Open the database and build the FAQ indexes."""
        await self.db.open()
        await self.engine.load_users()
        self.engine.catalogue.warm()

    async def stop(self) -> None:
        """Finish the writes in progress, then close the database."""
        await self.store.batcher.flush()
        await self.db.close()

    async def reload(self) -> LoadReport:
        """Rescan the questions folder; broken files keep their previous version.

        Loading and indexing run in a thread, so running contests keep their clocks; the
        new catalogue replaces the old one in a single step once it is complete.
        """
        report = await asyncio.to_thread(self._rescan)
        self.engine.catalogue = report.catalogue
        return report

    def _rescan(self) -> LoadReport:
        report = self._load(self.engine.catalogue)
        report.catalogue.warm()
        return report
