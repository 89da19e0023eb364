"""Time one scheduler tick for N enrollments (default 10,000) on SQLite or PostgreSQL.

Usage: python benchmarks/tick_10k.py [--learners 10000] [--latency-ms 20] [--database-url URL]

The chat channel is a stand-in that takes `latency-ms` per send (no platform rate limit), so
the figures are nudgebot's own overhead: planning and queueing, then concurrent dispatch.
Real platforms cap throughput (Telegram ~30 messages/s per bot) far below this.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.dbsetup import upgrade
from bot.settings import Settings
from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from core.clock import VirtualClock
from core.ports import OutboundMessage
from core.services import campaigns, people, tracks
from scheduler.planner import plan_pending
from scheduler.worker import plan_and_queue


class LatencyChannel:
    """A ChatChannel that answers after a fixed delay and counts what it got."""

    name = "console"

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.sent = 0

    async def send(self, address: str, message: OutboundMessage) -> str:
        """Pretend to send."""
        await asyncio.sleep(self.latency)
        self.sent += 1
        return f"{address}:{self.sent}"

    async def edit(self, address: str, ref: str, message: OutboundMessage) -> None:
        """Pretend to edit."""
        await asyncio.sleep(self.latency)


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--learners", type=int, default=10_000)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        clock = VirtualClock(datetime(2027, 1, 3, 12, tzinfo=UTC))
        services = bootstrap(Settings(database_url=url, _env_file=None), clock=clock,
                             platforms=False)
        channel = LatencyChannel(args.latency_ms / 1000)
        services.channels["console"] = channel
        zones = ["Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Africa/Lagos"]
        roster = Path(tmp) / "people.csv"
        lines = ["email,name,timezone,locale,manager_email,roles,slack_id,telegram_id"]
        lines += [f"m{i}@example.org,Manager {i},Europe/Berlin,en,,manager,," for i in range(args.learners // 10)]
        lines += [f"l{i}@example.org,Learner {i},{zones[i % 4]},en,m{i // 10}@example.org,learner,,"
                  for i in range(args.learners)]
        roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
        track, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
        assert track is not None
        spec = CampaignSpec.model_validate({
            "id": "bench", "track": track.id, "audience": {"roles": ["learner"]},
            "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:00", "start": "2027-01-04"}})
        t0 = time.perf_counter()
        with services.db.session() as s:
            people.import_roster(s, roster, clock.now())
        t1 = time.perf_counter()
        with services.db.session() as s:
            tracks.publish(s, track, clock.now())
            campaigns.apply_campaign(s, spec, clock.now())
            plan_pending(s, clock.now())
        t2 = time.perf_counter()
        clock.set(datetime(2027, 1, 4, 8, 5, tzinfo=UTC))  # 09:00 Berlin/Paris/Madrid/Lagos has passed
        plan = plan_and_queue(services.db, clock.now())
        t3 = time.perf_counter()
        report = asyncio.run(services.dispatcher.run_once())
        t4 = time.perf_counter()
        n = len(report.sent)
        print(f"database: {url.split(':')[0]}  learners: {args.learners}  send latency: {args.latency_ms} ms")
        print(f"roster import:          {t1 - t0:7.2f} s")
        print(f"campaign apply + plan:  {t2 - t1:7.2f} s")
        print(f"tick: plan and queue:   {t3 - t2:7.2f} s  ({plan.lessons} lessons, {plan.due} due)")
        print(f"tick: dispatch:         {t4 - t3:7.2f} s  ({n} messages, {n / (t4 - t3):.0f} messages/s)")
        print(f"tick total:             {t4 - t2:7.2f} s")
        assert n == 2 * args.learners and channel.sent == n


if __name__ == "__main__":
    main()
