"""The benchmark table (Markdown), as the README shows it: each figure beside its peers, with ratios."""

from __future__ import annotations

from typing import Any


def _f(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        if value < 0.1:
            return f"{value * 1000:.0f} µs"
        return f"{value:.2f} ms" if value < 10 else f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    return f"{value:.0f} MB"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or ours <= 0 or theirs <= 0:
        return "-"
    r = theirs / ours
    return f"{r:.1f}x less" if r >= 1 else f"{1 / r:.1f}x more"


def scheduling_table(rows: list[dict[str, Any]]) -> str:
    """Render the scheduling comparison."""
    out = ["| learners | measure | nudgebot SQLite | nudgebot PostgreSQL | PTB JobQueue "
           "| APScheduler SQLAlchemyJobStore | nudgebot SQLite vs PTB | vs APScheduler |",
           "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        nb, pg = row["nudgebot_sqlite"], row.get("nudgebot_postgres", {})
        ptb, aps = row["ptb_jobqueue"], row["apscheduler_sqlalchemy"]
        aps_load = _f(aps["load_s"], "s") + (" (projected)" if aps.get("projected") else "")
        measures: list[tuple[str, str, Any, Any, Any, Any, str]] = [
            ("load (import + apply / add every job)", "s", nb["load_s"], pg.get("load_s"), ptb["load_s"],
             aps["load_s"], aps_load),
            ("load peak memory", "MB", nb["load_peak_mb"], pg.get("load_peak_mb"), ptb["peak_mb"], None, "-"),
            ("start-up of a tick process (PTB: re-adding every job)", "s", nb["startup_s"], pg.get("startup_s"),
             ptb["load_s"], aps["process_s"], _f(aps["process_s"], "s")),
            ("memory of that process", "MB", nb["startup_mb"], pg.get("startup_mb"), ptb["peak_mb"], aps["peak_mb"],
             _f(aps["peak_mb"], "MB")),
            ("tick with nothing due", "ms", nb["tick_ms"], pg.get("tick_ms"), ptb["tick_ms"], aps["tick_ms"],
             _f(aps["tick_ms"], "ms")),
        ]
        for name, unit, ours, on_pg, p, a, a_text in measures:
            out.append(f"| {row['learners']:,} | {name} | {_f(ours, unit)} | {_f(on_pg, unit)} | {_f(p, unit)} "
                       f"| {a_text} | {_ratio(ours, p)} | {_ratio(ours, a)} |")
        empty = row["empty"]["startup_mb"]
        out.append(f"| {row['learners']:,} | tick process memory over an empty database | "
                   f"+{nb['startup_mb'] - empty:.0f} MB | "
                   f"{'+%.0f MB' % (pg['startup_mb'] - empty) if pg else '-'} | | | | |")
    return "\n".join(out)


def digests_table(rows: list[dict[str, Any]]) -> str:
    """Render the digest comparison."""
    out = ["| managers (10 reports each) | plan next digests | build and queue, batched (CPU time) "
           "| build one manager at a time | batched vs one at a time |", "|---:|---:|---:|---:|---:|"]
    for r in rows:
        faster = _ratio(r["batched_s"], r["per_manager_s"]).replace("less", "faster")
        one = _f(r["per_manager_s"], "s") + (f" (projected from {r['sampled']:,})" if r["sampled"] < r["managers"]
                                             else "")
        cpu = f" ({_f(r['batched_cpu_s'], 's')})" if "batched_cpu_s" in r else ""
        batched = _f(r["batched_s"], "s") + cpu
        out.append(f"| {r['managers']:,} | {_f(r['plan_s'], 's')} | {batched} | {one} | {faster} |")
    return "\n".join(out)


def render(results: dict[str, Any]) -> str:
    """Render both tables."""
    parts = []
    if "scheduling" in results:
        parts.append(scheduling_table(results["scheduling"]))
    if "digests" in results:
        parts.append(digests_table(results["digests"]))
    return "\n\n".join(parts)
