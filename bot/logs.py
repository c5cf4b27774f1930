"""Logging set up once: a level, text or JSON lines, and no secret ever written.

Every record passes through one redaction, made at record creation (a record factory), so
it holds for every logger, every level and every handler: python-telegram-bot's own debug
lines ("Set Bot API URL: …/bot<token>", the parameters of ``setWebhook`` with its
``secret_token``) and exception texts included. Masked are the secrets given to
:func:`protect` (the bot token, the webhook secret), anything shaped like a bot token, and
the value of any ``secret_token`` field or secret-token header.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable

__all__ = ["JsonFormatter", "protect", "redact", "setup_logging"]

_TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b")
#: A secret token's value after its name, in a dict, JSON, a query or a header line.
_SECRET_FIELD = re.compile(
    r"((?:secret_token|X-Telegram-Bot-Api-Secret-Token)['\"]?\s*[:=]\s*['\"]?)[A-Za-z0-9_-]+",
    re.IGNORECASE,
)
#: Secrets shorter than this are masked by their field only: a literal replacement of a
#: two-letter secret would mangle every line.
_MIN_LITERAL = 4
#: Each secret to mask, and what stands in its place.
_secrets: dict[str, str] = {}
_installed = False


def redact(text: str) -> str:
    """``text`` with secrets masked: the known ones, token shapes, secret-token fields."""
    text = _TOKEN_SHAPE.sub("<token>", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, _secrets[secret])
    return _SECRET_FIELD.sub(r"\1<secret>", text)


def protect(secrets: Iterable[str | None], label: str = "<token>") -> None:
    """Mask these secrets in every log record from now on, each shown as ``label``."""
    global _installed
    _secrets.update((s, label) for s in secrets if s and len(s) >= _MIN_LITERAL)
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and chat/user ids if given."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("chat_id", "user_id", "update_id"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["error"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(level: str = "INFO", form: str = "text") -> None:
    """Configure the root logger once; quieten the HTTP libraries."""
    handler = logging.StreamHandler(sys.stderr)
    if form == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
