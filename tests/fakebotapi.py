"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests.

The real python-telegram-bot ``Application`` talks to it over a socket. Tests play the
users: they queue updates (a message, a button press, a poll answer, a document) that the
bot fetches with ``getUpdates``, and they read back every request the bot made, like a
transcript. Faults in Telegram's own shape can be queued per method.

With :meth:`FakeBotApi.post_to` it delivers updates as Telegram does to a webhook instead,
by HTTP POST, to several workers in turn (round robin, as a load balancer in front of them
would), trying the next when one does not answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["Call", "FakeBotApi", "TgUser"]

TOKEN = "123456:TEST-token_for-the-fake-api"
BOT_ID = 123456

# Form fields that are plain strings (python-telegram-bot JSON-encodes every other value).
_STRING_FIELDS = {
    "text",
    "caption",
    "question",
    "explanation",
    "callback_query_id",
    "parse_mode",
    "url",
    "secret_token",
    "description",
    "short_description",
    "name",
    "language_code",
    "file_id",
    "emoji",
    "title",
    "inline_message_id",
    "type",
}


@dataclass(frozen=True)
class TgUser:
    """A user the tests play."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "zh-hans"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]


class FakeBotApi:
    """The fake server. ``async with FakeBotApi() as api:`` starts and stops it."""

    def __init__(self, token: str = TOKEN, clock: Callable[[], float] | None = None) -> None:
        self.token = token
        #: When each call happened: wall time, or a test's fake clock.
        self.now = clock or time.time
        self.calls: list[Call] = []
        self.bot: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "QuizBot",
            "username": "quiz_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.polls: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.admins: dict[int, set[int]] = {}
        self.bot_status: dict[int, str] = {}
        self.faults: dict[str, list[dict[str, Any]]] = {}
        #: An outage of every method, getUpdates too (see :meth:`go_down`); None when up.
        self.outage: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._ids = itertools.count(1)
        self.toast_count = 0
        self.update_polls = 0
        self.outage_hits = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._background: set[asyncio.Future[web.Response]] = set()
        self.port = 0
        #: Webhook delivery (see :meth:`post_to`): the workers' URLs and the secret.
        self.webhooks: list[str] = []
        self.webhook_secret = ""
        self._turn = itertools.count()
        self._posting: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None
        #: (update_id, url) of every update a worker accepted, in order.
        self.delivered: list[tuple[int, str]] = []

    # --- server -----------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._download)
        # A client that goes away (the bot stopping its long poll) cancels its handler, so
        # cleanup never waits out a poll.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()
        for posting in list(self._posting):
            posting.cancel()
        if self._http is not None:
            await self._http.close()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await self._params(request)
        call = Call(method, params, self.now(), files)
        if method != "getUpdates":
            self.calls.append(call)
        if method == "answerCallbackQuery":
            self.toast_count += 1
        elif method == "getUpdates":
            self.update_polls += 1
            async with self._changed:  # a test may wait for the bot to start polling
                self._changed.notify_all()
        faults = self.faults.get(method)
        if self.outage is not None:
            fault: dict[str, Any] | None = dict(self.outage)
            self.outage_hits += 1
        elif faults:
            fault = faults.pop(0)
        else:
            fault = None
        if fault:
            if fault.get("hang"):
                # Telegram slow, not down: it acts on the request even if the bot stops
                # waiting (the work is shielded from the bot closing its connection).
                task = asyncio.ensure_future(
                    self._answer_after(fault["hang"], method, params, files)
                )
                self._background.add(task)
                task.add_done_callback(self._background.discard)
                return await asyncio.shield(task)
            if fault.get("drop"):  # close the connection without a word
                assert request.transport is not None
                request.transport.close()
                raise ConnectionResetError("dropped by the fake Bot API")
            async with self._changed:
                self._changed.notify_all()
            if "error_code" in fault:
                return web.json_response({"ok": False, **fault}, status=fault["error_code"])
        return await self._answer(method, params, files)

    async def _answer_after(
        self, seconds: float, method: str, params: dict[str, Any], files: dict[str, Any]
    ) -> web.Response:
        await asyncio.sleep(seconds)
        return await self._answer(method, params, files)

    async def _answer(
        self, method: str, params: dict[str, Any], files: dict[str, Any]
    ) -> web.Response:
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            result: Any = True
        else:
            result = (
                await handler(params, files)
                if asyncio.iscoroutinefunction(handler)
                else handler(params, files)
            )
        async with self._changed:
            self._changed.notify_all()
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            params.update(await request.json())
            return params, files
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read())
                value.file.close()
            elif key in _STRING_FIELDS:
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params, files

    @staticmethod
    def _error(code: int, description: str, **extra: Any) -> web.Response:
        body = {"ok": False, "error_code": code, "description": description, **extra}
        return web.json_response(body, status=code)

    async def _download(self, request: web.Request) -> web.Response:
        content = self.uploads.get(request.match_info["path"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content)

    # --- faults ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        code: int,
        description: str,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with a Telegram error."""
        fault: dict[str, Any] = {"error_code": code, "description": description}
        if retry_after is not None:
            fault["parameters"] = {"retry_after": retry_after}
        self.faults.setdefault(method, []).extend(dict(fault) for _ in range(times))

    def go_down(self, how: str, hang: float = 0.5) -> None:
        """Every request fails until :meth:`come_back`: ``502`` (a bad gateway), ``drop``
        (connections closed without a word) or ``hang`` (answered after ``hang`` seconds
        of real time, having acted: Telegram slow). Updates are held meanwhile, as
        Telegram holds them, and delivered once it is back."""
        self.outage = {
            "502": {"error_code": 502, "description": "Bad Gateway"},
            "drop": {"drop": True},
            "hang": {"hang": hang},
        }[how]

    def come_back(self) -> None:
        self.outage = None

    def drop(self, method: str, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls of ``method`` (a network error)."""
        self.faults.setdefault(method, []).extend({"drop": True} for _ in range(times))

    def hang(self, method: str, seconds: float, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer only after ``seconds``."""
        self.faults.setdefault(method, []).extend({"hang": seconds} for _ in range(times))

    # --- the bot's methods ---------------------------------------------------------

    def _m_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self.bot

    async def _m_getUpdates(self, params: dict[str, Any], files: Any) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            async with self._changed:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates)), timeout
                    )
                except TimeoutError:
                    pass
        return self._updates[:limit]

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"group{chat_id}"}

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")},
            **content,
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _m_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        content: dict[str, Any] = {"text": params["text"]}
        if params.get("reply_markup"):
            content["reply_markup"] = params["reply_markup"]
        return self._new_message(int(params["chat_id"]), **content)

    def _edit(self, params: dict[str, Any], **changes: Any) -> dict[str, Any] | web.Response:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        updated = {**message, **changes}
        if "reply_markup" not in params:
            updated.pop("reply_markup", None)
        if updated == message:
            return self._error(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        updated["edit_date"] = int(time.time())
        self.messages[key] = updated
        return updated

    def _m_editMessageText(self, params: dict[str, Any], files: Any) -> Any:
        changes: dict[str, Any] = {"text": params["text"]}
        if params.get("reply_markup"):
            changes["reply_markup"] = params["reply_markup"]
        return self._edit(params, **changes)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> Any:
        changes = {"reply_markup": params["reply_markup"]} if params.get("reply_markup") else {}
        return self._edit(params, **changes)

    def _m_deleteMessage(self, params: dict[str, Any], files: Any) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if self.messages.pop(key, None) is None:
            return self._error(400, "Bad Request: message to delete not found")
        return True

    def _m_sendPoll(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        poll_id = str(next(self._ids))
        options = params["options"]
        poll = {
            "id": poll_id,
            "question": params["question"],
            "options": [
                {
                    "text": o if isinstance(o, str) else o["text"],
                    "voter_count": 0,
                    "persistent_id": f"{poll_id}-{i}",
                }
                for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": bool(params.get("is_anonymous", True)),
            "type": params.get("type", "regular"),
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            "allows_revoting": False,
            "members_only": False,
        }
        correct = params.get("correct_option_ids")
        if correct is not None:
            poll["correct_option_ids"] = correct
        if params.get("explanation"):
            poll["explanation"] = params["explanation"]
        if params.get("open_period"):
            poll["open_period"] = params["open_period"]
        self.polls[poll_id] = poll
        return self._new_message(int(params["chat_id"]), poll=poll)

    def _m_stopPoll(self, params: dict[str, Any], files: Any) -> Any:
        message = self.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None or "poll" not in message:
            return self._error(400, "Bad Request: message with poll to stop not found")
        message["poll"]["is_closed"] = True
        return message["poll"]

    def _store_file(self, files: dict[str, tuple[str, bytes]], field_name: str) -> dict[str, Any]:
        name, content = files.get(field_name, ("file", b""))
        file_id = f"file{next(self._ids)}"
        self.uploads[file_id] = content
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": name,
            "file_size": len(content),
        }

    def _m_sendDocument(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        document = self._store_file(files, "document")
        return self._new_message(
            int(params["chat_id"]), document=document, caption=params.get("caption", "")
        )

    def _m_sendPhoto(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        photo = self._store_file(files, "photo")
        photo.pop("file_name")
        photo.update(width=800, height=600)
        return self._new_message(
            int(params["chat_id"]), photo=[photo], caption=params.get("caption", "")
        )

    def _m_getFile(self, params: dict[str, Any], files: Any) -> Any:
        file_id = params["file_id"]
        if file_id not in self.uploads:
            return self._error(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(self.uploads[file_id]),
            "file_path": file_id,
        }

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if user_id == self.bot["id"]:
            status = self.bot_status.get(chat_id, "member")
            user = {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")}
        else:
            status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
            user = {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        return member

    def _m_getChatMember(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return self._member(int(params["chat_id"]), int(params["user_id"]))

    def _m_getChatAdministrators(self, params: dict[str, Any], files: Any) -> list[Any]:
        chat_id = int(params["chat_id"])
        return [self._member(chat_id, uid) for uid in sorted(self.admins.get(chat_id, set()))]

    # --- what users do -------------------------------------------------------------

    def push(self, body: dict[str, Any]) -> int:
        """Queue a raw update (or post it to a worker: :meth:`post_to`); its update_id."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **body}
        if self.webhooks:
            task = asyncio.get_running_loop().create_task(self._post(update))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)
            return update_id
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    def post_to(self, urls: list[str], secret: str) -> None:
        """Deliver updates by webhook: each POSTed to the next of ``urls`` in turn, with the
        secret header; a worker that does not answer 200 is skipped for the next one."""
        self.webhooks = list(urls)
        self.webhook_secret = secret

    async def _post(self, update: dict[str, Any], tries: int = 100) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        start = next(self._turn)
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
        for attempt in range(tries):  # bounded: about 25 s of a worker-less outage at most
            url = self.webhooks[(start + attempt) % len(self.webhooks)]
            try:
                timeout = aiohttp.ClientTimeout(total=5)
                async with self._http.post(
                    url, json=update, headers=headers, timeout=timeout
                ) as answer:
                    if answer.status == 200:
                        self.delivered.append((update["update_id"], url))
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass  # that worker is gone: the next one
            if attempt % len(self.webhooks) == len(self.webhooks) - 1:
                await asyncio.sleep(0.25)  # every worker refused it: wait a little
        raise AssertionError(f"no worker took update {update['update_id']}")

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def send_text(
        self, user: TgUser, text: str, chat_id: int | None = None, queue: bool = True
    ) -> dict[str, Any]:
        """``user`` sends ``text`` (a command too) in a private chat or a group.

        With ``queue=False`` the update is returned instead of queued for getUpdates, for a
        test that hands it to ``Application.process_update`` and awaits its handling.
        """
        chat_id = user.id if chat_id is None else chat_id
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        message: dict[str, Any] = {
            "message_id": next(counter),
            "date": int(self.now()),
            "chat": self._chat(chat_id),
            "from": user.to_dict(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if not queue:
            return {"update_id": next(self._update_ids), "message": message}
        self.push({"message": message})
        return message

    def send_document(
        self,
        user: TgUser,
        filename: str,
        content: bytes,
        chat_id: int | None = None,
        caption: str | None = None,
    ) -> str:
        """``user`` sends a file; returns its file_id."""
        chat_id = user.id if chat_id is None else chat_id
        file_id = f"upload{next(self._ids)}"
        self.uploads[file_id] = content
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        message: dict[str, Any] = {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": user.to_dict(),
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": filename,
                "file_size": len(content),
            },
        }
        if caption:
            message["caption"] = caption
        self.push({"message": message})
        return file_id

    def press(
        self, user: TgUser, chat_id: int, message_id: int, data: str, old: bool = False
    ) -> str:
        """``user`` presses the button with callback ``data`` under a bot message.

        ``old``: the message is older than 48 hours, so Telegram sends only its chat and id
        (an InaccessibleMessage: date 0, no text).
        """
        query_id = f"cq{next(self._ids)}"
        message = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
        }
        if old:
            message = {"message_id": message_id, "date": 0, "chat": self._chat(chat_id)}
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                    "message": message,
                }
            }
        )
        return query_id

    def answer_poll(self, user: TgUser, poll_id: str, option_ids: list[int]) -> None:
        """``user`` votes in a (non-anonymous) poll the bot sent."""
        self.push(
            {
                "poll_answer": {
                    "poll_id": poll_id,
                    "user": user.to_dict(),
                    "option_ids": option_ids,
                    "option_persistent_ids": [f"{poll_id}-{i}" for i in option_ids],
                }
            }
        )

    # --- reading the transcript ------------------------------------------------------

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        """The calls of ``method`` (to ``chat_id``), oldest first."""
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def toasts(self, query_id: str | None = None) -> list[str]:
        """Texts of answerCallbackQuery calls (for one query, or all)."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls
            if c.method == "answerCallbackQuery"
            and (query_id is None or c.params.get("callback_query_id") == query_id)
        ]

    async def wait_for(
        self, predicate: Callable[[FakeBotApi], bool], timeout: float = 10.0
    ) -> None:
        """Wait until ``predicate(self)`` holds, woken by each request (no polling sleeps)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), timeout)

    async def wait_calls(
        self, method: str, count: int, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[Call]:
        """Wait until the bot made ``count`` calls of ``method`` (to ``chat_id``)."""
        await self.wait_for(lambda api: len(api.sent(chat_id, method)) >= count, timeout)
        return self.sent(chat_id, method)
