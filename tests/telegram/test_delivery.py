"""Scheduled delivery over Telegram: flood control, 429 storms, and people who block the bot."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from core.models import Delivery
from tests.telegram.conftest import App, seed_roster
from tests.telegram.emulator import TOKEN, TelegramEmulator

MONDAY = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 Berlin
TUESDAY = datetime(2027, 1, 5, 8, 31, tzinfo=UTC)
WEDNESDAY = datetime(2027, 1, 6, 8, 31, tzinfo=UTC)
FRIDAY_DIGEST = datetime(2027, 1, 8, 16, 1, tzinfo=UTC)  # 17:01 Berlin


def learners(n: int, first_id: int = 7000, manager: str = "") -> list[str]:
    return [f"l{i}@example.org,Learner {i},Europe/Berlin,en,{manager},learner,,{first_id + i}" for i in range(n)]


def attempts(emu: TelegramEmulator, chat: int) -> int:
    return len([c for c in emu.calls_of("sendMessage", status=None) if c.params["chat_id"] == str(chat)])


def test_a_429_storm_still_delivers_everything_exactly_once(app: App, tmp_path: Path) -> None:
    emu = app.emulator
    seed_roster(app, tmp_path, learners(36))
    emu.fail("sendMessage", 429, count=25, retry_after=1)  # Telegram pushes back, again and again
    report = app.tick(MONDAY)
    assert len(report.dispatch.sent) == 72
    refused = emu.calls_of("sendMessage", status=429)
    assert len(refused) == 25
    for i in range(36):
        lesson, question = emu.sent_to(7000 + i)  # exactly two messages, in order
        assert "1/" in lesson.text and question.reply_markup is not None
    assert len(emu.calls_of("sendMessage")) == 72  # nothing sent twice
    assert emu.rate_violations == []  # and the limiter never tripped the flood limits by itself
    with app.services.db.session() as s:
        rows = s.scalars(select(Delivery).where(Delivery.channel == "telegram")).all()
        assert {d.status for d in rows} == {"sent"}
        assert all(d.message_ref and d.message_ref.startswith(f"{d.address}:") for d in rows)


def test_a_blocked_user_stops_receiving_and_is_reported(app: App, tmp_path: Path) -> None:
    emu = app.emulator
    seed_roster(app, tmp_path, [
        "max@example.org,Max Manager,Europe/Berlin,en,,manager,,500",
        "ada@example.org,Ada Active,Europe/Berlin,en,max@example.org,learner,,600",
        "bo@example.org,Bo Blocker,Europe/Berlin,en,max@example.org,learner,,601",
        "cy@example.org,Cy Silent,Europe/Berlin,en,max@example.org,learner,,602",
    ])
    app.tick(MONDAY)
    assert all(len(emu.sent_to(chat)) == 2 for chat in (600, 601, 602))

    # Bo blocks the bot in the app: Telegram tells us with a my_chat_member update.
    assert app.post(app.updates.my_chat_member(601, old="member", new="kicked")).status_code == 200
    # Cy blocks it too, but that update never reaches us: we find out when a send is refused with 403.
    emu.block(602)

    app.tick(TUESDAY)
    assert len(emu.sent_to(600)) == 5  # the lesson, its question and unit 1's second question, left over
    assert attempts(emu, 601) == 2  # nothing more was even tried
    assert attempts(emu, 602) == 3 and len(emu.calls_of("sendMessage", status=403)) == 1

    app.tick(WEDNESDAY)
    assert len(emu.sent_to(600)) >= 6  # lesson, question (and a friendly reminder: Ada has not answered)
    assert len(emu.calls_of("sendMessage", status=403)) == 1  # not retried forever
    assert attempts(emu, 601) == 2 and attempts(emu, 602) == 3

    env = {"DATABASE_URL": app.services.settings.database_url, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_URL": emu.api_url, "PATH": os.environ.get("PATH", "")}
    from bot.cli import app as cli

    result = CliRunner().invoke(cli, ["export", "people", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    status = {p["email"]: p["status"] for p in json.loads(result.stdout)}
    assert status == {"max@example.org": "active", "ada@example.org": "active",
                      "bo@example.org": "blocked", "cy@example.org": "blocked"}

    app.tick(FRIDAY_DIGEST)
    digest = next(m for m in emu.sent_to(500) if "Weekly digest" in m.text)
    assert "Bo Blocker (blocked)" in digest.text and "Cy Silent (blocked)" in digest.text
    assert "<pre>" in digest.text

    # Bo unblocks the bot: nudges resume with the next scheduled one.
    app.post(app.updates.my_chat_member(601, old="kicked", new="member"))
    result = CliRunner().invoke(cli, ["export", "people", "--format", "json"], env=env)
    assert {p["email"]: p["status"] for p in json.loads(result.stdout)}["bo@example.org"] == "active"
    app.tick(datetime(2027, 1, 8, 20, 0, tzinfo=UTC))  # plan from Friday evening on
    app.tick(MONDAY + timedelta(days=7))
    assert attempts(emu, 601) > 2 and len(emu.sent_to(601)) > 2
