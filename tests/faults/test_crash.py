"""Kill a worker with SIGKILL at random points while it sends, again and again; count what arrived.

The guarantee (README, Reliability): nothing is lost; Slack gets no duplicate (an orphaned send is
found by its metadata before it is re-sent); Telegram duplicates at most the messages in flight at
each kill.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from tests.faults.harness import Faults, kill, wait_for

KILLS = 3
# Each learner gets one message, so a chat's pacing only delays a send that a busy worker re-slots (a send
# woken late takes a new slot, a chat interval after its first): a second each, with the default interval.
PACING = {"TELEGRAM_CHAT_INTERVAL": "0.05", "SLACK_CHANNEL_INTERVAL": "0.05"}


def crash_run(db_url: str, tmp_path: Path, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    faults = Faults(db_url, tmp_path)
    total = len(faults.keys)
    in_flight: Counter[str] = Counter()
    try:
        for _ in range(KILLS):
            proc = faults.start(**PACING)
            before = sum(faults.delivered().values())
            target = min(total - 1, before + rng.randint(5, 45))
            wait_for(lambda t=target: sum(faults.delivered().values()) >= t or faults.statuses()["pending"] == 0,
                     60, "the worker to send")
            output = kill(proc)
            assert "Traceback" not in output, output
            in_flight.update(faults.in_flight())
        proc = faults.start(**PACING)
        wait_for(lambda: faults.statuses()["pending"] == 0, 60, "every delivery to be recorded")
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0, output
        seen = faults.delivered()
        lost = [k for k in faults.keys if seen[k] == 0]
        dupes = Counter(faults.keys[k] for k, n in seen.items() if n > 1 for _ in range(n - 1))
        assert lost == [], f"lost {len(lost)}"
        assert faults.statuses() == Counter({"sent": total})
        assert dupes["slack"] == 0, dupes
        assert dupes["telegram"] <= in_flight["telegram"], (dupes, in_flight)
        return {"messages": total, "kills": KILLS, "telegram_in_flight": in_flight["telegram"],
                "slack_in_flight": in_flight["slack"], "telegram_dupes": dupes["telegram"]}
    finally:
        faults.close()


@pytest.mark.timeout(240)
def test_sigkill_mid_send_on_sqlite_loses_nothing_and_doubles_no_slack_message(tmp_path: Path) -> None:
    figures = crash_run(f"sqlite:///{tmp_path}/crash.db", tmp_path, seed=9)
    print("crash figures (sqlite):", figures)


@pytest.mark.timeout(240)
def test_sigkill_mid_send_on_postgres_loses_nothing_and_doubles_no_slack_message(tmp_path: Path,
                                                                                  pg_url: str) -> None:
    figures = crash_run(pg_url, tmp_path, seed=10)
    print("crash figures (postgres):", figures)
