"""Translating Telegram updates into neutral events (pure, no network)."""

from __future__ import annotations

from telegram import Update

from bot.channels.telegram.inbound import parse_command, to_event
from core.ports import (
    AnswerChosen,
    CommandIssued,
    GroupChat,
    Joined,
    LocationShared,
    Reachable,
    Sender,
    TextSent,
    Unreachable,
)
from tests.telegram.emulator import Message, TelegramEmulator
from tests.telegram.updates import Updates

U = Updates(TelegramEmulator())
ADA = Sender("telegram", "42", "Ada Tester", "de")


def event(data: dict) -> object:
    return to_event(Update.de_json(data, None))


def test_messages_become_events() -> None:
    assert event(U.text(42, "/start abc-123", language_code="de")) == Joined(ADA, "abc-123")
    assert event(U.text(42, "/start", language_code="de")) == Joined(ADA, "")
    assert event(U.text(42, "/pause@nudge_test_bot 3", language_code="de")) == CommandIssued(ADA, "pause", ["3"])
    assert event(U.text(42, "  Europe/Berlin ", language_code="de")) == TextSent(ADA, "Europe/Berlin")
    assert event(U.location(42, 52.5, 13.4, language_code="de")) == LocationShared(ADA, 52.5, 13.4)


def test_button_presses_carry_the_action_and_the_message_ref() -> None:
    shown = Message("42", 777, "Question", "HTML", None)
    assert event(U.callback(42, shown, "a:9:1", language_code="de")) == AnswerChosen(ADA, "a:9:1", "42:777")


def test_blocking_and_unblocking_the_bot() -> None:
    sender = Sender("telegram", "42", "Ada Tester", "en")
    assert event(U.my_chat_member(42, old="member", new="kicked")) == Unreachable(sender, "blocked")
    assert event(U.my_chat_member(42, old="kicked", new="member")) == Reachable(sender)


def test_group_chats_become_group_events_and_other_updates_are_ignored() -> None:
    group = U.text(42, "/help")
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "Team"}
    got = event(group)
    assert isinstance(got, GroupChat) and got.chat_id == "-100" and got.sender.user_id == "42"
    edited = U.text(42, "hello")
    edited["edited_message"] = edited.pop("message")
    assert event(edited) is None


def test_parse_command() -> None:
    assert parse_command("/Stats") == ("stats", [])
    assert parse_command("/timezone America/New_York") == ("timezone", ["America/New_York"])
    assert parse_command("/") is None and parse_command("hello /help") is None
