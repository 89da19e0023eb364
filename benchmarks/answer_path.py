"""The answer path: how fast a button press is answered, beside a bare slack-bolt app and a bare PTB webhook app.

Every server runs in its own process under the same uvicorn; the platform emulators run in one more, and the
load comes from this process. Slack presses are block_actions interactions as Slack sends them (a form body
with a `payload`, signed with the v0 scheme); Telegram presses are callback_query updates with the secret
token header. Two runs per app: an open-loop run at 100 requests/s (latency counted from when each request
was due, so a stall is not hidden) and a closed-loop run (`CONCURRENCY` requests in flight) for throughput.
Each press is on a different learner's question, so nudgebot records every one of them. nudgebot runs twice:
alone on SQLite, and (given PostgreSQL) handing presses off to a `nudgebot worker` beside it (INBOX_HAND_OFF).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.answer_serve import SIGNING_SECRET, TELEGRAM_USER0, WEBHOOK_SECRET

REPO = Path(__file__).resolve().parents[1]
RATE = 100.0  # requests per second in the latency run
CONCURRENCY = 16  # requests in flight in the throughput run


class Server:
    """One server process of the benchmark; its first output line says where it serves."""

    def __init__(self, role: str, **args: Any) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.answer_serve", role, json.dumps(args)],
                                     cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"benchmark server {role} did not start")
        self.facts: dict[str, Any] = json.loads(line)

    def stop(self) -> dict[str, Any]:
        """Close its stdin (it stops), and return what it printed last, if anything."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        rest = self.proc.stdout.read().strip().splitlines()
        self.proc.wait(60)
        return json.loads(rest[-1]) if rest else {}


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slack_press(question: dict[str, Any], choice: int) -> tuple[bytes, dict[str, str]]:
    """Return the body and headers of a block_actions press as Slack sends it, signed now."""
    user = question["address"]
    channel, ts = question["ref"].split(":", 1)
    label, value = question["buttons"][choice]
    payload = {
        "type": "block_actions", "team": {"id": "T0001", "domain": "example"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": f"{ts}.{user}",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": ts, "text": question["text"], "user": "UBOT", "bot_id": "BBOT"},
        "response_url": "https://hooks.slack.com/actions/T0001/1/x", "state": {"values": {}},
        "actions": [{"type": "button", "action_id": f"a:{choice}", "block_id": "choices",
                     "text": {"type": "plain_text", "text": label, "emoji": True}, "value": value,
                     "action_ts": f"{time.time():.6f}"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
                  "X-Slack-Signature": f"v0={digest}", "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}


def telegram_press(question: dict[str, Any], choice: int, update_id: int, app: str) -> tuple[bytes, dict[str, str]]:
    """Return the body and headers of a callback_query update as Telegram posts it to a webhook.

    The callback query id starts with `app`, so the emulator's count of answers is told apart per app.
    """
    chat, message_id = question["ref"].split(":", 1)
    user = {"id": int(question["address"]), "is_bot": False, "first_name": "Learner", "language_code": "en"}
    keyboard = [[{"text": label, "callback_data": action}] for label, action in question["buttons"]]
    update = {"update_id": update_id, "callback_query": {
        "id": f"{app}{update_id * 7}", "from": user, "chat_instance": f"-{chat}77",
        "data": question["buttons"][choice][1],
        "message": {"message_id": int(message_id), "date": int(time.time()), "text": question["text"],
                    "chat": {"id": int(chat), "type": "private", "first_name": "Learner"},
                    "from": {"id": TELEGRAM_USER0 - 1, "is_bot": True, "first_name": "Nudge", "username": "nudge_bot"},
                    "reply_markup": {"inline_keyboard": keyboard}}}}
    return json.dumps(update).encode(), {"Content-Type": "application/json",
                                         "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


async def _post(session: Any, url: str, request: tuple[bytes, dict[str, str]], answered: list[str]) -> int:
    async with session.post(url, data=request[0], headers=request[1]) as resp:
        body = await resp.read()
        if body.startswith(b"{") and b"answerCallbackQuery" in body:
            # Telegram performs a method named in a webhook's response: here it is only counted.
            answered.append(str(json.loads(body).get("callback_query_id")))
        return int(resp.status)


async def _open_loop(url: str, requests: list[tuple[bytes, dict[str, str]]], rate: float,
                     answered: list[str]) -> dict[str, Any]:
    import aiohttp

    latencies: list[float] = []
    bad = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05

        async def one(i: int) -> None:
            nonlocal bad
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            if await _post(session, url, requests[i], answered) != 200:
                bad += 1
            latencies.append(loop.time() - due)

        await asyncio.gather(*(one(i) for i in range(len(requests))))
        elapsed = loop.time() - start
    latencies.sort()
    return {"p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * latencies[int(0.99 * len(latencies))],
            "max_ms": 1000 * latencies[-1], "rps": len(requests) / elapsed, "errors": bad}


async def _closed_loop(url: str, requests: list[tuple[bytes, dict[str, str]]], answered: list[str]) -> dict[str, Any]:
    import aiohttp

    queue = list(reversed(requests))
    bad = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        t0 = time.perf_counter()

        async def worker() -> None:
            nonlocal bad
            while queue:
                if await _post(session, url, queue.pop(), answered) != 200:
                    bad += 1

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - t0
    return {"max_rps": len(requests) / elapsed, "throughput_errors": bad}


def load(url: str, latency_run: list[tuple[bytes, dict[str, str]]],
         throughput_run: list[tuple[bytes, dict[str, str]]], answered: list[str] | None = None,
         db: str | None = None) -> dict[str, Any]:
    """Run the latency run at RATE, then the throughput run, against `url`; webhook answers go to `answered`.

    With `db` (nudgebot's), the throughput run starts once the latency run's presses are all recorded,
    and how long after its last response that took is reported: whether 100 presses/s are kept up with.
    """
    answered = [] if answered is None else answered
    result = asyncio.run(_open_loop(url, latency_run, RATE, answered))
    if db is not None:
        result["latency_run_recorded_s"] = recorded(db, len(latency_run))
    result.update(asyncio.run(_closed_loop(url, throughput_run, answered)))
    return result


def recorded(db: str, expected: int, timeout: float = 120.0) -> float:
    """Wait until `expected` answers are in nudgebot's database (a URL); return the seconds it took."""
    from sqlalchemy import text

    from core.db import Database

    database = Database(db)
    t0 = time.perf_counter()
    try:
        while time.perf_counter() - t0 < timeout:
            with database.engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM answers")).scalar_one() >= expected:
                    return time.perf_counter() - t0
            time.sleep(0.05)
    finally:
        database.dispose()
    raise SystemExit(f"nudgebot did not record {expected} answers in {timeout:.0f} s")


DB_FILE = {"slack": "slack.db", "telegram": "tg.db"}  # each platform's SQLite file in the run's directory


def nudgebot_run(platform: str, tmp: str, api: dict[str, Any], presses: int, hand_off: bool,
                 requests: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Measure nudgebot's web app for `platform` on SQLite, or with `hand_off` on PostgreSQL beside a worker.

    `requests(questions)` returns the latency run's and the throughput run's requests. Returns the figures
    (with the callback queries answered in responses) and the questions pressed; ({}, []) for a hand-off
    run when no PostgreSQL server answers.
    """
    if not hand_off:
        return _nudgebot_run(platform, tmp, api, presses, requests, f"sqlite:///{tmp}/{DB_FILE[platform]}")
    from benchmarks.pg import drop_pg, pg_database

    url = pg_database()
    if url is None:
        print("answer path: no PostgreSQL server, so no hand-off run", file=sys.stderr)
        return {}, []
    try:
        return _nudgebot_run(platform, tmp, api, presses, requests, url, hand_off=True)
    finally:
        drop_pg(url)


def _nudgebot_run(platform: str, tmp: str, api: dict[str, Any], presses: int, requests: Any, url: str,
                  hand_off: bool = False) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run the web app (and, with `hand_off`, a worker beside it) on the database at `url`, and load it."""
    web = Server(f"nudgebot-{platform}", tmp=tmp, learners=2 * presses, port=free_port(), hand_off=hand_off,
                 db_url=url, **api)
    worker = (Server("nudgebot-worker", tmp=tmp, platform=platform, now=web.facts["now"], hand_off=True, db_url=url,
                     **api) if hand_off else None)
    qs = web.facts["questions"]
    path = "slack/events" if platform == "slack" else "telegram/webhook"
    answered: list[str] = []
    ours = load(f"http://127.0.0.1:{web.facts['port']}/{path}", *requests(qs), answered, db=url)
    ours["all_recorded_s"] = recorded(url, len(qs))
    ours["cpu_ms_per_press"] = 1000 * web.stop()["cpu_s"] / len(qs)
    if worker is not None:
        ours["worker_cpu_ms_per_press"] = 1000 * worker.stop()["cpu_s"] / len(qs)
    ours["answered_in_responses"] = answered
    return ours, qs


def slack(presses: int, pg: bool = True) -> dict[str, Any]:
    """Compare nudgebot's Slack answer path (in one process, and handing off to a worker) with a bare slack-bolt app."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
        emu = Server("slack-emulator", learners=2 * presses)
        try:
            api = {"api_url": emu.facts["api_url"]}

            def requests(qs: list[dict[str, Any]]) -> Any:
                return [slack_press(q, 0) for q in qs[:presses]], [slack_press(q, 1) for q in qs[presses:]]

            ours, qs = nudgebot_run("slack", tmp, api, presses, False, requests)
            handed, _ = nudgebot_run("slack", tmp2, api, presses, True, requests) if pg else ({}, [])
            for r in (ours, handed):
                r.pop("answered_in_responses", None)
            bare = Server("bare-bolt", api_url=emu.facts["api_url"], port=free_port())
            url = f"http://127.0.0.1:{bare.facts['port']}/slack/events"
            peer = load(url, [slack_press(q, 0) for q in qs[:presses]], [slack_press(q, 1) for q in qs[presses:]])
            peer["cpu_ms_per_press"] = 1000 * bare.stop()["cpu_s"] / len(qs)
        finally:
            calls = emu.stop()
    out = {"presses": presses, "in_flight": CONCURRENCY, "nudgebot": ours, "bare_bolt": peer, "emulator": calls}
    return out | ({"hand_off": handed} if handed else {})


def telegram(presses: int, pg: bool = True) -> dict[str, Any]:
    """Compare nudgebot's Telegram webhook (in one process, and handing off to a worker) with a bare PTB webhook app."""
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp2:
        emu = Server("telegram-emulator")
        api = {"api_url": emu.facts["api_url"], "token": emu.facts["token"]}
        try:
            def requests(app: str) -> Any:
                def made(qs: list[dict[str, Any]]) -> Any:
                    reqs = [telegram_press(q, i // presses, 1 + i, app) for i, q in enumerate(qs)]
                    return reqs[:presses], reqs[presses:]
                return made

            ours, qs = nudgebot_run("telegram", tmp, api, presses, False, requests("n"))
            handed, _ = nudgebot_run("telegram", tmp2, api, presses, True, requests("h")) if pg else ({}, [])
            in_responses = ours.pop("answered_in_responses") + handed.pop("answered_in_responses", [])
            bare = Server("bare-ptb", port=free_port(), **api)
            reqs = requests("b")(qs)
            peer = load(f"http://127.0.0.1:{bare.facts['port']}/telegram/webhook", *reqs, in_responses)
            peer["cpu_ms_per_press"] = 1000 * bare.stop()["cpu_s"] / len(qs)
        finally:
            calls = emu.stop()
    answers = in_responses + calls.pop("callback_query_ids", [])
    runs = [("n", ours), ("h", handed), ("b", peer)] if handed else [("n", ours), ("b", peer)]
    for app, result in runs:
        mine = [a for a in answers if a.startswith(app)]
        result["callback_answers"] = len(mine)
        result["presses_answered_once"] = sum(1 for n in Counter(mine).values() if n == 1)
    for _, result in runs[:-1]:
        if result["callback_answers"] != len(qs) or result["presses_answered_once"] != len(qs):
            raise SystemExit(f"nudgebot answered {result['callback_answers']} callback queries for {len(qs)} "
                             f"presses ({result['presses_answered_once']} exactly once)")
    out = {"presses": presses, "in_flight": CONCURRENCY, "nudgebot": ours, "bare_ptb": peer, "emulator": calls}
    return out | ({"hand_off": handed} if handed else {})


def answer_path(quick: bool, pg: bool = True) -> dict[str, Any]:
    """Run both comparisons: 500 presses each way with --quick, 2,000 otherwise."""
    presses = 500 if quick else 2_000
    out = {"slack": slack(presses, pg)}
    print("answer path (Slack): done", file=sys.stderr)
    out["telegram"] = telegram(presses, pg)
    print("answer path (Telegram): done", file=sys.stderr)
    return out


if __name__ == "__main__":  # python -m benchmarks.answer_path [--quick]: this comparison alone
    from benchmarks.table import answer_table

    figures = answer_path("--quick" in sys.argv)
    print(json.dumps(figures, indent=2))
    print(answer_table(figures))
