"""The App Home tab: progress, streak, the next nudge in the reader's time and language, and buttons.

The buttons (next lesson, pause a week, resume, language) carry a command in their value; the app hands
it to the conversation like a typed `/nudge` command (see `home_command`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.channels.slack.render import (
    BUTTON_LABEL_MAX,
    Block,
    context,
    escape,
    header,
    mrkdwn_sections,
    plain,
    sections,
    table_blocks,
)
from core.i18n import LANGUAGES, N_, status_name, translate, typed_word

HOME_ACTION = "home:"  # action_id prefix of the Home tab's buttons and language menu
HOME_COMMANDS = frozenset({"next", "pause", "resume", "language"})
PAUSE_DAYS = 7


@dataclass(frozen=True)
class CampaignLine:
    """One campaign as its learner sees it on the Home tab."""

    title: str
    done: int
    total: int
    status: str
    next_nudge: str  # already formatted in the learner's zone, or "" when nothing is planned


@dataclass(frozen=True)
class TeamLine:
    """One direct report, for a manager's compact view."""

    name: str
    answered: int
    sent: int
    accuracy: float | None
    streak: int
    status: str


@dataclass(frozen=True)
class HomeData:
    """What the Home tab shows one person."""

    name: str
    known: bool = True
    campaigns: list[CampaignLine] = field(default_factory=list)
    streak: int = 0
    accuracy: float | None = None
    answered: int = 0
    timezone: str = ""
    paused_until: str = ""
    status: str = "active"
    team: list[TeamLine] | None = None
    locale: str = "en"  # the reader's language


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def home_view(data: HomeData) -> dict[str, Any]:
    """Return the views.publish Home view for a learner (and their team, for a manager)."""
    loc = data.locale
    blocks: list[Block] = [header(translate(loc, "Hi {name}!", name=data.name.split()[0]) if data.name
                                  else translate(loc, "Hi!"))]
    if not data.known:
        blocks += sections(translate(loc, "You are not enrolled in any campaign yet. "
                                          "Ask your learning admin to add you."))
        return {"type": "home", "blocks": blocks}
    if data.status == "paused":
        state = (translate(loc, "⏸ Paused until {date}. Use `/nudge resume` to pick up again.", date=data.paused_until)
                 if data.paused_until else translate(loc, "⏸ Paused. Use `/nudge resume` to pick up again."))
    else:
        state = "" if data.status == "active" else translate(loc, "Status: {status}",
                                                             status=status_name(data.status, loc))
    summary = translate(loc, "🔥 *Streak:* {streak}   🎯 *Accuracy:* {accuracy}   ✍️ *Answered:* {answered}",
                        streak=data.streak, accuracy=_pct(data.accuracy), answered=data.answered)
    if data.timezone:
        summary += "\n" + translate(loc, "🕒 Your time zone: {zone}", zone=escape(data.timezone))
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": summary}})
    if state:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": state}})
    blocks.append(home_actions(data))
    blocks.append({"type": "divider"})
    if data.campaigns:
        lines = []
        for c in data.campaigns:
            bar = _bar(c.done, c.total)
            nxt = translate(loc, "next nudge {when}", when=c.next_nudge) if c.next_nudge else (
                translate(loc, "finished 🎉") if c.status == "completed" else translate(loc, "nothing planned yet"))
            lessons = translate(loc, "{done}/{total} lessons", done=c.done, total=c.total)
            lines.append(f"*{escape(c.title)}*\n{bar} {lessons} · {escape(nxt)}")
        blocks += mrkdwn_sections("\n\n".join(lines))
    else:
        blocks += sections(translate(loc, "No campaigns right now."))
    if data.team is not None:
        blocks.append({"type": "divider"})
        blocks.append(header(translate(loc, "Your team")))
        rows: list[tuple[str, ...]] = [tuple(translate(loc, h) for h in (
            N_("Learner"), N_("Answered"), N_("Accuracy"), N_("Streak")))]
        for t in data.team:
            name = t.name + (f" ({status_name(t.status, loc)})" if t.status != "active" else "")
            rows.append((name, f"{t.answered}/{t.sent}", _pct(t.accuracy), str(t.streak)))
        blocks += table_blocks(tuple(rows)) if data.team else sections(translate(loc, "No direct reports yet."))
    blocks.append(context(translate(loc, "Commands: `/nudge stats`, `/nudge next`, "
                                         "`/nudge pause [10d | {until} 2027-02-01]`, `/nudge resume`, "
                                         "`/nudge timezone [Area/City]`, `/nudge help`",
                                    until=typed_word(loc, "until"))))
    return {"type": "home", "blocks": blocks[:100]}


def _button(label: str, command: str, style: str = "") -> Block:
    button: Block = {"type": "button", "action_id": HOME_ACTION + command.split()[0],
                     "text": plain(label, BUTTON_LABEL_MAX), "value": command}
    return {**button, "style": style} if style else button


def home_actions(data: HomeData) -> Block:
    """Return the Home tab's buttons: next lesson, pause a week or resume, and a language menu."""
    loc = data.locale
    elements = [_button(translate(loc, "▶️ Next lesson"), "next", "primary")]
    if data.status == "paused":
        elements.append(_button(translate(loc, "Resume"), "resume"))
    else:
        elements.append(_button(translate(loc, "⏸ Pause a week"), f"pause {PAUSE_DAYS}"))
    options = [{"text": plain(name, BUTTON_LABEL_MAX), "value": f"language {code}"} for code, name in LANGUAGES.items()]
    current = next((o for o in options if o["value"] == f"language {data.locale}"), None)
    menu: Block = {"type": "static_select", "action_id": HOME_ACTION + "language",
                   "placeholder": plain(translate(loc, "Language"), 150), "options": options}
    if current is not None:
        menu["initial_option"] = current
    return {"type": "actions", "block_id": "home_actions", "elements": [*elements, menu]}


def home_command(action: dict[str, Any]) -> tuple[str, list[str]] | None:
    """Return the (command, args) a Home tab button or menu choice stands for, or None if it is not one."""
    if not str(action.get("action_id", "")).startswith(HOME_ACTION):
        return None
    option = action.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else action.get("value")
    words = str(value or "").split()
    if not words or words[0] not in HOME_COMMANDS or len(words) > 2:
        return None
    return words[0], words[1:]


def _bar(done: int, total: int, width: int = 10) -> str:
    filled = 0 if total <= 0 else round(width * min(done, total) / total)
    return "▰" * filled + "▱" * (width - filled)
