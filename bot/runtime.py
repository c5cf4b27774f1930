"""The composition root: every service of the bot, built in one place from the settings.

Both front ends receive a :class:`Runtime` and call its services; neither builds one. The
Telegram front end attaches its ports (the contest presenter, the JobQueue scheduler and
the daily poster) with :meth:`Runtime.attach`, which brings contests and subscriptions to
life; the console attaches none and gets everything that makes sense for one person.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
from functools import partial
from pathlib import Path

from bot.banks.installer import Installed, PendingInstalls, install_upload
from bot.banks.loader import LoadReport, load_banks
from bot.config import Settings
from bot.contests import ContestPresenter, ContestResults, ContestRunner
from bot.domain.catalogue import Catalogue
from bot.domain.timezones import canonical_zone
from bot.engine import Engine
from bot.faq_desk import FaqDesk
from bot.health import last_beat
from bot.learning import DailyPoster, Learning
from bot.policy import AnswerPolicy
from bot.ports import AlwaysUp, Clock, Link, Repeating, Scheduler, SystemClock
from bot.stats import Stats
from bot.storage.contest_store import ContestStore
from bot.storage.coordination import Coordination
from bot.storage.db import DatabaseError, open_database
from bot.storage.faq_store import FaqStore
from bot.storage.learning_store import LearningStore
from bot.storage.stats_store import StatsStore
from bot.storage.store import Store

__all__ = ["Runtime"]

logger = logging.getLogger(__name__)

#: The signal a worker gives when it reloaded the banks, and how often the others look for
#: it (seconds): the workers share one questions folder, and each rescans it.
BANKS_SIGNAL = "banks"
BANKS_WATCH = 5.0
BANKS_WATCH_KEY = "banks:follow"


class Runtime:
    """Settings plus every service built from them: ``engine`` (solo quizzes, users,
    scores), ``faq`` (asking and the FAQ's review), ``learning``, ``policy``, ``stats``,
    ``results``, and ``contests`` once a front end has attached its ports."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, rng: random.Random | None = None
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()
        #: The database and its store, for the services (and tests that read what they wrote);
        #: front ends never touch them (tests/test_architecture.py).
        self.db = open_database(settings.database_target)
        #: Other workers may share the database (PostgreSQL): contests run under leases,
        #: deliveries are claimed. SQLite is one worker's alone.
        self.shared = self.db.dialect == "postgresql"
        #: This worker's name in leases and claims: its host and process, and a random part
        #: (a restarted process with the same id is another worker).
        self.worker = (
            f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
            if self.shared
            else "solo"
        )
        self.coordination = Coordination(self.db)
        #: With other workers: their bank changes looked for every BANKS_WATCH seconds, and
        #: the token of the last change this worker made or followed.
        self._bank_follow: Repeating | None = None
        self._banks_seen: str | None = None
        self.store = Store(self.db)
        self._contest_store = ContestStore(self.db, self.store.batcher)
        report = self._load(None)
        learning_store = LearningStore(self.db)
        self.faq = FaqDesk(FaqStore(self.db), self.catalogue_now, self.clock, self.reload)
        self.policy = AnswerPolicy(
            self.store, learning_store, self.catalogue_now, self.clock, settings.timezone
        )
        self.engine = Engine(
            self.store,
            report.catalogue,
            self.policy,
            self.faq,
            clock=self.clock,
            rng=self.rng,
            quiz_length=settings.quiz_length,
            timezone=settings.timezone,
        )
        self.learning = Learning(self.engine, learning_store)
        self.stats = Stats(StatsStore(self.db), self.catalogue_now)
        self.results = ContestResults(self._contest_store)
        #: Uploads waiting for their organizer's confirmation (see :meth:`install`).
        self.pending = PendingInstalls(settings.data_dir / "pending")
        self._contests: ContestRunner | None = None

    @property
    def catalogue(self) -> Catalogue:
        """The banks serving now (a reload swaps it in one step)."""
        return self.engine.catalogue

    def catalogue_now(self) -> Catalogue:
        return self.engine.catalogue

    @property
    def contests(self) -> ContestRunner:
        """The contest runner; it exists once a front end has attached its ports."""
        if self._contests is None:
            raise RuntimeError("contests need a front end: call Runtime.attach first")
        return self._contests

    def attach(
        self,
        presenter: ContestPresenter,
        scheduler: Scheduler,
        poster: DailyPoster,
        link: Link | None = None,
    ) -> None:
        """Connect a front end's ports: contests and daily deliveries start to run.

        ``link`` tells contests whether the front end's network is up (Telegram's outages).
        """
        self._contests = ContestRunner(
            self.store,
            self._contest_store,
            self.results,
            self.policy,
            self.clock,
            scheduler,
            presenter,
            catalogue=self.catalogue_now,
            rng=self.rng,
            timezone=self.settings.timezone,
            link=link or AlwaysUp(),
            coordination=self.coordination,
            worker=self.worker,
            shared=self.shared,
        )
        self.learning.connect(scheduler, poster, self._claim_delivery, self.shared)
        if self.shared:
            self._bank_follow = Repeating(
                scheduler, self.clock, BANKS_WATCH, BANKS_WATCH_KEY, self._follow_banks
            )

    async def _claim_delivery(self, chat_id: int, day: str) -> bool:
        return await self.coordination.claim_delivery(chat_id, day, self.worker)

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

    async def open(self) -> None:
        """Open the database only (for the command line's reports).

        Raises:
            DatabaseError: the database cannot be used (see :mod:`bot.storage.db`).
        """
        await self.db.open()

    async def start(self) -> None:
        """Open the database, build the FAQ indexes, and resume contests and deliveries."""
        last_seen = last_beat(self.settings.data_dir)  # before this run's first beat
        await self.open()
        await self.engine.load_users()
        self.engine.catalogue.warm()
        if self._contests is not None:
            await self._contests.recover(last_seen)
        await self.learning.restore_subscriptions()
        await self._report_unknown_zones()
        if self._bank_follow is not None:  # other workers may change the banks
            self._banks_seen = await self.coordination.signalled(BANKS_SIGNAL)
            self._bank_follow.start()

    async def _report_unknown_zones(self) -> None:
        """Log, once, each group whose stored time zone this host does not know.

        Such a group's contests are scheduled in the default zone (ContestRunner.group_timezone);
        the stored name is kept, in case the host's tz database learns it again.
        """
        for chat_id, zone in await self._contest_store.group_timezones():
            if canonical_zone(zone) is None:
                logger.warning(
                    "group %d: its time zone %r is unknown here; using %s",
                    chat_id,
                    zone[:64],
                    self.settings.timezone,
                )

    async def stop(self) -> None:
        """Finish the writes in progress, give up this worker's contests (another worker
        takes them over at once), then close the database."""
        await self.store.batcher.flush()
        if self._bank_follow is not None:
            self._bank_follow.stop()
        if self._contests is not None:
            await self._contests.release()
        await self.db.close()

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database."""
        await self.db.backup(target)

    async def reload(self) -> LoadReport:
        """Rescan the questions folder; broken files keep their previous version.

        Loading and indexing run in a thread, so running contests keep their clocks; the
        new catalogue replaces the old one in a single step once it is complete. Workers
        sharing the database are told, and rescan the folder too (:meth:`_follow_banks`).
        """
        report = await self._rescan_in_thread()
        if self.shared:
            self._banks_seen = secrets.token_hex(8)
            try:
                await self.coordination.signal(BANKS_SIGNAL, self._banks_seen)
            except DatabaseError as exc:  # the others follow at the next reload
                logger.warning("the other workers were not told of the reload: %s", exc)
        return report

    async def _rescan_in_thread(self) -> LoadReport:
        report = await asyncio.to_thread(self._rescan)
        self.engine.catalogue = report.catalogue
        return report

    async def _follow_banks(self) -> None:
        """Another worker reloaded the banks (an upload, /reload, an approved phrasing):
        rescan the questions folder the workers share (every BANKS_WATCH seconds)."""
        try:
            token = await self.coordination.signalled(BANKS_SIGNAL)
            if token is not None and token != self._banks_seen:
                self._banks_seen = token
                report = await self._rescan_in_thread()
                logger.info(
                    "banks reloaded after another worker's change: %d file(s)",
                    len(report.loaded),
                )
        except DatabaseError as exc:
            logger.warning("could not look for other workers' bank changes: %s", exc)

    def _rescan(self) -> LoadReport:
        report = self._load(self.engine.catalogue)
        report.catalogue.warm()
        return report

    async def install(
        self, name: str, content: bytes, force: bool = False
    ) -> tuple[Installed, LoadReport | None]:
        """Validate an uploaded bank file and, if it is good, install it and reload.

        A file that would replace another bank or delete many questions is not installed
        unless ``force``: the result lists why (``confirm``), for the organizer to decide.

        Raises:
            OSError: the questions folder cannot be written.
        """
        settings = self.settings
        result = await asyncio.to_thread(
            partial(
                install_upload,
                name,
                content,
                self.engine.catalogue,
                settings.questions_dir,
                settings.data_dir / "history",
                self.clock.now(),
                force=force,
            )
        )
        if not result.ok:
            return result, None
        return result, await self.reload()
