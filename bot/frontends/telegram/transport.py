"""python-telegram-bot's requests over aiohttp instead of httpx.

Measured on this project's 2-core machine (bench/contest_bench.py and a loopback probe),
an aiohttp request costs about an eighth of the CPU of an httpx one. In a contest every
button press needs its own answerCallbackQuery, so this is what lets one process keep up
with a thousand presses a second. Errors map to python-telegram-bot's own: TimedOut for
timeouts, NetworkError for the rest, and the bot token never appears in their messages.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logs import redact

__all__ = ["AiohttpRequest"]


class AiohttpRequest(BaseRequest):
    """A BaseRequest on one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
        media_write_timeout: float | None = 20.0,
        on_contact: Callable[[], None] | None = None,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        #: Called after each answer from Telegram (the heartbeat, the link's state),
        self._on_contact = on_contact
        #: and after each request Telegram did not answer (down, or a 5xx).
        self._on_failure = on_failure

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        default_write = self._media_write if files else self._write
        write = default_write if isinstance(write_timeout, DefaultValue) else write_timeout
        # aiohttp has no write timeout of its own: the whole request may take connect,
        # write and read together, and waiting for a pooled connection counts as connect.
        total = (
            None
            if read is None or write is None or connect is None
            else read + write + connect + (pool or 0)
        )
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=(connect or 0) + (pool or 0) or None,
            sock_connect=connect,
            sock_read=read,
        )
        data: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as response:
                body = await response.read()
        except aiohttp.ConnectionTimeoutError as exc:
            # Never connected, so nothing was sent: a NetworkError, safe to send again.
            self._failed()
            raise NetworkError(redact(f"aiohttp could not connect in time: {exc}")) from None
        except TimeoutError as exc:
            # Sent, but no answer in time: Telegram may have acted on it (TimedOut).
            self._failed()
            raise TimedOut(redact(f"aiohttp timed out: {exc}")) from None
        except aiohttp.ClientError as exc:
            self._failed()
            raise NetworkError(redact(f"aiohttp.{exc.__class__.__name__}: {exc}")) from None
        if response.status >= 500:
            self._failed()
        elif self._on_contact is not None:
            self._on_contact()
        return response.status, body

    def _failed(self) -> None:
        if self._on_failure is not None:
            self._on_failure()
