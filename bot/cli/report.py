"""`nudgebot report CAMPAIGN`: funnel, completion and accuracy by team and manager, item analysis."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from bot.cli.common import CLIError, app, err, open_services, out, session_of
from core.services.campaign_report import CSV_FIELDS, build_report, report_dict, report_rows

# Above this many questions the item tables are built behind a progress bar.
PROGRESS_ABOVE = 50


class ReportFormat(StrEnum):
    """Output formats of `report`."""

    table = "table"
    csv = "csv"
    json = "json"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _groups(title: str, groups: list[dict[str, Any]]) -> Table:
    t = Table(title=title, title_justify="left")
    for col in ("group", "people", "completed", "completion", "answers", "accuracy"):
        t.add_column(col, justify="left" if col == "group" else "right")
    for g in groups:
        t.add_row(g["group"], str(g["people"]), str(g["completed"]), _pct(g["completion_rate"]),
                  str(g["answered"]), _pct(g["accuracy"]))
    return t


def _items(items: list[dict[str, Any]]) -> list[Table]:
    tables = []
    for it in track(items, description="item analysis", console=err, disable=len(items) <= PROGRESS_ABOVE):
        flags = ", ".join(it["flags"]) or "ok"
        t = Table(title=f"{it['question']}: {it['text'] or '(text unknown)'}", title_justify="left",
                  caption=f"n={it['n']}  difficulty {_num(it['difficulty'])}  discrimination "
                          f"{_num(it['discrimination'])}  median {it['median_answer_seconds']}s  flags: {flags}"
                          + "".join(f"\n! {h}" for h in it["hints"]),
                  caption_justify="left")
        for col in ("#", "choice", "key", "picked", "share"):
            t.add_column(col, justify="right" if col in ("#", "picked", "share") else "left")
        for c in it["choices"]:
            t.add_row(str(c["number"]), c["text"] or "?", "✓" if c["keyed_correct"] else "", str(c["count"]),
                      _pct(c["share"]))
        tables.append(t)
    return tables


def render_table(data: dict[str, Any], console: Console) -> None:
    """Print the report as Rich tables."""
    console.print(f"[bold]{data['campaign']}[/bold] {data['title']}")
    f = Table(title="Funnel", title_justify="left")
    for col in ("step", "people", "of enrolled", "of previous"):
        f.add_column(col, justify="left" if col == "step" else "right")
    for s in data["funnel"]:
        f.add_row(s["step"], str(s["count"]), _pct(s["share_of_enrolled"]), _pct(s["share_of_previous"]))
    console.print(f)
    console.print(_groups("By team (roster department)", data["by_team"]))
    console.print(_groups("By manager", data["by_manager"]))
    for t in _items(data["items"]):
        console.print(t)
    console.print("Choices are numbered from 1; difficulty is the share correct on first attempts.")


@app.command()
def report(campaign: Annotated[str, typer.Argument(help="Campaign id.")],
           fmt: Annotated[ReportFormat, typer.Option("--format", help="table, csv or json")] = ReportFormat.table,
           out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
           min_n: Annotated[int, typer.Option(help="Fewest first attempts before a question is flagged.")] = 10,
           ) -> None:
    """Report a campaign's funnel, completion and accuracy by team and manager, and item analysis."""
    if min_n < 2:
        raise CLIError(f"--min-n: must be at least 2, got {min_n}")
    services = open_services()
    with session_of(services) as s:
        built = build_report(s, campaign, min_n=min_n)
    data = report_dict(built)
    if fmt is ReportFormat.json:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt is ReportFormat.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows({k: "" if v is None else v for k, v in r.items()} for r in report_rows(built))
        text = buf.getvalue()
    else:
        if out_file is None:
            render_table(data, out)
            return
        console = Console(record=True, width=120, file=io.StringIO())
        render_table(data, console)
        text = console.export_text()
    if out_file is None:
        out.file.write(text)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CLIError(f"--out {out_file}: cannot write: {exc.strerror or exc}") from None
    out.print(f"report written to {out_file}")
