"""A local emulator of the Slack Web API methods nudgebot calls, on 127.0.0.1, recording every call.

It answers like Slack: HTTP 200 with {"ok": true, ...} or {"ok": false, "error": ...}, HTTP 429 with a
Retry-After header when told to rate limit, and 5xx when told to fail. It also accepts response_url
posts (slash command replies) at /respond/<id>.

With `workspace_rate` and `per_channel_interval` it enforces chat.postMessage's limits itself: at
most `workspace_rate` posts in any second across the workspace (a ceiling Slack does not publish),
and one post per `per_channel_interval` in a conversation. Going over the ceiling draws a 429 whose
Retry-After holds every further post of the workspace until it has passed. `clock` (seconds) may
run faster than real time.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.slack.files import FileUploads
from tests.support import EmulatorServer

TOKEN = "xoxb-test-token"


@dataclass
class Call:
    """One request the emulator received."""

    method: str
    args: dict[str, Any]
    status: int
    error: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """An injected failure for the next `count` calls of a method ("*" for any)."""

    method: str
    count: int
    status: int = 429
    retry_after: int = 1
    error: str = ""


class SlackEmulator(FileUploads):
    """Slack Web API emulator: state, fault injection and a call log."""

    def __init__(self, *, workspace_rate: float | None = None, per_channel_interval: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.workspace_rate = workspace_rate
        self.per_channel_interval = per_channel_interval
        self.clock = clock
        self._recent: deque[float] = deque()  # accepted posts in the last second
        self._channel_last: dict[str, float] = {}
        self._held_until = 0.0
        self.limited: list[Call] = []  # posts the enforced limits refused
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.connections = 0  # TCP connections accepted so far
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.dms: dict[str, str] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.responses: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.gone: dict[str, str] = {}  # user id -> error for conversations.open / chat.postMessage
        self.revoked = False  # the app was uninstalled: every call answers invalid_auth
        self.slow: dict[str, float] = {}  # method -> seconds to wait before answering (a slow Slack)
        self._ts = itertools.count(1)
        self.uploads: dict[str, dict[str, Any]] = {}  # files upload v2, by file id
        self._file_ids = itertools.count(1)
        self.broken_images: set[str] = set()  # image URLs Slack cannot download (invalid_blocks)
        self.server = EmulatorServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle and test helpers ---

    @property
    def api_url(self) -> str:
        """Return the base URL to give slack_sdk (SLACK_API_URL)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        """Return a response_url for a slash command body."""
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    def start(self) -> SlackEmulator:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def add_user(self, user_id: str, *, email: str = "", tz: str | None = "Europe/Berlin", locale: str = "en-US",
                 deleted: bool = False, name: str = "", is_bot: bool = False) -> dict[str, Any]:
        """Add a workspace member."""
        user = {"id": user_id, "team_id": "T0001", "name": name or user_id.lower(), "real_name": name or user_id,
                "deleted": deleted, "is_bot": is_bot, "tz": tz, "tz_label": tz or "", "locale": locale,
                "profile": {"email": email, "real_name": name or user_id, "display_name": name or user_id}}
        with self.lock:
            self.users[user_id] = user
        return user

    def add_usergroup(self, group_id: str, handle: str, users: list[str], name: str = "") -> None:
        """Add a user group (usergroups.list, usergroups.users.list)."""
        with self.lock:
            self.usergroups[group_id] = {"id": group_id, "team_id": "T0001", "handle": handle,
                                         "name": name or handle, "users": list(users)}

    def inject(self, method: str, count: int, status: int = 429, retry_after: int = 1, error: str = "") -> None:
        """Fail the next `count` calls to `method` with `status` (429 carries Retry-After)."""
        with self.lock:
            self.faults.append(Fault(method, count, status, retry_after, error))

    def calls_to(self, method: str, ok: bool | None = None) -> list[Call]:
        """Return the recorded calls of a method, optionally only the successful or failed ones."""
        with self.lock:
            return [c for c in self.calls if c.method == method
                    and (ok is None or (c.status == 200 and not c.error) == ok)]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Return the messages posted (and possibly updated), oldest first."""
        with self.lock:
            items = copy.deepcopy(sorted(self.messages.values(), key=lambda m: float(m["ts"])))
        return [m for m in items if channel is None or m["channel"] == channel]

    def dm_of(self, user_id: str) -> str:
        """Return the DM channel id the emulator gives a user."""
        return "D" + user_id

    # --- request handling ---

    def _fault_for(self, method: str) -> Fault | None:
        for f in self.faults:
            if f.count > 0 and f.method in (method, "*"):
                f.count -= 1
                return f
        return None

    def handle(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one Web API call: (status, body, headers)."""
        with self.lock:
            fault = self._fault_for(method)
            if fault is not None:
                if fault.status == 429:
                    self.calls.append(Call(method, args, 429, "ratelimited", at=self.clock()))
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
                if fault.status >= 500:
                    self.calls.append(Call(method, args, fault.status, "server_error", at=self.clock()))
                    return fault.status, {}, {}
                self.calls.append(Call(method, args, 200, fault.error, at=self.clock()))
                return 200, {"ok": False, "error": fault.error}, {}
            if auth != f"Bearer {TOKEN}" or self.revoked:
                self.calls.append(Call(method, args, 200, "invalid_auth", at=self.clock()))
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            if method == "chat.postMessage":
                limited = self._limit(args)
                if limited is not None:
                    return limited
            fn = getattr(self, "m_" + method.replace(".", "_"), None)
            body = fn(args) if fn is not None else {"ok": False, "error": "unknown_method"}
            self.calls.append(Call(method, args, 200, "" if body.get("ok") else str(body.get("error")),
                                   at=self.clock()))
            return 200, body, {}

    def _limit(self, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """Refuse a post over the enforced limits with 429 and a Retry-After (None: it may go)."""
        now = self.clock()
        channel = str(args.get("channel", ""))
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        retry = 0.0
        if now < self._held_until:
            retry = self._held_until - now
        elif self.workspace_rate is not None and len(self._recent) >= self.workspace_rate:
            self._held_until = now + 1.0
            retry = 1.0
        elif self.per_channel_interval is not None and now - self._channel_last.get(channel, -1e9) < (
                self.per_channel_interval):
            retry = self.per_channel_interval - (now - self._channel_last[channel])
        if retry > 0:
            call = Call("chat.postMessage", args, 429, "ratelimited", at=now)
            self.calls.append(call)
            self.limited.append(call)
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, round(retry + 0.49)))}
        self._recent.append(now)
        self._channel_last[channel] = now
        return None

    def m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://example.slack.com/", "team": "Example", "user": "nudgebot",
                "team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}

    def m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("users", ""))
        if user in self.gone:
            return {"ok": False, "error": self.gone[user]}
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        if self.users[user]["deleted"]:
            return {"ok": False, "error": "user_disabled"}
        if self.users[user]["is_bot"]:
            return {"ok": False, "error": "cannot_dm_bot"}
        self.dms[user] = self.dm_of(user)
        return {"ok": True, "channel": {"id": self.dms[user]}}

    def _check_blocks(self, args: dict[str, Any]) -> str:
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not blocks and not args.get("text"):
            return "no_text"
        blocks = blocks or []
        if len(blocks) > 50:
            return "invalid_blocks"
        for b in blocks:
            text = (b.get("text") or {}).get("text", "")
            if b["type"] == "section" and not 0 < len(text) <= 3000:
                return "invalid_blocks"
            if b["type"] == "header" and len(text) > 150:
                return "invalid_blocks"
            if b["type"] == "image" and b.get("image_url") in self.broken_images:
                return "invalid_blocks"  # Slack: "downloading image failed"
            if b["type"] == "image" and not (
                    str(b.get("image_url", "")).startswith(("https://", "http://"))
                    and len(b["image_url"]) <= 3000 and 0 < len(b.get("alt_text", "")) <= 2000):
                return "invalid_blocks"
            if b["type"] == "actions":
                ids = [e["action_id"] for e in b["elements"]]
                if len(ids) != len(set(ids)) or len(ids) > 25:
                    return "invalid_blocks"
                if any(len((e.get("text") or {}).get("text", "")) > 75 or len(e.get("value", "")) > 2000
                       for e in b["elements"]):
                    return "invalid_blocks"
        return ""

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel not in self.dms.values():
            return {"ok": False, "error": "channel_not_found"}
        user = next(u for u, d in self.dms.items() if d == channel)
        if user in self.gone:
            return {"ok": False, "error": self.gone[user]}
        bad = self._check_blocks(args)
        if bad:
            return {"ok": False, "error": bad}
        ts = f"{1712345000 + next(self._ts)}.000100"
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        msg = {"channel": channel, "ts": ts, "text": args.get("text", ""), "blocks": args.get("blocks") or [],
               "edits": 0, "metadata": metadata}
        self.messages[(channel, ts)] = msg
        return {"ok": True, "channel": channel, "ts": ts, "message": dict(msg)}

    def m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        # Newest first, in pages; metadata only with include_all_metadata, as Slack does.
        channel = str(args.get("channel", ""))
        if channel not in self.dms.values():
            return {"ok": False, "error": "channel_not_found"}
        limit = max(1, min(int(args.get("limit") or 100), 999))
        start = int(str(args.get("cursor") or "0") or 0)
        found = sorted((m for m in self.messages.values() if m["channel"] == channel),
                       key=lambda m: float(m["ts"]), reverse=True)
        page = found[start : start + limit]
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        out = [{"type": "message", "ts": m["ts"], "text": m["text"],
                **({"metadata": m["metadata"]} if with_meta and m.get("metadata") else {})} for m in page]
        more = start + limit < len(found)
        return {"ok": True, "messages": out, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        bad = self._check_blocks(args)
        if bad:
            return {"ok": False, "error": bad}
        msg = self.messages[key]
        msg.update(text=args.get("text", ""), blocks=args.get("blocks") or [], edits=msg["edits"] + 1)
        return {"ok": True, "channel": key[0], "ts": key[1], "text": msg["text"]}

    def m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self.ephemeral.append(dict(args))
        return {"ok": True, "message_ts": f"{time.time():.6f}"}

    def m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        out = dict(user)
        if str(args.get("include_locale", "")).lower() not in ("true", "1"):
            out.pop("locale", None)
        return {"ok": True, "user": out}

    def m_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        for u in self.users.values():
            if u["profile"]["email"].lower() == email and not u["deleted"]:
                out = dict(u)
                out.pop("locale", None)
                return {"ok": True, "user": out}
        return {"ok": False, "error": "users_not_found"}

    def m_usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        with_users = str(args.get("include_users", "")).lower() in ("true", "1")
        groups = [{k: v for k, v in g.items() if with_users or k != "users"} for g in self.usergroups.values()]
        return {"ok": True, "usergroups": groups}

    def m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(args.get("usergroup", "")))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group["users"])}

    def _check_view(self, view: Any) -> str:
        """Return Slack's error for a Home view it would refuse (type, block count, interactive elements)."""
        if not isinstance(view, dict) or view.get("type") != "home":
            return "invalid_arguments"
        blocks = view.get("blocks") or []
        if len(blocks) > 100 or self._check_blocks({"blocks": blocks}):
            return "invalid_arguments"
        ids = [e.get("action_id") for b in blocks if b["type"] == "actions" for e in b["elements"]]
        if len(ids) != len(set(ids)):
            return "invalid_arguments"
        for b in blocks:
            for e in b.get("elements", []) if b["type"] == "actions" else []:
                if e["type"] == "static_select":
                    options = e.get("options") or []
                    if not 0 < len(options) <= 100 or any(len(o["text"]["text"]) > 75 or len(o["value"]) > 150
                                                          for o in options):
                        return "invalid_arguments"
                    if "initial_option" in e and e["initial_option"] not in options:
                        return "invalid_arguments"
                elif e["type"] == "button" and e.get("style") not in (None, "primary", "danger"):
                    return "invalid_arguments"
        return ""

    def m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        bad = self._check_view(view)
        if bad:
            return {"ok": False, "error": bad}
        self.views[str(args.get("user_id", ""))] = view
        return {"ok": True, "view": {"id": "V1", **(view or {})}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emu = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with emu.lock:
                    emu.connections += 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _args(self) -> dict[str, Any]:
                parsed = urlparse(self.path)
                args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                if raw and "json" in ctype:
                    args.update(json.loads(raw))
                elif raw:
                    args.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
                return args

            def _send(self, status: int, body: dict[str, Any] | str, headers: dict[str, str]) -> None:
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(status)
                ctype = "application/json" if isinstance(body, dict) and status < 500 else "text/plain"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _serve(self) -> None:
                path = urlparse(self.path).path
                if path.startswith("/upload/v1/"):  # the upload URL files.getUploadURLExternal handed out
                    raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    with emu.lock:
                        status, text = emu.receive_upload(path.rsplit("/", 1)[-1], raw,
                                                          self.headers.get("Content-Type", ""))
                    self._send(status, text, {})
                    return
                args = self._args()
                if path.startswith("/respond/"):
                    with emu.lock:
                        emu.responses.append({"key": path.rsplit("/", 1)[-1], **args})
                    self._send(200, "ok", {})
                    return
                if not path.startswith("/api/"):
                    self._send(404, "not found", {})
                    return
                if path[5:] in emu.slow:
                    time.sleep(emu.slow[path[5:]])
                status, body, headers = emu.handle(path[5:], args, self.headers.get("Authorization", ""))
                if status >= 500:
                    self._send(status, "upstream connect error", headers)
                else:
                    self._send(status, body, headers)

            do_GET = _serve
            do_POST = _serve

        return Handler
