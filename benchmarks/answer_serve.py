"""The servers of the answer-path benchmark, each in its own process: `python -m benchmarks.answer_serve ROLE JSON`.

Roles: `slack-emulator` and `telegram-emulator` (the platforms' APIs, from tests/), `nudgebot-slack` and
`nudgebot-telegram` (the real web app under uvicorn, as `nudgebot web` runs it, with learners whose question was
just delivered), `bare-bolt` (a slack-bolt app that only acks, under the same uvicorn) and `bare-ptb` (a
python-telegram-bot webhook app in the shape of its Starlette example, answering each callback query).
Each prints one JSON line when it serves, then serves until its stdin closes; an app server then prints
the CPU time it spent serving.
"""

from __future__ import annotations

import asyncio
import copy
import cProfile
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK_SECRET = "bench-webhook-secret"
SLACK_TOKEN = "xoxb-test-token"
TELEGRAM_USER0 = 500_000


def _until_stdin_closes() -> None:
    sys.stdin.read()


def _ready(**facts: Any) -> None:
    print(json.dumps(facts), flush=True)


def slack_emulator(args: dict[str, Any]) -> None:
    """Serve the Slack Web API emulator with `learners` workspace members."""
    from tests.slack.emulator import SlackEmulator

    emu = SlackEmulator().start()
    for i in range(args["learners"]):
        uid = slack_user(i)
        emu.add_user(uid, email=f"{uid.lower()}@example.org")
    _ready(api_url=emu.api_url)
    _until_stdin_closes()
    _ready(calls=dict(Counter(c.method for c in emu.calls)))
    emu.stop()


def telegram_emulator(_args: dict[str, Any]) -> None:
    """Serve the Bot API emulator, with no flood limits (the answer path is measured, not sending)."""
    from tests.telegram.emulator import TelegramEmulator

    emu = TelegramEmulator(per_chat_interval=0.0, global_rate=1_000_000).start()
    _ready(api_url=emu.api_url, token=emu.token)
    _until_stdin_closes()
    _ready(callback_answers=len(emu.callback_answers), sends=len(emu.calls_of("sendMessage")),
           edits=len(emu.calls_of("editMessageText")),
           callback_query_ids=[str(a.get("callback_query_id")) for a in emu.callback_answers])
    emu.stop()


def slack_user(i: int) -> str:
    """Return the Slack id of learner `i`."""
    return f"U{i:06d}"


def _world(settings: Any, tmp: str, learners: int, platform: str) -> Any:
    """Enroll `learners` on `platform` and deliver their first lesson and question; return the services.

    The questions go out through the real tick and dispatcher, but paced only by the emulators (no gap
    between two messages to one chat), so the set-up takes seconds; the app that is measured is then
    started afresh on `settings`, with the platforms' real pacing.
    """
    from sqlalchemy import func, select

    from benchmarks.world import START
    from bot.bootstrap import bootstrap
    from bot.dbsetup import upgrade
    from bot.lifespan import running
    from content.campaign import CampaignSpec
    from content.loader import LIBRARY_DIR, load_track_file
    from core.clock import VirtualClock
    from core.models import Enrollment
    from core.services import campaigns, people, tracks
    from scheduler.worker import tick

    upgrade(settings.database_url)
    clock = VirtualClock(START)
    unpaced = copy.copy(settings)
    unpaced.slack_channel_interval = unpaced.telegram_chat_interval = 0.0
    services = bootstrap(unpaced, clock=clock)
    roster = Path(tmp) / f"{platform}.csv"
    with roster.open("w", encoding="utf-8") as f:
        f.write("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n")
        for i in range(learners):
            ids = f"{slack_user(i)}," if platform == "slack" else f",{TELEGRAM_USER0 + i}"
            f.write(f"l{i}@example.org,Learner {i},UTC,en,,learner,{ids}\n")
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    spec = CampaignSpec.model_validate({
        "id": "bench", "track": "phishing-basics", "audience": {"all": True},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "at": "13:00",
                     "start": START.date().isoformat()}})
    with services.db.session() as s:
        tracks.publish(s, track, START)
        people.import_roster(s, roster, START)
        campaigns.apply_campaign(s, spec, START)
    async def deliver() -> None:
        async with running(services, worker=False):  # as the app runs: its clients open, and closed after
            await tick(services.db, services.dispatcher, clock.now())  # plans each learner's first nudge
            with services.db.session() as s:
                first = s.scalar(select(func.min(Enrollment.next_due_at)))
            clock.set(first.replace(tzinfo=UTC) + timedelta(minutes=1))
            while (await tick(services.db, services.dispatcher, clock.now())).dispatch.sent:
                pass

    asyncio.run(deliver())
    services.db.engine.dispose()
    return bootstrap(settings, clock=clock)


def questions(services: Any) -> list[dict[str, Any]]:
    """Return every delivered question: its delivery id, address, message ref and button actions."""
    from sqlalchemy import select

    from core.models import Delivery

    with services.db.session() as s:
        rows = s.execute(select(Delivery.address, Delivery.message_ref, Delivery.payload)
                         .where(Delivery.kind == "question", Delivery.status == "sent")).all()
    return [{"address": a, "ref": ref, "text": p.get("text", ""), "buttons": p.get("buttons", [])}
            for a, ref, p in rows]


def _serve(app: Any, port: int, **facts: Any) -> None:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           backlog=1024))
    profile_to = os.environ.get("ANSWER_PROFILE")  # a directory: the server thread's cProfile goes there
    profiler = cProfile.Profile() if profile_to else None
    thread = threading.Thread(target=profiler.runcall if profiler else server.run,
                              args=(server.run,) if profiler else (), daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.01)
    _ready(port=port, **facts)
    serving = time.process_time()
    _until_stdin_closes()
    server.should_exit = True
    thread.join(30)
    # Every thread's CPU from the moment it served until it stopped (replies still queued went out).
    _ready(cpu_s=time.process_time() - serving)
    if profiler is not None and profile_to:
        profiler.dump_stats(Path(profile_to) / f"{sys.argv[1]}.prof")


def nudgebot_slack(args: dict[str, Any]) -> None:
    """Serve nudgebot's web app with the Slack channel, after delivering a question to each learner."""
    from bot.web import create_app

    services = _world(slack_settings(args), args["tmp"], args["learners"], "slack")
    _serve(create_app(services), args["port"], questions=questions(services), now=services.clock.now().isoformat())


def slack_settings(args: dict[str, Any]) -> Any:
    """Return the settings of nudgebot's Slack processes (handing presses off to a worker with `hand_off`)."""
    from bot.settings import Settings

    return Settings(_env_file=None, database_url=args.get("db_url") or f"sqlite:///{args['tmp']}/slack.db",
                    slack_bot_token=SLACK_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=args["api_url"], slack_workspace_rate=10_000.0, telegram_bot_token=None,
                    inbox_hand_off=bool(args.get("hand_off")), tick_seconds=3600.0)


def nudgebot_worker(args: dict[str, Any]) -> None:
    """Run `nudgebot worker` beside a web app (`platform`'s): it records the presses the web app hands off."""
    from bot.bootstrap import bootstrap
    from bot.lifespan import running
    from core.clock import VirtualClock

    settings = slack_settings(args) if args["platform"] == "slack" else telegram_settings(args)
    services = bootstrap(settings, clock=VirtualClock(datetime.fromisoformat(args["now"])))
    serving = 0.0

    async def work() -> None:
        nonlocal serving
        async with running(services, worker=True):
            _ready(worker=True)
            serving = time.process_time()
            await asyncio.get_running_loop().run_in_executor(None, _until_stdin_closes)

    asyncio.run(work())
    _ready(cpu_s=time.process_time() - serving)


def nudgebot_telegram(args: dict[str, Any]) -> None:
    """Serve nudgebot's web app with the Telegram channel, after delivering a question to each learner."""
    from bot.web import create_app

    services = _world(telegram_settings(args), args["tmp"], args["learners"], "telegram")
    _serve(create_app(services), args["port"], questions=questions(services), now=services.clock.now().isoformat())


def telegram_settings(args: dict[str, Any]) -> Any:
    """Return the settings of nudgebot's Telegram processes (handing updates off to a worker with `hand_off`)."""
    from bot.settings import Settings

    return Settings(_env_file=None, database_url=args.get("db_url") or f"sqlite:///{args['tmp']}/tg.db",
                    telegram_bot_token=args["token"], telegram_api_url=args["api_url"],
                    telegram_webhook_secret=WEBHOOK_SECRET, telegram_global_rate=10_000.0,
                    slack_bot_token=None, inbox_hand_off=bool(args.get("hand_off")), tick_seconds=3600.0)


def bare_bolt(args: dict[str, Any]) -> None:
    """Serve a slack-bolt app whose only listener acks answer presses, under the same uvicorn."""
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    client = AsyncWebClient(token=SLACK_TOKEN, base_url=args["api_url"])
    bolt = AsyncApp(client=client, signing_secret=SIGNING_SECRET)

    @bolt.action(re.compile("^a:"))
    async def on_press(ack: Any) -> None:
        await ack()

    handler = AsyncSlackRequestHandler(bolt)

    async def endpoint(request: Request) -> Any:
        return await handler.handle(request)

    _serve(Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])]), args["port"])


def bare_ptb(args: dict[str, Any]) -> None:
    """Serve a python-telegram-bot webhook app (its Starlette example's shape) that answers callback queries."""
    import contextlib
    from collections.abc import AsyncIterator

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from telegram import Update
    from telegram.ext import Application, CallbackQueryHandler

    application = (Application.builder().token(args["token"]).base_url(args["api_url"]).updater(None)
                   .build())

    async def on_press(update: Update, _context: Any) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    application.add_handler(CallbackQueryHandler(on_press))

    async def webhook(request: Request) -> Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != WEBHOOK_SECRET:
            return Response(status_code=403)
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return Response()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with application:
            await application.start()
            yield
            await application.stop()

    _serve(Starlette(routes=[Route("/telegram/webhook", webhook, methods=["POST"])], lifespan=lifespan),
           args["port"])


ROLES = {"slack-emulator": slack_emulator, "telegram-emulator": telegram_emulator, "nudgebot-slack": nudgebot_slack,
         "nudgebot-telegram": nudgebot_telegram, "nudgebot-worker": nudgebot_worker, "bare-bolt": bare_bolt,
         "bare-ptb": bare_ptb}

if __name__ == "__main__":
    ROLES[sys.argv[1]](json.loads(sys.argv[2]))
