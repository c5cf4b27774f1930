"""A real PostgreSQL server for the tests, started and stopped by the test run itself.

`make test` installs the test extra, which holds ``pgserver``: a wheel from PyPI carrying
PostgreSQL's binaries (initdb, postgres, pg_dump). :func:`start` runs ``initdb`` in a fresh
temporary folder and ``postgres`` on 127.0.0.1 at a free port, without durability (the
tests' data is thrown away), then each test gets a database of its own
(:meth:`Server.create_database`). PostgreSQL refuses to run as root: as root the server runs
as the unprivileged ``nobody``, from a copy of the binaries in the temporary folder (the
checkout may sit in a folder only root may enter).

``QUIZBOT_TEST_POSTGRES_URL`` (a superuser's URL, e.g. of a CI service) uses that server
instead of starting one.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from tests.helpers import free_port

__all__ = ["Server", "binaries", "start"]

#: prctl's option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1
#: The server may need this long to accept connections (initdb takes about a second).
START_TIMEOUT = 60.0
#: Settings of a server whose data is thrown away: no fsync, no waiting for the disk.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "unix_socket_directories": "",
    "log_min_messages": "warning",
}


class NoServer(RuntimeError):
    """No PostgreSQL server could be started; the message says what is missing."""


def binaries() -> Path:
    """The folder of PostgreSQL's programs that the ``pgserver`` wheel installed.

    Raises:
        NoServer: the wheel is not installed (``make`` installs it with the test extra).
    """
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise NoServer(
            "the tests need PostgreSQL: install the test extra (pip install -e '.[test]', "
            "which `make test` does) or set QUIZBOT_TEST_POSTGRES_URL to a server's URL"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (folder / "postgres").exists():
        raise NoServer(f"pgserver is installed but holds no postgres program in {folder}")
    return folder


class _Admin:
    """One superuser connection, on a thread and loop of its own: usable from sync code and
    from within a test's running loop alike."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._conn: asyncpg.Connection | None = None

    def run(self, statement: str) -> None:
        asyncio.run_coroutine_threadsafe(self._execute(statement), self._loop).result(60)

    async def _execute(self, statement: str) -> None:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.url, timeout=10)
        await self._conn.execute(statement)

    def close(self) -> None:
        async def close() -> None:
            if self._conn is not None:
                await self._conn.close()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()


def _as_child(demote: Callable[[], None] | None) -> None:
    """In the server's process before it starts: drop root if need be, then ask Linux to
    stop it (SIGTERM) when the test run dies without stopping it (SIGKILL, a crash)."""
    if demote is not None:
        demote()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass
class Server:
    """A PostgreSQL server the tests may create databases on."""

    #: A superuser's URL, to its maintenance database.
    url: str
    #: The folder of its programs (pg_dump), when this run started it.
    bin_dir: Path | None = None
    _process: subprocess.Popen[bytes] | None = None
    _folder: Path | None = None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _admin: _Admin | None = None
    _template: str | None = None

    @property
    def pid(self) -> int | None:
        """The postmaster's process id, when this run started the server."""
        return None if self._process is None else self._process.pid

    @property
    def admin(self) -> _Admin:
        if self._admin is None:
            self._admin = _Admin(self.url)
        return self._admin

    def database_url(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def create_database(self, migrated: bool = False) -> str:
        """A new database, empty or (``migrated``) as quizbot's start-up leaves it; its URL.

        Migrated ones are copies of a template migrated once by quizbot's own code, which
        spares each test the migrations (a tenth of a second each).
        """
        name = f"quizbot_test_{os.getpid()}_{next(self._names)}"
        template = self._migrated_template() if migrated else "template0"
        self.admin.run(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.database_url(name)

    def _migrated_template(self) -> str:
        if self._template is None:
            from bot.storage.postgres import PostgresDatabase

            name = f"quizbot_template_{os.getpid()}"
            self.admin.run(f'CREATE DATABASE "{name}" TEMPLATE template0')
            database = PostgresDatabase(self.database_url(name))

            async def migrate() -> None:
                await database.open()
                await database.close()

            with ThreadPoolExecutor(1) as thread:  # a loop of its own, whoever calls
                thread.submit(asyncio.run, migrate()).result()
            self._template = name
        return self._template

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.strip("/")
        self.admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server this run started (fast shutdown), and remove its folder."""
        if self._admin is not None:
            if self._template is not None:
                self._admin.run(f'DROP DATABASE IF EXISTS "{self._template}"')
            self._admin.close()
            self._admin = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def start(settings: dict[str, str] | None = None) -> Server:
    """A server for this test run: ``QUIZBOT_TEST_POSTGRES_URL``'s, or one started here
    with :data:`SETTINGS` and ``settings`` over them (the benchmarks want durability on).

    Raises:
        NoServer: none could be started; the message says why (the server's log included).
    """
    given = os.environ.get("QUIZBOT_TEST_POSTGRES_URL", "").strip()
    if given:
        return Server(given)
    source = binaries()
    folder = Path(tempfile.mkdtemp(prefix="quizbot-pg-"))
    demote: Callable[[], None] | None = None
    bin_dir = source
    if os.geteuid() == 0:
        # PostgreSQL will not run as root: run it as nobody, from binaries nobody can reach
        # (pgserver's programs find their libraries at ../../../pgserver.libs).
        nobody = pwd.getpwnam("nobody")
        site = folder / "site"
        shutil.copytree(source.parent, site / "pgserver" / "pginstall", symlinks=True)
        libs = source.parent.parent.parent / "pgserver.libs"
        if libs.is_dir():
            shutil.copytree(libs, site / "pgserver.libs", symlinks=True)
        bin_dir = site / "pgserver" / "pginstall" / "bin"
        os.chmod(folder, 0o755)
        data = folder / "data"
        data.mkdir()
        os.chown(data, nobody.pw_uid, nobody.pw_gid)

        def demote() -> None:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

    else:
        data = folder / "data"
    log = folder / "server.log"
    initdb = subprocess.run(
        [
            str(bin_dir / "initdb"),
            f"--pgdata={data}",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        preexec_fn=demote,
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if initdb.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise NoServer(f"initdb failed: {initdb.stderr.strip()[-800:]}")
    port = free_port()
    chosen = {**SETTINGS, **(settings or {})}
    options = [part for key, value in chosen.items() for part in ("-c", f"{key}={value}")]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port)]
            + options,
            preexec_fn=partial(_as_child, demote),
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(
        f"postgresql://postgres@127.0.0.1:{port}/postgres",
        bin_dir=bin_dir,
        _process=process,
        _folder=folder,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            server.admin.run("SELECT 1")
            return server
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                said = log.read_text(errors="replace")[-800:]
                server.stop()
                raise NoServer(f"the PostgreSQL server did not start ({exc}): {said}") from exc
            time.sleep(0.05)
