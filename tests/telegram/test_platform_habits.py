"""Telegram habits: a location button when asking for a zone, suggestion keyboards taken away after use,
typing before a long lesson, one polite word per group chat, and a kind reply to stickers and photos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.telegram import more_updates as more
from tests.telegram.conftest import App
from tests.telegram.helpers import ADA, join_berlin, person

FIRST_NUDGE = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)


def test_zone_suggestions_are_taken_away_once_one_is_chosen(app: App) -> None:
    emu = app.emulator
    app.post(app.updates.text(ADA, f"/start {app.invite()}"))
    app.settle()
    assert "keyboard" in emu.reply_keyboards[str(ADA)]
    app.post(app.updates.text(ADA, "paris"))
    app.settle()
    confirm = emu.sent_to(ADA)[-1]
    assert "Did you mean" in confirm.text and confirm.reply_markup["inline_keyboard"]
    app.post(app.updates.callback(ADA, confirm, "tz:Europe/Paris"))
    app.settle()
    used = emu.messages[(str(ADA), confirm.message_id)]
    assert used.reply_markup is None and used.edits == 1  # no buttons left to press again
    assert "Did you mean" in used.text and "✓ Europe/Paris" in used.text
    done = emu.sent_to(ADA)[-1]
    assert "Time zone set to <b>Europe/Paris</b>" in done.text
    assert done.reply_markup == {"remove_keyboard": True} and str(ADA) not in emu.reply_keyboards


def test_a_zone_button_of_the_reply_keyboard_sets_the_zone(app: App) -> None:
    app.post(app.updates.text(ADA, f"/start {app.invite()}"))
    app.settle()
    ask = app.emulator.sent_to(ADA)[-1]
    zone = ask.reply_markup["keyboard"][1][0]["text"]
    app.post(app.updates.text(ADA, zone))  # a reply-keyboard button sends its text
    app.settle()
    assert person(app, ADA).timezone == zone == "Europe/London"
    assert app.emulator.sent_to(ADA)[-1].reply_markup == {"remove_keyboard": True}


def test_typing_is_shown_before_a_long_lesson(app: App) -> None:
    join_berlin(app)
    app.tick(FIRST_NUDGE)
    lesson = app.emulator.sent_to(ADA)[-2]
    assert lesson.text.startswith("<b>Spotting phishing · 1/")
    assert app.emulator.chat_actions == [(str(ADA), "typing")]
    methods = [c.method for c in app.emulator.calls if c.method in ("sendChatAction", "sendMessage")]
    assert methods[-3:] == ["sendChatAction", "sendMessage", "sendMessage"]  # typing, lesson, question


def test_a_group_gets_one_polite_word_and_then_quiet(app: App) -> None:
    emu = app.emulator
    app.post(more.added_to_group(emu, ADA))
    app.post(more.group_text(emu, ADA, "/help@nudge_test_bot"))
    app.post(more.group_text(emu, ADA + 1, "/stats"))
    app.settle()
    [polite] = emu.sent_to(more.GROUP)
    assert "I work in private chats only" in polite.text
    app.post(more.group_text(emu, ADA, "/help", group=more.GROUP - 1))  # another group hears it once too
    app.settle()
    assert len(emu.sent_to(more.GROUP - 1)) == 1 and len(emu.sent_to(more.GROUP)) == 1
    assert emu.sent_to(ADA) == []  # nobody's private chat was written to


def test_stickers_photos_and_voice_get_one_kind_reply_a_day(app: App) -> None:
    emu = app.emulator
    join_berlin(app)
    before = len(emu.sent_to(ADA))
    app.post(more.sticker(emu, ADA))
    app.post(more.photo(emu, ADA, caption="look"))
    app.settle()
    [kind] = emu.sent_to(ADA)[before:]
    assert "I can only read typed words and button presses" in kind.text
    app.clock.set(app.clock.now() + timedelta(days=1))
    app.post(more.voice(emu, ADA))
    app.settle()
    assert len(emu.sent_to(ADA)) == before + 2  # a new day, one more reply


def test_a_stranger_s_sticker_gets_the_invite_hint(app: App) -> None:
    app.post(more.sticker(app.emulator, 999))
    app.settle()
    [hint] = app.emulator.sent_to(999)
    assert "I don't know you yet" in hint.text


def test_history_and_search_find_a_received_lesson(app: App) -> None:
    join_berlin(app)
    app.post(app.updates.text(ADA, "history"))
    app.settle()
    assert app.emulator.sent_to(ADA)[-1].text == "You haven't received any lessons yet."
    app.tick(FIRST_NUDGE)
    for typed in ("history", "/search invoice", "search@nudge_test_bot unicorn", "/search"):
        app.post(app.updates.text(ADA, typed))
        app.settle()
    listing, found, missing, usage = app.emulator.sent_to(ADA)[-4:]
    assert listing.text.startswith("<b>Your lessons</b>") and "Mon 04 Jan: Spotting phishing · 1/6" in listing.text
    assert found.text.startswith("<b>Lessons about invoice</b>")
    assert "<b>Spotting phishing · 1/6: What phishing is</b> (Mon 04 Jan)" in found.text
    assert "<b>invoice</b>" in found.text  # the matched word is marked in the snippet
    assert missing.text == "No lesson you received mentions unicorn."
    assert usage.text.startswith("Send search and a few words")


def test_history_and_search_speak_the_learners_language(app: App) -> None:
    join_berlin(app, language_code="es")
    app.post(app.updates.text(ADA, "language es"))
    app.tick(FIRST_NUDGE)
    app.post(app.updates.text(ADA, "/search nadaquever"))
    app.post(app.updates.text(ADA, "/help"))
    app.settle()
    missing, help_ = app.emulator.sent_to(ADA)[-2:]
    assert missing.text == "Ninguna de las lecciones que recibiste menciona nadaquever."
    assert "/search [palabras]: encontrar de nuevo una lección" in help_.text
