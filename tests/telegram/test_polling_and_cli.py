"""Long polling for development, and the `nudgebot telegram` / `campaign invite` commands."""

from __future__ import annotations

import os
import re
from typing import Any

from typer.testing import CliRunner

from bot.channels.telegram.cli import app as telegram_cli
from tests.support import wait_until
from tests.telegram.conftest import CAMPAIGN, SECRET, App, seed_roster
from tests.telegram.emulator import TOKEN, TelegramEmulator


def env_for(emu: TelegramEmulator, **extra: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_URL": emu.api_url,
            "PATH": os.environ.get("PATH", ""), **extra}


def test_polling_feeds_updates_through_the_same_handler(app_factory: Any, emulator: TelegramEmulator) -> None:
    emulator.webhook = {"url": "https://old.example/telegram/webhook"}  # left over from production
    app: App = app_factory(telegram_polling=True)
    wait_until(lambda: emulator.calls_of("getUpdates"))
    methods = [c.method for c in emulator.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")  # else Telegram answers 409
    first = app.updates.text(31337, f"/start {app.invite()}")
    emulator.push_update(first)
    emulator.push_update(first)  # delivered twice: handled once
    wait_until(lambda: len(emulator.sent_to(31337)) >= 2)
    location = app.updates.location(31337, 48.8566, 2.3522)
    emulator.push_update(location)
    wait_until(lambda: len(emulator.sent_to(31337)) >= 3)
    assert "Europe/Paris" in emulator.sent_to(31337)[-1].text
    assert "Welcome" in emulator.sent_to(31337)[0].text and len(emulator.sent_to(31337)) == 3
    # The poller confirms what it has seen by asking for the next offset.
    wait_until(lambda: any(c.params.get("offset") == str(location["update_id"] + 1)
                           for c in emulator.calls_of("getUpdates")))
    assert all(c.params.get("allowed_updates") == ["message", "callback_query", "my_chat_member"]
               for c in emulator.calls_of("getUpdates"))


def test_set_and_delete_webhook(emulator: TelegramEmulator) -> None:
    runner = CliRunner()
    url = "https://nudge.example.org/telegram/webhook"
    result = runner.invoke(telegram_cli, ["set-webhook", url], env=env_for(emulator))
    assert result.exit_code == 0, result.output
    assert emulator.webhook["url"] == url and emulator.webhook["secret_token"] == SECRET
    assert {"message", "callback_query", "my_chat_member"} <= set(emulator.webhook["allowed_updates"])
    result = runner.invoke(telegram_cli, ["delete-webhook"], env=env_for(emulator))
    assert result.exit_code == 0 and emulator.webhook == {}

    plain_http = runner.invoke(telegram_cli, ["set-webhook", "http://nudge.example.org/x"], env=env_for(emulator))
    assert plain_http.exit_code == 2 and "https" in plain_http.output
    no_secret = runner.invoke(telegram_cli, ["set-webhook", url], env=env_for(emulator, TELEGRAM_WEBHOOK_SECRET=""))
    assert no_secret.exit_code == 2 and "TELEGRAM_WEBHOOK_SECRET" in no_secret.output


def test_campaign_invite_prints_a_deep_link_that_enrolls(app: App) -> None:
    from bot.cli import app as cli

    emu = app.emulator
    env = env_for(emu, DATABASE_URL=app.services.settings.database_url)
    result = CliRunner().invoke(cli, ["campaign", "invite", CAMPAIGN, "--uses", "2", "--qr"],
                                env=env)
    assert result.exit_code == 0, result.output
    link = re.search(r"https://t\.me/nudge_test_bot\?start=([A-Za-z0-9_-]+)", result.output)
    assert link is not None, result.output  # the username came from getMe
    assert "█" in result.output or "▀" in result.output  # the QR code
    app.post(app.updates.text(555, f"/start {link.group(1)}"))
    app.settle()
    assert "Welcome, Ada!" in emu.sent_to(555)[0].text


def test_a_manager_links_their_account_with_a_personal_invite(app: App, tmp_path: Any) -> None:
    from bot.cli import app as cli

    seed_roster(app, tmp_path, ["max@example.org,Max Manager,Europe/Berlin,en,,manager,,"])
    env = env_for(app.emulator, DATABASE_URL=app.services.settings.database_url)
    # The CLI runs on the wall clock, the app on a virtual one in 2027: a long validity spans both.
    result = CliRunner().invoke(cli, ["people", "invite", "max@example.org", "--days", "3650"], env=env)
    assert result.exit_code == 0, result.output
    link = re.search(r"start=([A-Za-z0-9_-]+)", result.output)
    assert link is not None, result.output
    app.post(app.updates.text(8080, f"/start {link.group(1)}", first_name="Max"))
    app.settle()
    assert "linked" in app.emulator.sent_to(8080)[0].text
    export = CliRunner().invoke(cli, ["export", "people", "--format", "json"], env=env)
    assert '"telegram_id": "8080"' in export.stdout
