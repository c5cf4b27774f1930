"""Settings from the environment, validated once. A bad setting is a one-line ConfigError."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.domain.timezones import canonical_zone

__all__ = ["ConfigError", "Settings", "check_database_url", "shipped_questions_dir"]

TELEGRAM_API = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def shipped_questions_dir() -> Path:
    """The banks that come with the package (``questions/`` in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "questions", here.parent / "questions"):
        if candidate.is_dir():
            return candidate
    return here.parent / "questions"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, documented in the README's settings table."""

    token: str | None = None
    data_dir: Path = Path("data")
    questions_dir: Path = field(default_factory=shipped_questions_dir)
    admins: frozenset[int] = frozenset()
    base_url: str = TELEGRAM_API
    timezone: str = "Asia/Shanghai"
    quiz_length: int = 5
    log_level: str = "INFO"
    log_format: str = "text"
    flood_limit: int = 30
    #: A PostgreSQL database (``postgresql://…``); None: SQLite in the data folder.
    database_url: str | None = None

    @property
    def database(self) -> Path:
        """The SQLite file (used unless ``database_url`` names a PostgreSQL database)."""
        return self.data_dir / "quizbot.sqlite3"

    @property
    def database_target(self) -> Path | str:
        """The database the bot uses: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url or self.database

    @property
    def base_file_url(self) -> str:
        """The file download URL that goes with ``base_url``."""
        root, sep, tail = self.base_url.rpartition("/bot")
        return f"{root}/file/bot{tail}" if sep else self.base_url.rstrip("/") + "/file/bot"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: the process environment).

        Raises:
            ConfigError: a setting is malformed.
        """
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        admins: set[int] = set()
        for part in (get("QUIZBOT_ADMINS") or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                admins.add(int(part))
            except ValueError:
                raise ConfigError(
                    f"QUIZBOT_ADMINS: '{part}' is not a Telegram user id "
                    "(give numbers separated by commas, e.g. 12345,67890)"
                ) from None
        base_url = get("TELEGRAM_BASE_URL") or TELEGRAM_API
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"TELEGRAM_BASE_URL: '{base_url}' must start with http:// or https://"
            )
        wanted_zone = get("QUIZBOT_TIMEZONE") or "Asia/Shanghai"
        timezone = canonical_zone(wanted_zone)
        if timezone is None:
            raise ConfigError(
                f"QUIZBOT_TIMEZONE: '{wanted_zone}' is not a time zone this host knows "
                "(give an Area/City name such as Asia/Shanghai, or UTC)"
            )
        length = get("QUIZBOT_QUIZ_LENGTH") or "5"
        if not length.isdigit() or not 1 <= int(length) <= 50:
            raise ConfigError(f"QUIZBOT_QUIZ_LENGTH: '{length}' must be a number from 1 to 50")
        level = (get("QUIZBOT_LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            raise ConfigError(
                f"QUIZBOT_LOG_LEVEL: '{level}' must be one of {', '.join(LOG_LEVELS)}"
            )
        log_format = (get("QUIZBOT_LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(f"QUIZBOT_LOG_FORMAT: '{log_format}' must be text or json")
        flood = get("QUIZBOT_FLOOD_LIMIT") or "30"
        if not flood.isdigit() or not 5 <= int(flood) <= 1000:
            raise ConfigError(f"QUIZBOT_FLOOD_LIMIT: '{flood}' must be a number from 5 to 1000")
        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and ":" not in token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token "
                "(it reads like 123456:ABC-DEF...; get one from @BotFather)"
            )
        database_url = get("QUIZBOT_DATABASE_URL")
        if database_url is not None:
            check_database_url(database_url)
        questions = get("QUIZBOT_QUESTIONS_DIR")
        if questions and not Path(questions).is_dir():
            raise ConfigError(f"QUIZBOT_QUESTIONS_DIR: '{questions}' is not a folder")
        return cls(
            token=token,
            data_dir=Path(get("QUIZBOT_DATA_DIR") or "data"),
            questions_dir=Path(questions) if questions else shipped_questions_dir(),
            admins=frozenset(admins),
            base_url=base_url,
            timezone=timezone,
            quiz_length=int(length),
            log_level=level,
            log_format=log_format,
            flood_limit=int(flood),
            database_url=database_url,
        )


def check_database_url(url: str) -> None:
    """Raise a one-line ConfigError unless ``url`` names a PostgreSQL database."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            "QUIZBOT_DATABASE_URL must start with postgresql:// "
            "(e.g. postgresql://quizbot:PASSWORD@db.example.org:5432/quizbot); "
            "leave it unset to keep SQLite in QUIZBOT_DATA_DIR"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it
    except ValueError as exc:
        raise ConfigError(f"QUIZBOT_DATABASE_URL: {exc} (e.g. ...:5432/quizbot)") from None
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise ConfigError(
            "QUIZBOT_DATABASE_URL names no database: end it with /DATABASE "
            "(e.g. postgresql://quizbot@localhost:5432/quizbot)"
        )
