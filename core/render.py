"""Turn content and progress into neutral OutboundMessages. Pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from content.pictures import stored_key
from core.i18n import N_, format_datetime, plural, status_name, translate
from core.ports import Button, Image, OutboundMessage, Outcome
from core.render_kinds import multiple_question, typed_question

if TYPE_CHECKING:
    from content.schema import ImageRef, Question, Track, Unit


def answer_action(delivery_id: int, choice_index: int) -> str:
    """Return the button payload for choosing `choice_index` on a question delivery (well under 64 bytes)."""
    return f"a:{delivery_id}:{choice_index}"


def parse_answer_action(action: str) -> tuple[int, int] | None:
    """Return (delivery id, choice index) from a button payload, or None if it is not an answer."""
    parts = action.split(":")
    if len(parts) != 3 or parts[0] != "a" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


_LIST_ITEM = re.compile(r"^\s*([-*•+]|\d+[.)])\s")


def unwrap(markdown: str) -> str:
    """Join hard-wrapped lines within paragraphs, keeping list items and blank lines, as Markdown reads them.

    Authors wrap lessons in YAML for readability; chat apps would otherwise show those breaks.
    """
    out: list[str] = []
    for line in markdown.strip().splitlines():
        stripped = line.strip()
        if not stripped:
            out.append("")
        elif out and out[-1] and not _LIST_ITEM.match(line) and not stripped.startswith(">"):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped if not _LIST_ITEM.match(line) else line.rstrip())
    return "\n".join(out)


def _first_name(name: str, locale: str) -> str:
    return name.split()[0] if name.strip() else translate(locale, "there")


def picture(ref: ImageRef | None) -> Image | None:
    """Return the Image a message carries for a lesson's or question's picture (None without one)."""
    if ref is None:
        return None
    if ref.is_url:
        return Image(key="", name=ref.name, media_type=ref.media_type, alt=ref.alt, url=ref.src)
    if ref.sha256 is None:
        return None  # never checked, so never stored: the text goes alone
    return Image(key=stored_key(ref.sha256), name=ref.name, media_type=ref.media_type, alt=ref.alt)


def lesson_message(track: Track, unit: Unit, number: int, *, locale: str = "en") -> OutboundMessage:
    """Render a unit's lesson."""
    why = "\n\n" + translate(locale, "_Why it matters:_ {why}", why=unit.why) if unit.why else ""
    return OutboundMessage(
        kind="lesson",
        title=f"{track.title} · {number}/{len(track.units)}: {unit.title}",
        text=unwrap(unit.lesson) + why,
        locale=locale,
        image=picture(unit.image),
    )


TRUE_FALSE = {"True": N_("True"), "False": N_("False")}


def choice_label(question: Question, index: int, locale: str = "en") -> str:
    """Return a choice's text as the reader sees it (true/false in the reader's language)."""
    text = question.choices[index].text
    return translate(locale, TRUE_FALSE[text]) if question.type == "true_false" and text in TRUE_FALSE else text


def question_message(question: Question, delivery_id: int, reminder: str = "", *,
                     locale: str = "en") -> OutboundMessage:
    """Render a question: one button per choice, check boxes and Submit, or a prompt to reply."""
    if question.type == "multiple":
        return replace(multiple_question(question, delivery_id, reminder, locale=locale), image=picture(question.image))
    if question.typed:
        return replace(typed_question(question, reminder, locale=locale), image=picture(question.image))
    buttons = tuple(
        Button(label=choice_label(question, i, locale), action=answer_action(delivery_id, i))
        for i in range(len(question.choices))
    )
    return OutboundMessage(kind="question", title=translate(locale, "Question"), text=question.prompt,
                           buttons=buttons, footer=reminder, locale=locale, image=picture(question.image))


def feedback_message(question: Question, choice_index: int, *, locale: str = "en") -> OutboundMessage:
    """Render the question message after an answer: the choice marked right or wrong, feedback, explanation."""
    choice = question.choices[choice_index]
    chosen, right = choice_label(question, choice_index, locale), choice_label(question, question.correct_index, locale)
    outcome = Outcome(
        chosen=chosen,
        correct=choice.correct,
        correct_choice=right,
        feedback=choice.feedback or "",
        explanation=question.explanation or "",
    )
    verdict = (translate(locale, "✅ Correct!") if choice.correct
               else translate(locale, "❌ Not quite. The correct answer is: {answer}", answer=right))
    parts = [f"*{question.prompt}*", translate(locale, "Your answer: {answer}", answer=chosen), verdict]
    if choice.feedback:
        parts.append(choice.feedback)
    if question.explanation:
        parts.append(translate(locale, "Explanation: {explanation}", explanation=question.explanation))
    return OutboundMessage(kind="feedback", title=translate(locale, "Question"), text="\n\n".join(parts),
                           outcome=outcome, locale=locale)


def reminder_message(name: str, missed: int, campaign_title: str, *, locale: str = "en") -> OutboundMessage:
    """Render a friendly reminder for a learner who has gone quiet."""
    return OutboundMessage(
        kind="reminder",
        title=translate(locale, "Friendly reminder"),
        text=plural(
            locale,
            "Hi {name}, your last question in *{campaign}* went unanswered, so it will come back "
            "on a later day. Each one takes about a minute; today's are just below.",
            "Hi {name}, your last {n} questions in *{campaign}* went unanswered, so they will come back "
            "on later days. Each one takes about a minute; today's are just below.",
            missed, name=_first_name(name, locale), campaign=campaign_title,
        ),
        locale=locale,
    )


@dataclass(frozen=True)
class Escalated:
    """One learner in a manager's daily escalation message."""

    learner_id: int
    name: str
    campaign: str
    quiet_since: datetime
    missed: int
    via: str = ""  # for the manager's manager: the direct manager's name


MAX_ESCALATION_BUTTONS = 10  # learners with buttons (two each); Slack shows at most 25 in a block


def escalation_action(kind: str, learner_id: int) -> str:
    """Return the button payload of an escalation action: `n` (nudge now) or `s` (snooze a week)."""
    return f"esc:{kind}:{learner_id}"


def parse_escalation_action(action: str) -> tuple[str, int] | None:
    """Return (kind, learner id) from an escalation button payload, or None."""
    parts = action.split(":")
    if len(parts) != 3 or parts[0] != "esc" or parts[1] not in ("n", "s") or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def escalation_message(manager_name: str, items: list[Escalated], *, locale: str = "en",
                       zone: tzinfo | None = None) -> OutboundMessage:
    """Render a manager's one escalation message of the day: every learner who crossed a step, with buttons."""
    lines = []
    for it in items:
        since = format_datetime(it.quiet_since, zone, locale, skeleton="MMMEd")
        line = plural(locale, "{learner} ({campaign}): {n} question unanswered, quiet since {date}",
                      "{learner} ({campaign}): {n} questions unanswered, quiet since {date}", it.missed,
                      learner=it.name, campaign=it.campaign, date=since)
        if it.via:
            line += " " + translate(locale, "(reports to {manager})", manager=it.via)
        lines.append(f"- {line}")
    buttons: list[Button] = []
    for it in items[:MAX_ESCALATION_BUTTONS]:
        first = _first_name(it.name, locale)
        buttons += [Button(translate(locale, "Nudge {name} now", name=first), escalation_action("n", it.learner_id)),
                    Button(translate(locale, "Snooze {name} a week", name=first),
                           escalation_action("s", it.learner_id))]
    intro = plural(locale, "Hi {name}, this learner has gone quiet. A quick word could help:",
                   "Hi {name}, these {n} learners have gone quiet. A quick word could help:", len(items),
                   name=_first_name(manager_name, locale))
    return OutboundMessage(kind="escalation", title=translate(locale, "Manager heads-up: learners gone quiet"),
                           text=f"{intro}\n\n" + "\n".join(lines), buttons=tuple(buttons), locale=locale,
                           footer=translate(locale, "Nudge now sends a reminder at once; snooze holds the alert "
                                                    "for a week."))


@dataclass(frozen=True)
class ReportLine:
    """One direct report's week, for the manager digest."""

    name: str
    answered: int
    sent: int
    accuracy: float | None
    streak: int
    last_active: datetime | None
    inactive: bool
    status: str = "active"


def digest_message(manager_name: str, week_label: str, lines: list[ReportLine], *,
                   locale: str = "en", zone: tzinfo | None = None) -> OutboundMessage:
    """Render a manager's weekly digest as a compact table (dates shown in `zone` when given)."""
    header = tuple(translate(locale, h) for h in (N_("Learner"), N_("Answered"), N_("Accuracy"), N_("Streak"),
                                                 N_("Last active")))
    rows = [header]
    for r in lines:
        acc = "–" if r.accuracy is None else f"{round(r.accuracy * 100)}%"
        last = format_datetime(r.last_active, zone, locale, "day") if r.last_active else translate(locale, "never")
        name = r.name + (f" ({status_name(r.status, locale)})" if r.status != "active" else "")
        rows.append((name, f"{r.answered}/{r.sent}", acc, str(r.streak), last))
    inactive = [r.name for r in lines if r.inactive]
    summary = (translate(locale, "Needs a nudge: {names}.", names=", ".join(inactive)) if inactive
               else translate(locale, "Everyone on your team is keeping up."))
    return OutboundMessage(
        kind="digest",
        title=translate(locale, "Weekly digest for your team · {week}", week=week_label),
        text=translate(locale, "Hi {name}, here is how your team did this week. {summary}",
                       name=_first_name(manager_name, locale), summary=summary),
        table=tuple(rows),
        locale=locale,
    )


def info_message(text: str, title: str = "", *, locale: str = "en") -> OutboundMessage:
    """Render a plain informational message (text already in the reader's language)."""
    return OutboundMessage(kind="info", title=title, text=text, locale=locale)
