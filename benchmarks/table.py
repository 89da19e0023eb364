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
            ("CPU time of that start-up (user + sys)", "s", nb.get("startup_cpu_s"), pg.get("startup_cpu_s"), None,
             None, "-"),
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
    out = ["| managers (10 reports each) | answers | plan next digests | build and queue, batched (CPU: this "
           "process + chart helper) | build one manager at a time | batched vs one at a time |",
           "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        faster = _ratio(r["batched_s"], r["per_manager_s"]).replace("less", "faster")
        one = _f(r["per_manager_s"], "s") + (f" (projected from {r['sampled']:,})" if r["sampled"] < r["managers"]
                                             else "")
        cpu = f" ({_f(r['batched_cpu_s'], 's')} + {_f(r.get('helper_cpu_s', 0.0), 's')})" \
            if "batched_cpu_s" in r else ""
        batched = _f(r["batched_s"], "s") + cpu
        answers = f"{r['answers']:,}" if "answers" in r else "-"
        out.append(f"| {r['managers']:,} | {answers} | {_f(r['plan_s'], 's')} | {batched} | {one} | {faster} |")
    return "\n".join(out)


def _times(ours: float, theirs: float, better: str = "faster") -> str:
    """Say how `ours` compares with `theirs` where less is better (latency)."""
    if ours <= 0 or theirs <= 0:
        return "-"
    r = theirs / ours
    return f"{r:.1f}x {better}" if r >= 1 else f"{1 / r:.1f}x slower"


def answer_table(results: dict[str, Any]) -> str:
    """Render the answer-path comparison: latency at 100 requests/s and throughput, beside the bare apps."""
    out = ["| platform (presses) | nudgebot | measure | nudgebot | bare app | nudgebot vs bare |",
           "|---|---|---|---:|---:|---:|"]
    for name, peer, label in (("slack", "bare_bolt", "Slack block_actions vs bare slack-bolt"),
                              ("telegram", "bare_ptb", "Telegram callback_query vs bare PTB webhook")):
        r = results.get(name)
        if r is None:
            continue
        head = f"{label} ({r['presses']:,})"
        for key, how in (("nudgebot", "one process, SQLite"), ("hand_off", "web hands off to a worker, PostgreSQL")):
            if key in r:
                out += _answer_rows(f"{head} | {how}", r[key], r[peer], r.get("in_flight", 16))
    return "\n".join(out)


def _answer_rows(head: str, ours: dict[str, Any], theirs: dict[str, Any], in_flight: int) -> list[str]:
    out = [f"| {head} | p50 at 100 requests/s | {ours['p50_ms']:.1f} ms | {theirs['p50_ms']:.1f} ms "
           f"| {_times(ours['p50_ms'], theirs['p50_ms'])} |",
           f"| {head} | p99 at 100 requests/s | {ours['p99_ms']:.1f} ms | {theirs['p99_ms']:.1f} ms "
           f"| {_times(ours['p99_ms'], theirs['p99_ms'])} |",
           f"| {head} | throughput, {in_flight} in flight | {ours['max_rps']:.0f}/s | {theirs['max_rps']:.0f}/s "
           f"| {ours['max_rps'] / theirs['max_rps']:.2f}x |",
           f"| {head} | every press recorded (after the last response) | {ours['all_recorded_s']:.1f} s | - | - |"]
    if "latency_run_recorded_s" in ours:
        out.append(f"| {head} | the 100/s run's presses recorded (after its last response) "
                   f"| {ours['latency_run_recorded_s']:.1f} s | - | - |")
    if "cpu_ms_per_press" in ours:
        cpu, peer_cpu = ours["cpu_ms_per_press"], theirs["cpu_ms_per_press"]
        out.append(f"| {head} | CPU per press (every thread of the web app) | {cpu:.1f} ms | {peer_cpu:.1f} ms "
                   f"| {_times(cpu, peer_cpu)} |")
    if "worker_cpu_ms_per_press" in ours:
        out.append(f"| {head} | CPU per press in the worker (recording, replies) "
                   f"| {ours['worker_cpu_ms_per_press']:.1f} ms | - | - |")
    if "callback_answers" in ours:
        out.append(f"| {head} | callback queries answered (exactly once) | {ours['callback_answers']:,} "
                   f"({ours['presses_answered_once']:,}) | {theirs['callback_answers']:,} "
                   f"({theirs['presses_answered_once']:,}) | - |")
    return out


def delivery_table(d: dict[str, Any]) -> str:
    """Render the delivery benchmark: each platform's share of its limit, 429s, losses and duplicates."""
    out = ["| run | nudges | accepted per second | share of the limit | 429s (share of attempts) | lost "
           "| duplicates | wall time (clock scale) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    names = {"telegram": "Telegram (30/s, 1/s per chat; strict)",
             "slack": "Slack (1/s per DM; workspace ceiling 20/s, nudgebot starts at 30/s)"}
    for r in d.get("platforms", []):
        out.append(f"| {names[r['platform']]} | {r['learners']:,} | {r['rate_per_s']:.1f} / {r['limit_per_s']:.0f} "
                   f"| {r['share']:.0%} | {r['http_429']} ({r['share_429']:.1%}) | {r['lost']} | {r['duplicates']} "
                   f"| {r['wall_s']:.0f} s (x{r['scale']:g}) |")
    p = d.get("processes")
    if p:
        out.append(f"| Telegram, web + 2 workers on PostgreSQL (real time; {p['replies']} replies sent by web) "
                   f"| {p['nudges']:,} | {p['rate_per_s']:.1f} / 30 | {p['share']:.0%} "
                   f"| {p['http_429']} ({p['http_429'] / max(1, p['attempts']):.1%}) | {p['lost']} | {p['duplicates']} "
                   f"| most in one second: {p['max_sends_in_one_second']}; closest in a chat: "
                   f"{p['closest_in_a_chat_s']:.2f} s |")
    return "\n".join(out)


def sending_table(d: dict[str, Any]) -> str:
    """Render the sending throughput: messages per second beside the 5,000/s goal, and the workers' shares."""
    out = ["| outbox on the console channel | messages | messages per second | vs 5,000/s goal | workers' shares "
           "| lost | duplicates |", "|---|---:|---:|---:|---|---:|---:|"]
    for key, name in (("sqlite", "SQLite, one worker"), ("postgres", "PostgreSQL, one worker"),
                      ("postgres_4_workers", "PostgreSQL, 4 worker processes")):
        r = d.get(key)
        if r is None:
            continue
        shares = ", ".join(f"{n:,}" for n in r.get("workers", [])) or "-"
        out.append(f"| {name} | {d['messages']:,} | {r['per_s']:,.0f} | {r['per_s'] / 5000:.2f}x | {shares} "
                   f"| {r.get('lost', 0)} | {r.get('duplicates', 0)} |")
    return "\n".join(out)


def render(results: dict[str, Any]) -> str:
    """Render every table the results hold."""
    parts = []
    if "scheduling" in results:
        parts.append(scheduling_table(results["scheduling"]))
    if "digests" in results:
        parts.append(digests_table(results["digests"]))
    if "sending" in results:
        parts.append(sending_table(results["sending"]))
    if "delivery" in results:
        parts.append(delivery_table(results["delivery"]))
    if "answer_path" in results:
        parts.append(answer_table(results["answer_path"]))
    return "\n\n".join(parts)
