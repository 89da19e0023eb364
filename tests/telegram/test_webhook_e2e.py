"""End to end through the real python-telegram-bot client, the webhook and the Bot API emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.models import InboxEvent, ProcessedEvent
from tests.support import wait_until
from tests.telegram.conftest import App
from tests.telegram.helpers import ADA, answers, person

FIRST_NUDGE = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 in Berlin on the first campaign day


def test_invite_start_timezone_tick_and_answer(app: App) -> None:
    emu = app.emulator
    code = app.invite()
    r = app.post(app.updates.text(ADA, f"/start {code}"))
    assert r.status_code == 200
    app.settle()
    greeting, ask = emu.sent_to(ADA)
    assert "Welcome, Ada!" in greeting.text and "<b>Spotting phishing</b>" in greeting.text
    assert "Mon, Tue, Wed, Thu, Fri at 09:30" in greeting.text
    assert "Which time zone are you in?" in ask.text
    # A reply keyboard: the first button shares the location, the others send a likely zone's name.
    share, *zones = [b for row in ask.reply_markup["keyboard"] for b in row]
    assert share == {"text": "📍 Share my location", "request_location": True}
    assert {"text": "Europe/London"} in zones and ask.reply_markup["one_time_keyboard"] is True
    assert emu.reply_keyboards[str(ADA)] == ask.reply_markup
    assert person(app, ADA).timezone is None  # nothing is scheduled until a zone is confirmed
    assert app.tick(FIRST_NUDGE).dispatch.sent == []
    app.clock.set(datetime(2027, 1, 3, 12, 0, tzinfo=UTC))

    app.post(app.updates.location(ADA, 52.52, 13.405))
    app.settle()
    confirm = emu.sent_to(ADA)[-1]
    assert "Time zone set to <b>Europe/Berlin</b>" in confirm.text
    assert confirm.reply_markup == {"remove_keyboard": True} and str(ADA) not in emu.reply_keyboards
    assert "Mon 04 Jan at 09:30" in confirm.text
    assert person(app, ADA).timezone == "Europe/Berlin"

    app.tick(FIRST_NUDGE)
    lesson, question = emu.sent_to(ADA)[-2:]
    assert lesson.text.startswith("<b>Spotting phishing · 1/") and "<b>Phishing</b>" in lesson.text
    buttons = [row[0] for row in question.reply_markup["inline_keyboard"]]
    assert len(buttons) == 3 and all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert question.parse_mode == "HTML"

    app.clock.advance(timedelta(minutes=3))
    press = app.updates.callback(ADA, question, buttons[1]["callback_data"])
    assert app.post(press).status_code == 200
    assert answers(app) == 1
    app.settle()  # the feedback edit goes through the outbox after the webhook answered
    edited = emu.sent_to(ADA)[[m.message_id for m in emu.sent_to(ADA)].index(question.message_id)]
    assert edited.edits == 1
    assert "Your answer: Read it to the end" in edited.text and "❌ Not quite" in edited.text
    assert "Reading a message is rarely the danger" in edited.text  # the choice's feedback
    assert "Phishing is a request in disguise" in edited.text  # the explanation
    assert edited.reply_markup is None  # the choice buttons are gone
    [first_answer] = emu.callback_answers
    assert first_answer["callback_query_id"] == press["callback_query"]["id"]
    assert "text" not in first_answer  # the spinner stops, no toast needed

    # Telegram redelivers the same update: nothing happens twice.
    assert app.post(press).status_code == 200
    assert len(emu.callback_answers) == 1 and answers(app) == 1
    with app.services.db.session() as s:  # kept before it was acknowledged, marked done when recorded
        kept = s.scalar(select(InboxEvent).where(InboxEvent.key == f"telegram:update:{press['update_id']}"))
        assert kept is not None and kept.done_at is not None and kept.platform == "telegram"

    # A second tap on the (now removed) keyboard from a stale client: one answer, a short toast.
    app.post(app.updates.callback(ADA, question, buttons[0]["callback_data"]))
    assert answers(app) == 1
    assert emu.callback_answers[-1]["text"]
    assert edited.edits == 1


def test_wrong_or_missing_secret_is_refused(app: App) -> None:
    code = app.invite()
    update = app.updates.text(ADA, f"/start {code}")
    assert app.post(update, secret="wrong").status_code == 403
    assert app.post(update, secret=None).status_code == 403
    app.settle()
    assert app.emulator.calls_of("sendMessage") == []
    assert person(app, ADA) is None
    with app.services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
    # The same update with the right secret still goes through: the refusals left no trace.
    assert app.post(update).status_code == 200
    assert person(app, ADA) is not None


def test_command_menu_is_published_on_startup(app: App) -> None:
    emu = app.emulator
    wait_until(lambda: len(emu.commands) == 4 and len(emu.short_descriptions) == 4)
    names = [c["command"] for c in emu.commands[""]]
    assert names == ["start", "help", "stats", "pause", "resume", "timezone", "next", "language", "history", "search"]
    assert emu.commands["de"][1] == {"command": "help", "description": "Was ich verstehe"}
    assert emu.commands["es"][1] == {"command": "help", "description": "Lo que entiendo"}
    assert emu.commands["fr"][1] == {"command": "help", "description": "Ce que je comprends"}
    # The profile people see before they start a chat, in every shipped language.
    assert set(emu.descriptions) == {"", "de", "es", "fr"}
    assert emu.descriptions["es"].startswith("Lecciones de dos minutos")
    assert emu.short_descriptions["fr"].startswith("Des leçons de deux minutes")
