"""A local emulator of the Telegram Bot API for tests: a real HTTP server on 127.0.0.1.

Serves /bot<token>/<method> with JSON or form bodies (python-telegram-bot posts form fields whose
values are JSON-encoded), records every call, validates what Telegram validates (HTML entities,
the 4096-character limit, callback_data size), enforces the flood limits (1 message per second per
chat, 30 per second overall) by answering 429, and can inject 429, 403 "blocked" and 5xx answers.
With `strict`, a 429 also refuses every further send until its retry_after has passed, as a server
that punishes bots which keep sending would. `clock` (seconds) may run faster than real time.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support import EmulatorServer
from tests.telegram.media import MAX_CAPTION, Photos, parse_multipart
from tests.telegram.text_rules import check_markup, html_text, utf16_len

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz"
BOT_ID = 123456
BOT_USERNAME = "nudge_test_bot"
JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "link_preview_options", "entities"}


@dataclass
class Call:
    """One request the emulator received."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    result: Any = None
    note: str = ""  # why the emulator refused it, for flood-limit diagnostics


@dataclass
class Failure:
    """An injected error for the next `count` calls of `method` (optionally only to `chat_id`)."""

    method: str
    status: int
    description: str
    count: int
    retry_after: int | None = None
    chat_id: str | None = None
    after: int = 0  # let this many matching calls through first


@dataclass
class Message:
    """A message the bot sent, as the chat shows it now."""

    chat_id: str
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    edits: int = 0
    history: list[str] = field(default_factory=list)
    photo: dict[str, Any] | None = None  # a photo message: `text` is its caption


CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}



class TelegramEmulator(Photos):
    """The Bot API on 127.0.0.1:<random port>; `api_url` is what TELEGRAM_API_URL should be."""

    def __init__(self, token: str = TOKEN, *, per_chat_interval: float = 1.0, global_rate: int = 30,
                 strict: bool = False, clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token
        self.strict = strict
        self.clock = clock
        self._penalty_until = 0.0
        self.per_chat_interval = per_chat_interval
        self.global_rate = global_rate
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.blocked: set[str] = set()
        self.messages: dict[tuple[str, int], Message] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.webhook: dict[str, Any] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.connections = 0  # TCP connections accepted so far
        self.in_flight = 0  # requests being served now, and the most at once
        self.most_in_flight = 0
        self._counting = threading.Lock()  # not `lock`, which a request holds while it is answered
        self.chat_actions: list[tuple[str, str]] = []  # (chat_id, action) in the order received
        self.reply_keyboards: dict[str, dict[str, Any]] = {}  # the reply keyboard each chat shows now
        self.updates: list[dict[str, Any]] = []
        self.rate_violations: list[Call] = []
        self.photos: dict[str, dict[str, Any]] = {}  # by file_id: the bytes uploaded or the URL given
        self._file_ids = itertools.count(1)
        self.broken_urls: set[str] = set()
        self._next_message_id = itertools.count(100)
        self._next_update_id = itertools.count(900_000)
        self._chat_last: dict[str, float] = {}
        self._global: deque[float] = deque()
        self._updates_ready = threading.Condition(self.lock)
        self.server = EmulatorServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.api_url = f"http://127.0.0.1:{self.port}/bot"
        self._thread = threading.Thread(target=self.server.serve_forever, name="telegram-emulator", daemon=True)

    # --- lifecycle ---

    def start(self) -> TelegramEmulator:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        with self.lock:
            self._updates_ready.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # --- test controls ---

    def fail(self, method: str, status: int, count: int = 1, *, retry_after: int | None = None,
             description: str = "", chat_id: str | int | None = None, after: int = 0) -> None:
        """Answer `count` calls of `method` (after letting `after` through) with an error."""
        default = {429: "Too Many Requests: retry after {}", 403: "Forbidden: bot was blocked by the user",
                   500: "Internal Server Error", 502: "Bad Gateway"}.get(status, "Error")
        with self.lock:
            self.failures.append(Failure(method, status, description or default.format(retry_after), count,
                                         retry_after, None if chat_id is None else str(chat_id), after))

    def block(self, chat_id: str | int) -> None:
        """Make the user `chat_id` block the bot: every send to them gets 403."""
        with self.lock:
            self.blocked.add(str(chat_id))

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        with self.lock:
            self.updates.append(update)
            self._updates_ready.notify_all()

    def new_update_id(self) -> int:
        """Return a fresh update_id."""
        return next(self._next_update_id)

    def calls_of(self, method: str, status: int | None = 200) -> list[Call]:
        """Return recorded calls of `method` (by default only the successful ones)."""
        with self.lock:
            return [c for c in self.calls if c.method == method and (status is None or c.status == status)]

    def sent_to(self, chat_id: str | int) -> list[Message]:
        """Return the messages now shown in chat `chat_id`, oldest first."""
        with self.lock:
            return sorted((m for m in self.messages.values() if m.chat_id == str(chat_id)),
                          key=lambda m: m.message_id)

    # --- the server ---

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes: with Nagle's algorithm the body waits for
            # the client's delayed ACK of the headers, 40 ms on every call.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve(b"", "")

            def setup(self) -> None:
                super().setup()
                with emulator._counting:
                    emulator.connections += 1

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                with emulator._counting:
                    emulator.in_flight += 1
                    emulator.most_in_flight = max(emulator.most_in_flight, emulator.in_flight)
                try:
                    self._serve(self.rfile.read(length), self.headers.get("Content-Type", ""))
                finally:
                    with emulator._counting:
                        emulator.in_flight -= 1

            def _serve(self, body: bytes, content_type: str) -> None:
                url = urlsplit(self.path)
                params: dict[str, Any] = dict(parse_qsl(url.query))
                if body and "json" in content_type:
                    params.update(json.loads(body))
                elif body and content_type.startswith("multipart/form-data"):
                    params.update(parse_multipart(body, content_type, JSON_FIELDS))
                elif body:
                    for k, v in parse_qsl(body.decode(), keep_blank_values=True):
                        params[k] = json.loads(v) if k in JSON_FIELDS else v
                prefix, _, method = url.path.rpartition("/")
                status, payload = emulator.dispatch(prefix, method, params)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def dispatch(self, prefix: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API call."""
        if prefix != f"/bot{self.token}":
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if method == "getUpdates":
            return self._get_updates(params)  # long polls must not hold the lock
        with self.lock:
            call = Call(method, params, self.clock())
            self.calls.append(call)
            status, payload = self._answer(call)
            call.status = status
            call.result = payload.get("result")
            return status, payload

    def webhook_answered(self, response: dict[str, Any]) -> None:
        """Perform the method a webhook's JSON response names, as Telegram does with such a response."""
        method = response.get("method")
        if isinstance(method, str):
            self.dispatch(f"/bot{self.token}", method, {k: v for k, v in response.items() if k != "method"})

    def _error(self, status: int, description: str, retry_after: int | None = None) -> tuple[int, dict[str, Any]]:
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            payload["parameters"] = {"retry_after": retry_after}
        return status, payload

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        p = call.params
        chat = str(p.get("chat_id", ""))
        for f in self.failures:
            if f.count > 0 and f.method == call.method and (f.chat_id is None or f.chat_id == chat):
                if f.after > 0:
                    f.after -= 1
                    break
                f.count -= 1
                return self._error(f.status, f.description, f.retry_after)
        handler = getattr(self, f"_m_{call.method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        if call.method in ("sendMessage", "sendPhoto", "editMessageText") and chat in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if call.method in ("sendMessage", "sendPhoto", "editMessageText"):
            limited = self._flood_check(call, chat)
            if limited is not None:
                return limited
        result: Any = handler(p)
        if isinstance(result, tuple):
            return result
        return 200, {"ok": True, "result": result}

    def _flood_check(self, call: Call, chat: str) -> tuple[int, dict[str, Any]] | None:
        now = call.at
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        if now < self._penalty_until:
            call.note = "sent while a retry_after was running"
            self.rate_violations.append(call)
            return self._error(429, "Too Many Requests: retry after 1", 1)
        if len(self._global) >= self.global_rate:
            call.note = f"global: {len(self._global)} sends in the last second"
            self.rate_violations.append(call)
            return self._refuse()
        if call.method in ("sendMessage", "sendPhoto"):
            last = self._chat_last.get(chat)
            if last is not None and now - last < self.per_chat_interval:
                call.note = f"chat {chat}: {now - last:.3f}s after the previous message"
                self.rate_violations.append(call)
                return self._refuse()
            self._chat_last[chat] = now
        self._global.append(now)
        return None

    def _refuse(self) -> tuple[int, dict[str, Any]]:
        if self.strict:
            self._penalty_until = max(self._penalty_until, self.clock() + 1.0)
        return self._error(429, "Too Many Requests: retry after 1", 1)

    def _check_text(self, p: dict[str, Any], *, caption: bool = False) -> tuple[int, dict[str, Any]] | None:
        text = str(p.get("caption" if caption else "text", ""))
        visible = text
        if p.get("parse_mode") == "HTML":
            visible, errors = html_text(text)
            if errors:
                return self._error(400, f"Bad Request: can't parse entities: {errors[0]}")
        if not caption and not visible.strip():
            return self._error(400, "Bad Request: message text is empty")
        if caption and utf16_len(visible) > MAX_CAPTION:
            return self._error(400, "Bad Request: message caption is too long")
        if utf16_len(visible) > 4096:
            return self._error(400, "Bad Request: message is too long")
        markup = p.get("reply_markup") or {}
        bad_markup = check_markup(markup)
        if bad_markup:
            return self._error(400, f"Bad Request: {bad_markup}")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not 1 <= len(data.encode()) <= 64:
                    return self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        return None

    def _message_json(self, m: Message) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": m.message_id, "date": int(time.time()),
            "chat": {"id": int(m.chat_id), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Nudge", "username": BOT_USERNAME},
            **({"text": m.text} if m.photo is None else {"caption": m.text, "photo": [
                {"file_id": m.photo["file_id"], "file_unique_id": m.photo["file_id"][-8:],
                 "width": m.photo["width"], "height": m.photo["height"]}]}),
        }
        if m.reply_markup and m.reply_markup.get("inline_keyboard"):
            out["reply_markup"] = m.reply_markup
        return out

    # --- methods ---

    def _m_getMe(self, p: dict[str, Any]) -> Any:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Nudge", "username": BOT_USERNAME,
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        bad = self._check_text(p)
        if bad is not None:
            return bad
        m = Message(str(p["chat_id"]), next(self._next_message_id), str(p["text"]), p.get("parse_mode"),
                    p.get("reply_markup"))
        self.messages[(m.chat_id, m.message_id)] = m
        markup = p.get("reply_markup") or {}
        if "keyboard" in markup:
            self.reply_keyboards[m.chat_id] = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboards.pop(m.chat_id, None)
        return self._message_json(m)

    def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        bad = self._check_text(p, caption=True)
        if bad is not None:
            return bad
        photo = self._photo_of(p)
        if isinstance(photo, tuple):
            return photo
        m = Message(str(p["chat_id"]), next(self._next_message_id), str(p.get("caption", "")), p.get("parse_mode"),
                    p.get("reply_markup"), photo=photo)
        self.messages[(m.chat_id, m.message_id)] = m
        return self._message_json(m)

    def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        m = self.messages.get((str(p.get("chat_id")), int(p.get("message_id", 0))))
        if m is None:
            return self._error(400, "Bad Request: message to edit not found")
        if m.photo is not None:
            return self._error(400, "Bad Request: there is no text in the message to edit")
        bad = self._check_text(p)
        if bad is not None:
            return bad
        markup = p.get("reply_markup")
        if markup and "inline_keyboard" not in markup:
            return self._error(400, "Bad Request: only inline keyboards can be edited into a message")
        if m.text == p["text"] and m.reply_markup == markup:
            return self._error(400, "Bad Request: message is not modified")
        m.history.append(m.text)
        m.text, m.parse_mode, m.reply_markup = str(p["text"]), p.get("parse_mode"), markup
        m.edits += 1
        return self._message_json(m)

    def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        m = self.messages.get((str(p.get("chat_id")), int(p.get("message_id", 0))))
        if m is None:
            return self._error(400, "Bad Request: message to edit not found")
        m.reply_markup = p.get("reply_markup")
        m.edits += 1
        return self._message_json(m)

    def _m_sendChatAction(self, p: dict[str, Any]) -> Any:
        chat = str(p.get("chat_id", ""))
        if chat in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if p.get("action") not in CHAT_ACTIONS:
            return self._error(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append((chat, str(p["action"])))
        return True

    def _m_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        self.callback_answers.append(dict(p))
        return True

    def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        if not str(p.get("url", "")).startswith(("https://", "http://127.0.0.1")):
            return self._error(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = dict(p)
        return True

    def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = {}
        if str(p.get("drop_pending_updates", "")).lower() == "true":
            self.updates.clear()
        return True

    def _m_setMyDescription(self, p: dict[str, Any]) -> Any:
        if len(str(p.get("description", ""))) > 512:
            return self._error(400, "Bad Request: description is too long")
        self.descriptions[str(p.get("language_code", ""))] = str(p.get("description", ""))
        return True

    def _m_setMyShortDescription(self, p: dict[str, Any]) -> Any:
        if len(str(p.get("short_description", ""))) > 120:
            return self._error(400, "Bad Request: short description is too long")
        self.short_descriptions[str(p.get("language_code", ""))] = str(p.get("short_description", ""))
        return True

    def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        self.commands[str(p.get("language_code", ""))] = list(p["commands"])
        return True

    def _get_updates(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        timeout = min(float(p.get("timeout") or 0), 5.0)
        with self.lock:
            call = Call("getUpdates", p, time.monotonic())
            self.calls.append(call)
            if self.webhook:
                call.status = 409
                return self._error(409, "Conflict: can't use getUpdates method while webhook is active; "
                                        "use deleteWebhook to delete the webhook first")
            # Telegram forgets updates below the offset once it has been confirmed.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout > 0:
                self._updates_ready.wait(timeout)
            result = [u for u in self.updates if u["update_id"] >= offset][: int(p.get("limit") or 100)]
            call.result = result
            return 200, {"ok": True, "result": result}


if __name__ == "__main__":  # python -m tests.telegram.emulator: a Bot API to point `nudgebot run` at
    emu = TelegramEmulator().start()
    print(f"TELEGRAM_BOT_TOKEN={emu.token}\nTELEGRAM_API_URL={emu.api_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emu.stop()
