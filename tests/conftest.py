"""Shared fixtures: a fake clock, settings in a temporary folder, the fake Bot API, and the
database the tests run on.

``--database=postgresql`` (or ``QUIZBOT_TEST_DATABASE=postgresql``) runs every test that
uses a database — every test asking for the ``database_url`` fixture, directly or through
``settings`` or ``runtime`` — against a real PostgreSQL server this run starts
(tests/postgres.py), one fresh database per test; the tests that use no database, and those
about SQLite's own file (marked ``sqlite_only``), are left out of that run. The default,
``--database=sqlite``, runs everything on SQLite. `make test` runs both.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.frontends.telegram.app import build_application
from bot.frontends.telegram.limiter import PatientRateLimiter
from bot.runtime import Runtime
from tests import postgres
from tests.fakebotapi import FakeBotApi

DATA = Path(__file__).parent / "data"
SAMPLE_BANKS = DATA / "banks"
DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=DATABASES,
        default=os.environ.get("QUIZBOT_TEST_DATABASE") or "sqlite",
        help="the database the tests that use one run on (default: $QUIZBOT_TEST_DATABASE "
        "or sqlite); postgresql starts a server for the run",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: about SQLite's own file (pragmas, damage, its backup API)"
    )
    config.addinivalue_line(
        "markers", "postgres_only: about PostgreSQL itself; runs with --database=postgresql"
    )
    config.addinivalue_line(
        "markers", "empty_database: on PostgreSQL, a database quizbot never migrated"
    )
    if config.getoption("--database") not in DATABASES:  # from the environment
        raise pytest.UsageError(
            f"QUIZBOT_TEST_DATABASE must be one of {', '.join(DATABASES)}, "
            f"not {config.getoption('--database')!r}"
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {config.getoption('--database')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run the tests that use a database (and are not about SQLite's file)
    and those about PostgreSQL itself; on SQLite, everything but the latter."""
    postgresql = config.getoption("--database") == "postgresql"
    kept, left = [], []
    for item in items:
        if postgresql:
            uses = "database_url" in getattr(item, "fixturenames", ())
            about = item.get_closest_marker("postgres_only") is not None
            keep = (uses or about) and not item.get_closest_marker("sqlite_only")
        else:
            keep = not item.get_closest_marker("postgres_only")
        (kept if keep else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
    items[:] = kept


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[postgres.Server]:
    """The PostgreSQL server of this run (started on first use, stopped at the end)."""
    server = postgres.start()
    request.addfinalizer(server.stop)
    yield server


def postgres_path(request: pytest.FixtureRequest) -> str:
    """$PATH with the run's PostgreSQL programs first (pg_dump must match the server)."""
    server: postgres.Server = request.getfixturevalue("postgres_server")
    path = os.environ.get("PATH", "")
    return f"{server.bin_dir}{os.pathsep}{path}" if server.bin_dir else path


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The database of this test: None for SQLite (a file in the test's data folder), or the
    URL of a fresh PostgreSQL database, migrated, dropped afterwards (``empty_database`` for
    one quizbot never touched)."""
    if request.config.getoption("--database") != "postgresql":
        yield None
        return
    server: postgres.Server = request.getfixturevalue("postgres_server")
    url = server.create_database(migrated=not request.node.get_closest_marker("empty_database"))
    yield url
    server.drop_database(url)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01 08:00 Shanghai
        self.time = start

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


class FakeScheduler:
    """The contest Scheduler port, driven by hand: advancing it runs what falls due."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.jobs: dict[str, tuple[float, Callable[[], Awaitable[None]]]] = {}
        self._added = asyncio.Event()

    def call_at(self, when: float, key: str, callback: Callable[[], Awaitable[None]]) -> None:
        self.jobs[key] = (when, callback)
        self._added.set()

    async def wait_job(self, key_part: str, timeout: float = 10.0) -> None:
        """Wait until a job whose key contains ``key_part`` is pending (set by a handler)."""

        async def pending() -> None:
            while not any(key_part in key for key in self.jobs):
                self._added.clear()
                await self._added.wait()

        await asyncio.wait_for(pending(), timeout)

    def call_daily(
        self,
        hour: int,
        minute: int,
        timezone: str,
        key: str,
        callback: Callable[[], Awaitable[None]],
    ) -> None:
        """As JobQueue.run_daily: at HH:MM in the zone, every day."""
        from bot.domain.learning import next_daily

        async def run_and_again() -> None:
            self.call_at(next_daily(self.clock.now(), hour, minute, timezone), key, run_and_again)
            await callback()

        self.call_at(next_daily(self.clock.now(), hour, minute, timezone), key, run_and_again)

    def cancel(self, key: str) -> None:
        self.jobs.pop(key, None)

    def due(self) -> float | None:
        return min((when for when, _ in self.jobs.values()), default=None)

    async def advance(self, seconds: float) -> None:
        """Move the clock on, running each job at its time, in order."""
        target = self.clock.time + seconds
        while True:
            ready = [(when, key) for key, (when, _) in self.jobs.items() if when <= target]
            if not ready:
                break
            when, key = min(ready)
            _, callback = self.jobs.pop(key)
            self.clock.time = max(self.clock.time, when)
            await callback()
        self.clock.time = target


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def banks(tmp_path: Path) -> Path:
    """A writable copy of the sample banks, for tests that change them."""
    folder = tmp_path / "questions"
    shutil.copytree(SAMPLE_BANKS, folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        questions_dir=SAMPLE_BANKS,
        quiz_length=4,
        database_url=database_url,
    )


@pytest.fixture
async def runtime(settings: Settings, clock: FakeClock) -> AsyncIterator[Runtime]:
    rt = Runtime(settings, clock=clock, rng=random.Random(7))
    await rt.start()
    yield rt
    await rt.stop()


@pytest.fixture
def scheduler(clock: FakeClock) -> FakeScheduler:
    return FakeScheduler(clock)


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(clock=clock.now) as server:
        yield server


class Naps:
    """Stands in for asyncio.sleep in the rate limiter: records how long it was told to wait."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def take(self, seconds: float) -> None:
        self.taken.append(seconds)


naps = Naps()


@asynccontextmanager
async def running_bot(
    api: FakeBotApi,
    settings: Settings,
    clock: FakeClock | None = None,
    scheduler: FakeScheduler | None = None,
    request_timeout: float = 5.0,
) -> AsyncIterator[tuple[Application, Runtime]]:
    """The real Application, polling the fake Bot API over a socket.

    Telegram's flood limits are off: test time runs faster than real time, and the
    contest's own budget (counted on the fake clock) is what the tests check. Waits the
    limiter is told to make (RetryAfter, back-off) are recorded in ``naps``, not slept.
    """
    naps.taken.clear()
    settings = replace(settings, token=api.token, base_url=api.base_url)
    runtime = Runtime(settings, clock=clock, rng=random.Random(7))
    limiter = PatientRateLimiter(overall_max_rate=0, group_max_rate=0, sleep=naps.take)
    application = build_application(
        runtime, scheduler=scheduler, rate_limiter=limiter, request_timeout=request_timeout
    )
    async with application:
        await application.post_init(application)
        await application.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application, runtime
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_shutdown(application)
