"""`nudgebot export`: reports as CSV or JSON on standard output."""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from bot.cli.common import (
    app,
    open_services,
    session_of,
)
from core.services import campaigns, reports

# ----------------------------------------------------------------------------- export


class ExportKind(StrEnum):
    """What `export` can write."""

    deliveries = "deliveries"
    answers = "answers"
    people = "people"
    audit = "audit"
    completions = "completions"


class ExportFormat(StrEnum):
    """Output formats for `export`."""

    csv = "csv"
    json = "json"


@app.command()
def export(kind: Annotated[ExportKind, typer.Argument(help="deliveries, answers, people, completions or audit")],
           campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
           fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or json")] = ExportFormat.csv) -> None:
    """Export deliveries, answers, people, completions or the audit log as CSV or JSON on standard output."""
    services = open_services()
    with session_of(services) as s:
        if campaign is not None:
            campaigns.get_campaign(s, campaign)
        rows = reports.REPORTS[kind.value](s, campaign)
    if fmt is ExportFormat.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    buf = io.StringIO()
    fields = list(rows[0]) if rows else reports.REPORT_FIELDS[kind.value]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else v for k, v in r.items()})
    sys.stdout.write(buf.getvalue())


