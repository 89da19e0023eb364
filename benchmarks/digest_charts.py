"""Time rendering digest charts: N charts (default 1,000) of P people (default 10) each.

Usage: python benchmarks/digest_charts.py [--charts 1000] [--people 10] [--weeks 6] [--fmt png|svg]

Each chart gets its own data (a manager's team), rendered one after the other in this process,
as the digest job would. The first render pays matplotlib's import and font loading; it is shown
apart from the steady-state figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta
from typing import Literal

from core.charts import PersonWeek, progress_chart


def team(people: int, weeks: int, seed: int) -> list[PersonWeek]:
    """Return a made-up team's weekly rows."""
    rng = random.Random(seed)
    rows = []
    for i in range(people):
        done, skill = 0, rng.uniform(0.4, 0.95)
        for w in range(weeks):
            k = rng.choice([0, 2, 3, 4])
            done = min(20, done + k)
            rows.append(PersonWeek(f"Learner {seed}-{i}", date(2025, 5, 5) + timedelta(weeks=w), done, 20, k,
                                   sum(rng.random() < skill for _ in range(k))))
    return rows


def main() -> None:
    """Render the charts and print the timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--charts", type=int, default=1000)
    ap.add_argument("--people", type=int, default=10)
    ap.add_argument("--weeks", type=int, default=6)
    ap.add_argument("--fmt", choices=["png", "svg"], default="png")
    args = ap.parse_args()
    fmt: Literal["png", "svg"] = args.fmt
    teams = [team(args.people, args.weeks, seed) for seed in range(args.charts)]

    t0 = time.perf_counter()
    first = progress_chart(teams[0], "Warm-up", fmt=fmt)
    cold = time.perf_counter() - t0

    times, sizes = [], [len(first)]
    start, cpu = time.perf_counter(), time.process_time()
    for i, rows in enumerate(teams[1:], start=1):
        t = time.perf_counter()
        sizes.append(len(progress_chart(rows, f"Team {i} · week to Jun 9", fmt=fmt)))
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start + cold
    cpu = time.process_time() - cpu

    print(f"{args.charts} {fmt.upper()} charts of {args.people} people x {args.weeks} weeks: {total:.1f} s total")
    # CPU time says what a chart costs even on a busy machine, where wall time also counts waiting.
    print(f"CPU time after the first chart: {cpu:.1f} s ({cpu / max(len(times), 1) * 1000:.1f} ms per chart)")
    print(f"first chart (imports, fonts): {cold * 1000:.0f} ms")
    if times:
        q = statistics.quantiles(times, n=20) if len(times) > 1 else times * 19
        print(f"per chart after that: median {statistics.median(times) * 1000:.1f} ms, "
              f"p95 {q[18] * 1000:.1f} ms, {len(times) / sum(times):.1f} charts/s")
    print(f"file size: median {statistics.median(sizes) / 1024:.0f} KiB, max {max(sizes) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
