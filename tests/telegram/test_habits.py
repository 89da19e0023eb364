"""Telegram habits: bare words work like commands, /cmd@botname is understood, help names /commands."""

from __future__ import annotations

from tests.telegram.conftest import App
from tests.telegram.helpers import ADA, join_berlin, person


def test_bare_words_and_addressed_commands_are_understood(app: App) -> None:
    join_berlin(app)
    for text in ("help", "Stats", "pause 2", "/stats@nudge_test_bot", "resume", "hmm"):
        app.post(app.updates.text(ADA, text))
        app.settle()
    help_, stats, paused, stats2, resumed, unknown = app.emulator.sent_to(ADA)[-6:]
    assert "/stats: your streak" in help_.text and "without the slash" in help_.text
    assert "`/nudge" not in help_.text
    assert "Spotting phishing" in stats.text and "lesson 0/6" in stats.text
    assert paused.text.startswith("Paused until")
    assert stats2.text == stats.text.replace("next: Mon 04 Jan 09:30", "next: paused")
    assert resumed.text.startswith("Welcome back!") and person(app, ADA).status == "active"
    assert unknown.text == "I didn't catch that. Send /help to see what I can do."


def test_language_in_chat_switches_to_spanish_and_french(app: App) -> None:
    join_berlin(app)
    app.post(app.updates.text(ADA, "language es"))
    app.settle()
    assert app.emulator.sent_to(ADA)[-1].text == "A partir de ahora te hablaré en español."
    app.post(app.updates.text(ADA, "/language fr"))
    app.post(app.updates.text(ADA, "aide?"))
    app.settle()
    switched, unknown = app.emulator.sent_to(ADA)[-2:]
    assert switched.text == "Je vous parlerai désormais en français." and person(app, ADA).locale == "fr"
    assert unknown.text == "Je n’ai pas compris. Envoyez /help pour voir ce que je sais faire."
