"""`nudgebot chat` and `schedule`: talk to the bot and inspect the scheduler from a terminal."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.channels.console.render import render
from bot.cli.common import (
    CLIError,
    app,
    open_services,
    out,
    parse_date,
    parse_instant,
    session_of,
)
from core.clock import Clock, SystemClock, VirtualClock
from core.models import Delivery
from core.ports import AnswerChosen, InboundEvent, OutboundMessage, Sender, TextSent
from core.render import answer_action
from core.services import chatlog, outbox, people
from core.services.progress import active_enrollments
from scheduler.forecast import forecast
from scheduler.planner import plan_pending

# ----------------------------------------------------------------------------- chat, schedule


@app.command()
def chat(as_: Annotated[str, typer.Option("--as", help="email, slack:<id> or telegram:<id>")],
         answer: Annotated[str | None, typer.Option(
             help="Answer the open question: a choice number N, choice numbers for multiple response (1,3), "
                  "or the reply to a short or numeric question.")] = None,
         press: Annotated[int | None, typer.Option(help="Press button N of the latest message with buttons "
                                                        "that is not a question (e.g. an escalation).")] = None,
         at: Annotated[str | None, typer.Option("--at", help="Pretend it is this instant.")] = None) -> None:
    """Show a person's console conversation and answer their open question (or press a message's button)."""
    clock: Clock = VirtualClock(parse_instant(at)) if at else SystemClock()
    services = open_services(clock=clock)
    with session_of(services) as s:
        person = people.find_person(s, as_)
        pid, channel, address, name = person.id, person.channel, person.address, person.name
        history = chatlog.history(s, address)
    out.print(f"[bold]Conversation with {name or as_}[/] ({channel})")
    for row, msg in history:
        out.print(render(msg, edited=row.edited_at is not None))
    last_seen = history[-1][0].id if history else 0
    if press is not None:
        _press(services, history, Sender(channel, address), press)
        return
    interactive = answer is None and sys.stdin.isatty()
    while True:
        with session_of(services) as s:
            d = outbox.open_question(s, pid, clock.now())
            open_id, payload = (d.id, dict(d.payload)) if d else (None, {})
        if open_id is None:
            if answer is not None:
                raise CLIError(f"{as_} has no open question to answer")
            out.print("No open question right now.")
            return
        hint = _how_to_answer(payload)
        if answer is None and not interactive:
            out.print(f"An open question is waiting: answer it with --answer {hint}")
            return
        given = answer if answer is not None else _ask(hint)
        if given is None:
            return
        event = _answer_event(Sender(channel, address), open_id, payload, given)
        reply = asyncio.run(services.conversation.handle(event, wait=True))
        last_seen = _show_after(services, open_id, address, last_seen)
        if reply.notice:
            out.print(reply.notice, markup=False)
        if answer is not None:
            return


def _how_to_answer(payload: dict[str, Any]) -> str:
    buttons = payload.get("buttons", [])
    if (payload.get("record") or {}).get("typed"):
        return "TEXT (your reply)"
    if buttons and str(buttons[-1][1]).startswith("s:"):
        return f"N,M (the numbers of every right choice, 1-{len(buttons) - 1})"
    return f"1..{len(buttons)}"


def _answer_event(sender: Sender, open_id: int, payload: dict[str, Any], given: str) -> InboundEvent:
    buttons = payload.get("buttons", [])
    if (payload.get("record") or {}).get("typed") or (buttons and str(buttons[-1][1]).startswith("s:")):
        return TextSent(sender, given)  # typed replies and choice numbers go through the chat's own reading
    if not given.strip().isdigit() or not 1 <= int(given) <= len(buttons):
        raise CLIError(f"--answer must be between 1 and {len(buttons)}")
    return AnswerChosen(sender, answer_action(open_id, int(given) - 1))


def _show_after(services: Any, open_id: int, address: str, last_seen: int) -> int:
    with session_of(services) as s:
        feedback = s.get(Delivery, open_id)
        if feedback is not None and feedback.payload.get("outcome"):
            out.print(render(OutboundMessage.from_dict(feedback.payload)))
        for row, m in chatlog.history(s, address, limit=10):
            if row.id > last_seen and m.kind != "feedback":
                out.print(render(m))
                last_seen = row.id
    return last_seen


def _ask(hint: str) -> str | None:
    raw = typer.prompt(f"Your answer ({hint}, empty to leave)", default="", show_default=False).strip()
    return raw or None


def _press(services: Any, history: list[tuple[Any, OutboundMessage]], sender: Sender, n: int) -> None:
    """Press button `n` (from 1) of the latest non-question message with buttons, as the console would."""
    found = [m for _, m in history if m.buttons and m.kind != "question"]
    if not found:
        raise CLIError("no message with buttons to press")
    buttons = found[-1].buttons
    if not 1 <= n <= len(buttons):
        raise CLIError(f"--press must be between 1 and {len(buttons)}")
    out.print(f"pressed [{n}] {buttons[n - 1].label}", markup=False)
    reply = asyncio.run(services.conversation.handle(AnswerChosen(sender, buttons[n - 1].action), wait=True))
    if reply.notice:
        out.print(reply.notice, markup=False)


@app.command()
def schedule(person: Annotated[str, typer.Argument(help="email, slack:<id> or telegram:<id>")],
             from_: Annotated[str | None, typer.Option("--from", help="First local date (default today).")] = None,
             days: Annotated[int, typer.Option(help="Number of days to show.")] = 14,
             as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the nudges planned for a person, computed by the worker's own code."""
    if days < 1 or days > 366:
        raise CLIError("--days must be between 1 and 366")
    services = open_services()
    now = services.clock.now()
    with session_of(services) as s:
        p = people.find_person(s, person)
        plan_pending(s, now)
        if p.timezone is None:
            raise CLIError(f"{person} has no time zone yet, so nothing is planned")
        start = parse_date(from_, "--from") if from_ else now.astimezone(_zone(p.timezone)).date()
        rows = forecast(s, p, active_enrollments(s, p.id), start, days, now)
        zone = p.timezone
    if as_json:
        print(json.dumps([{"campaign": r.campaign, "date": r.local_date.isoformat(), "utc": r.utc.isoformat(),
                           "local": r.local.isoformat(), "timezone": zone, "item": r.item,
                           "reviews": list(r.reviews), "questions": r.questions, "cap": r.cap} for r in rows],
                         indent=2))
        return
    table = Table("local time", "UTC", "campaign", "new unit", "reviews", "questions/cap", title=f"{person} ({zone})")
    for r in rows:
        table.add_row(r.local.strftime("%a %Y-%m-%d %H:%M %z"), r.utc.strftime("%Y-%m-%d %H:%M"), r.campaign,
                      r.item or "–", ", ".join(r.reviews) or "–", f"{r.questions}/{r.cap}")
    out.print(table if rows else "Nothing planned in that window.")


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


