"""Render a manager's digest (core/services/team_digest.py) as a neutral message; the chart is separate."""

from __future__ import annotations

from datetime import tzinfo

from core.i18n import N_, format_datetime, status_name, translate
from core.ports import Image, OutboundMessage
from core.services.team_digest import Summary, TeamDigest

__all__ = ["digest_text", "render_digest"]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def _change(now: float | int | None, before: object, percent: bool) -> str:
    """Return ' (+4)' for the change since the previous digest, '' when there is nothing to compare."""
    if now is None or not isinstance(before, int | float) or isinstance(before, bool):
        return ""
    delta = round((now - before) * 100) if percent else round(now - before)
    return f" ({delta:+d})" if delta else " (±0)"


def _summary_line(s: Summary, prev: dict[str, object] | None, locale: str) -> str:
    p = prev or {}
    return translate(
        locale, "**Your team**: {people} people · completion {completion} · first-try accuracy {accuracy} · "
        "active {active} · at risk {at_risk} · struggling {struggling}",
        people=s.people,
        completion=_pct(s.completion) + _change(s.completion, p.get("completion"), True),
        accuracy=_pct(s.accuracy) + _change(s.accuracy, p.get("accuracy"), True),
        active=f"{s.active}{_change(s.active, p.get('active'), False)}",
        at_risk=f"{s.at_risk}{_change(s.at_risk, p.get('at_risk'), False)}",
        struggling=f"{s.struggling}{_change(s.struggling, p.get('struggling'), False)}")


def digest_text(d: TeamDigest, manager_name: str, locale: str, zone: tzinfo | None) -> tuple[str, str]:
    """Return the digest's (period label, Markdown body)."""
    start = format_datetime(d.since, zone, locale, "day")
    end = format_datetime(d.now, zone, locale, "day_year")
    first = manager_name.split()[0] if manager_name.strip() else ""
    parts = [translate(locale, "Hi {name}, here is how your team did from {start} to {end}.",
                       name=first, start=start, end=end).replace("Hi ,", "Hi,"),
             _summary_line(d.summary, d.previous, locale)]
    at_risk = [ln.name for ln in d.lines if ln.at_risk]
    if at_risk:
        parts.append(translate(locale, "Needs a nudge: {names}.", names=", ".join(at_risk)))
    struggling = [ln.name for ln in d.lines if ln.struggling]
    if struggling:
        parts.append(translate(locale, "Struggling with the questions lately (worth a chat, not a reminder): "
                               "{names}.", names=", ".join(struggling)))
    if d.resolved:
        parts.append(translate(locale, "Resolved since your last digest (answering again after an escalation): "
                               "{names}.", names=", ".join(d.resolved)))
    if d.hardest:
        parts.append(translate(locale, "Hardest questions for the team:"))
        for h in d.hardest:
            parts.append("• " + translate(locale, "“{prompt}”: {share} right; most picked wrong answer: "
                                          "“{choice}” ({n}×)", prompt=h.prompt, share=_pct(h.correct),
                                          choice=h.wrong_choice, n=h.wrong_picks))
    if d.pseudonymous:
        parts.append(translate(locale, "Individual scores are not shown for this campaign."))
    return f"{start} – {end}", "\n".join(parts)


def render_digest(d: TeamDigest, manager_name: str, locale: str, zone: tzinfo | None,
                  image: Image | None = None) -> OutboundMessage:
    """Render the digest with a line per report (no scores when pseudonymous) and an optional chart."""
    label, text = digest_text(d, manager_name, locale, zone)
    header = tuple(translate(locale, h) for h in (N_("Learner"), N_("Progress"), N_("Answered"), N_("Accuracy"),
                                                  N_("Streak"), N_("Last active")))
    rows: list[tuple[str, ...]] = [header]
    if not d.pseudonymous:
        for ln in d.lines:
            s = ln.stats
            name = ("  " * (ln.depth - 1)) + ln.name + (
                f" ({status_name(ln.status, locale)})" if ln.status != "active" else "")
            last = format_datetime(s.last_active, zone, locale, "day") if s.last_active else translate(locale,
                                                                                                       "never")
            rows.append((name, f"{ln.done}/{ln.total}", f"{s.answered}/{s.sent}", _pct(s.accuracy), str(s.streak),
                         last))
    return OutboundMessage(
        kind="digest",
        title=translate(locale, "Weekly digest for your team · {week}", week=label),
        text=text,
        table=tuple(rows) if len(rows) > 1 else (),
        locale=locale,
        image=image,
        record={"summary": d.summary.as_dict()},
    )
