"""Building a benchmark world: a roster of N learners over 40 zones, their managers, one campaign."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from content.campaign import CampaignSpec

# Forty zones on every continent, half of them with daylight saving time.
ZONES = [
    "Europe/Berlin", "Europe/London", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw", "Europe/Helsinki",
    "Europe/Istanbul", "Europe/Moscow", "Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi",
    "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok",
    "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Perth", "Australia/Adelaide",
    "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles",
    "America/Denver", "America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York",
    "America/Toronto", "America/Bogota", "America/Lima", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
    "Atlantic/Reykjavik",
]
START = datetime(2027, 1, 3, 12, tzinfo=UTC)  # a Sunday: nothing is due
TEAM = 20  # learners per manager


def write_roster(path: Path, learners: int, *, managers_in_file: bool = True) -> int:
    """Write a roster of `learners` plus one manager per TEAM learners; return the number of managers."""
    managers = max(1, learners // TEAM)
    with path.open("w", encoding="utf-8") as f:
        f.write("email,name,timezone,locale,manager_email,roles\n")
        if managers_in_file:
            for m in range(managers):
                f.write(f"m{m}@example.org,Manager {m},{ZONES[m % 40]},en,,manager\n")
        for i in range(learners):
            f.write(f"l{i}@example.org,Learner {i},{ZONES[i % 40]},en,m{i % managers}@example.org,learner\n")
    return managers


def write_managers(path: Path, managers: int) -> None:
    """Write a roster of just the managers (for a roster whose managers are not in the file)."""
    with path.open("w", encoding="utf-8") as f:
        f.write("email,name,timezone,locale,manager_email,roles\n")
        for m in range(managers):
            f.write(f"m{m}@example.org,Manager {m},{ZONES[m % 40]},en,,manager\n")


def campaign_spec(digest_day: str = "mon", start: str = "2027-01-04") -> CampaignSpec:
    """Return the benchmark campaign: the sample track every weekday at 09:00 local time."""
    return CampaignSpec.model_validate({
        "id": "bench", "track": "phishing-basics", "audience": {"roles": ["learner"]},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:00", "start": start},
        "digest": {"day": digest_day, "at": "08:30"}})


def peak_mb() -> float:
    """Return this process's peak resident memory in MB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def rss_mb() -> float:
    """Return this process's current resident memory in MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / (1024 * 1024)


@contextmanager
def timed(out: dict[str, float], key: str) -> Iterator[None]:
    """Store the seconds the block took under `key`."""
    t0 = time.perf_counter()
    yield
    out[key] = time.perf_counter() - t0
