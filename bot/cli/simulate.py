"""`nudgebot simulate`: compare FSRS reviews, Leitner, a plain drip and a fixed repeat on a synthetic cohort."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import app, out
from content.campaign import DEFAULT_RETENTION


@app.command()
def simulate(learners: Annotated[int, typer.Option(min=1, max=2000, help="Learners per schedule.")] = 20,
             days: Annotated[int, typer.Option(min=1, max=365, help="Calendar days to run.")] = 30,
             seed: Annotated[int, typer.Option(help="Random seed (same seed, same result).")] = 1,
             retention: Annotated[float, typer.Option(min=0.6, max=0.95,
                                                      help="FSRS's desired retention (learning.retention).")]
             = DEFAULT_RETENTION,
             markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False) -> None:
    """Run a synthetic cohort through the real planner and dispatcher; compare fsrs, leitner, drip and repeat."""
    from bot.simulation import simulate as run
    from bot.simulation import table

    rows = table(run(learners, days, seed, retention))
    if markdown:
        print("| " + " | ".join(rows[0]) + " |")
        print("|" + "---|" * len(rows[0]))
        for r in rows[1:]:
            print("| " + " | ".join(r) + " |")
        return
    t = Table(title=f"{learners} learners per schedule, {days} days, seed {seed}, fsrs retention {retention:g}")
    for h in rows[0]:
        t.add_column(h)
    for r in rows[1:]:
        t.add_row(*r)
    out.print(t)
