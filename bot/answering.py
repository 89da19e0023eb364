"""Answering questions in chat: pressed choices, multiple-response toggles and Submit, typed replies.

Part of the conversation (bot.conversation hands presses and typed text here); platform-neutral.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.i18n import t
from content.grading import numeric_bounds
from content.schema import Question
from core.models import Delivery, Person
from core.ports import AnswerChosen, OutboundMessage, Reply, TextSent
from core.render import info_message, parse_answer_action
from core.render_kinds import parse_kind_action
from core.services import outbox
from core.services.answer_kinds import typed_kind
from core.services.answers import AnswerResult
from flows import learning

_NUMBERS = re.compile(r"^\d+(\s*[,;\s]\s*\d+)*$")


@dataclass
class Edit:
    """A sent message to replace in place (a question turned into its feedback, or redrawn)."""

    channel: str
    address: str
    ref: str
    message: OutboundMessage


@dataclass
class Outcome:
    """What the conversation does for one event: the reply, an edit, deliveries to send now."""

    reply: Reply
    edit: Edit | None = None
    dispatch: list[int] = field(default_factory=list)


def press(s: Session, event: AnswerChosen, person: Person, now: datetime) -> Outcome:
    """Handle a pressed question button: a choice, a multiple-response toggle, or Submit."""
    loc = person.locale
    kind = parse_kind_action(event.action)
    if kind is not None and kind[0] == "toggle":
        toggled = learning.toggle(s, person, kind[1], kind[2], now)
        d = toggled.result.delivery
        if toggled.message is None or d is None:
            return Outcome(Reply(notice=toggled.result.notice_in(loc)))
        return Outcome(Reply(), Edit(d.channel, d.address, d.message_ref or event.message_ref, toggled.message))
    if kind is not None:
        return _answered(learning.submit(s, person, kind[1], now), event.message_ref, loc)
    parsed = parse_answer_action(event.action)
    if parsed is None:
        return Outcome(Reply(notice=t(loc, "didnt_understand")))
    return _answered(learning.answer(s, person, parsed[0], parsed[1], now), event.message_ref, loc)


def _answered(result: AnswerResult, ref: str, loc: str) -> Outcome:
    if result.status != "recorded" or result.delivery is None or result.feedback is None:
        return Outcome(Reply(notice=result.notice_in(loc)))
    d = result.delivery
    return Outcome(Reply(), Edit(d.channel, d.address, d.message_ref or ref, result.feedback),
                   dispatch=result.followups)


def typed_reply(s: Session, event: TextSent, person: Person, now: datetime) -> Outcome | None:
    """Answer the open question with typed text when it is an answer to it; None when it is not.

    A short or numeric question takes any reply; a choice question takes the number of a choice
    ("2"), a multiple-response one the numbers of its choices ("1, 3").
    """
    d = outbox.open_question(s, person.id, now)
    if d is None:
        return None
    text = event.text.strip()
    if typed_kind(d):
        result = learning.reply(s, person, d.id, text, now)
        return _typed_result(result, d, person.locale)
    buttons = d.payload.get("buttons", [])
    if not _NUMBERS.match(text):
        return None
    picks = [int(n) - 1 for n in re.split(r"[,;\s]+", text) if n]
    if buttons and str(buttons[-1][1]).startswith("s:"):  # multiple response: numbers of choices, then submitted
        if all(0 <= i < len(buttons) - 1 for i in picks):
            return _answered(learning.submit(s, person, d.id, now, picks), "", person.locale)
        return None
    if len(picks) == 1 and 0 <= picks[0] < len(buttons):
        return _answered(learning.answer(s, person, d.id, picks[0], now), "", person.locale)
    return None


def _typed_result(result: AnswerResult, d: Delivery, loc: str) -> Outcome:
    if result.status == "recorded" and result.feedback is not None:
        # The learner's reply sits below the question, so the feedback follows as a new message (the
        # question above it still shows its picture).
        return Outcome(Reply(messages=[replace(result.feedback, image=None)]), dispatch=result.followups)
    return Outcome(Reply(messages=[info_message(result.notice_in(loc), locale=loc)]))


def scripted_reply(question: Question, right: bool) -> str:
    """Return what a scripted learner (demo, simulation) answers: a choice number from 1, numbers, or text."""
    if question.type == "short":
        return (question.accept or ["?"])[0] if right else "no idea"
    if question.type == "numeric":
        low, high = numeric_bounds(question)
        if right:
            return f"{low if low is not None else high:g}"
        return f"{high + 1:g}" if high is not None else f"{(low or 0.0) - 1:g}"
    keyed = question.correct_indexes
    if question.type == "multiple":
        wrong = tuple(i for i in range(len(question.choices)) if i not in keyed)[:1] + keyed[:1]
        return ",".join(str(i + 1) for i in sorted(keyed if right else wrong))
    return str((keyed[0] if right else (keyed[0] + 1) % len(question.choices)) + 1)
