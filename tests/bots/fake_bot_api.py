"""A local fake Telegram Bot API: records every call and serves queued updates via getUpdates.

The real python-telegram-bot talks to it over HTTP (base_url setting), so the tests exercise the
library's own request building, polling and parsing, not a mock of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "123456:TEST-token_for-the-fake"
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Tampere", "username": "tampere_test_bot"}

Call = tuple[str, dict[str, str]]


async def serve(app: Any) -> tuple[uvicorn.Server, asyncio.Task, int]:
    """Run an ASGI app on a free loopback port in this event loop; returns (server, task, port)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return server, task, server.servers[0].sockets[0].getsockname()[1]


class FakeBotAPI:
    """The Bot API methods the bot uses, in memory; start() serves them on a loopback port."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.reject_html = False  # answer sendMessage with parse_mode=HTML by "can't parse"
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None
        self.port = 0

    # --- server ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["POST"])])
        self._server, self._task, self.port = await serve(app)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        method = request.path_params["method"]
        body = (await request.body()).decode()
        params = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        self.calls.append((method, params))
        if method == "getUpdates":
            return JSONResponse({"ok": True, "result": await self._get_updates(params)})
        if method == "getMe":
            return JSONResponse({"ok": True, "result": BOT_USER})
        if method == "sendMessage":
            if self.reject_html and params.get("parse_mode") == "HTML":
                return JSONResponse(
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: can't parse entities: unsupported start tag",
                    },
                    status_code=400,
                )
            return JSONResponse({"ok": True, "result": self._message(params)})
        return JSONResponse({"ok": True, "result": True})

    async def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new_update.clear()
            wait = min(float(params.get("timeout") or 0), 0.2)
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), wait)
        return list(self.updates)

    def _message(self, params: dict[str, str]) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

    # --- updates the tests send ------------------------------------------------------------

    def push(self, **update: Any) -> dict[str, Any]:
        """Queue one update (e.g. message=..., callback_query=...) for the next getUpdates."""
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self._new_update.set()
        return update

    @staticmethod
    def user(user_id: int = 7, language_code: str | None = "en", name: str = "Ann") -> dict:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
        if language_code:
            user["language_code"] = language_code
        return user

    def message(
        self,
        text: str | None = None,
        *,
        chat_id: int = 7,
        user_id: int | None = None,
        language_code: str | None = "en",
        chat_type: str = "private",
        edited: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """Queue a message (a /command gets its bot_command entity) and return the update."""
        user_id = chat_id if user_id is None else user_id
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, **({"title": "G"} if chat_id < 0 else {})},
            "from": self.user(user_id, language_code),
            **extra,
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg.setdefault("entities", []).append(
                    {"type": "bot_command", "offset": 0, "length": len(command)}
                )
        if edited:
            msg["edit_date"] = int(time.time())
            return self.push(edited_message=msg)
        return self.push(message=msg)

    def press(
        self, data: str, *, chat_id: int = 7, language_code: str | None = "en"
    ) -> dict[str, Any]:
        """Queue an inline-button press on a bot message in `chat_id`."""
        return self.push(
            callback_query={
                "id": f"cb{next(self._message_ids)}",
                "from": self.user(chat_id, language_code),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "from": BOT_USER,
                    "text": "answer",
                },
            }
        )

    # --- what the bot did ------------------------------------------------------------------

    def called(self, method: str) -> list[dict[str, str]]:
        return [params for name, params in self.calls if name == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, str]]:
        """sendMessage calls (to one chat)."""
        return [
            p for p in self.called("sendMessage") if chat_id is None or int(p["chat_id"]) == chat_id
        ]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition"
    ) -> Any:
        """Wait until predicate() is truthy; the timeout only guards against a hang."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (result := predicate()):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {self.calls[-10:]}")
            await asyncio.sleep(0.02)
        return result

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 60.0) -> list[dict]:
        """Wait for at least `count` messages to `chat_id`; returns them."""
        return await self.wait_for(
            lambda: (m := self.sent(chat_id)) and len(m) >= count and m,
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )
