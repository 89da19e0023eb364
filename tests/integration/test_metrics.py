"""/metrics counts what the scheduler does in the web app's process (and only a process serving it pays for it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.testclient import TestClient

from bot.web import create_app
from tests.helpers import World, make_track

MON = datetime(2027, 1, 4, 8, 30, tzinfo=UTC)  # 09:30 in Berlin: the campaign's first lesson is due


def sample(text: str, name: str) -> float:
    """Return the value of the one sample line that starts with `name`."""
    found = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name)]
    assert len(found) == 1, (name, found)
    return found[0]


def test_sends_and_ticks_in_the_web_process_show_in_metrics(world: World) -> None:
    world.publish(make_track(units=2))
    world.person("leo@example.org")
    world.campaign(["leo@example.org"])
    with TestClient(create_app(world.services)) as client:
        before = client.get("/metrics").text
        sent_before = sample(before, 'nudgebot_messages_sent_total{channel="console",kind="lesson"}') \
            if 'kind="lesson"' in before else 0.0
        ticks_before = sample(before, "nudgebot_tick_seconds_count")
        report = world.tick(MON)
        after = client.get("/metrics").text
    assert [j.kind for j in report.dispatch.sent][:1] == ["lesson"]
    assert sample(after, 'nudgebot_messages_sent_total{channel="console",kind="lesson"}') == sent_before + 1
    assert sample(after, "nudgebot_tick_seconds_count") == ticks_before + 1
    assert re.search(r"^# TYPE nudgebot_messages_not_sent_total counter$", after, re.MULTILINE)
