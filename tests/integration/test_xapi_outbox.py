"""The xAPI outbox against a real Ralph LRS on loopback: an outage loses nothing, a restart sends nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import xapi_outbox
from bot.lrs import LRSClient
from bot.settings import Settings
from core import xapi
from core.models import XapiStatement
from core.services import statements
from tests.helpers import World, make_track
from tests.integration.test_xapi_lrs import PASSWORD, USERNAME, RalphServer

MON = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 in Berlin, just after the 09:30 nudge


@pytest.fixture
def lrs(tmp_path: Path) -> Iterator[RalphServer]:
    server = RalphServer(tmp_path / "ralph")
    server.start()
    yield server
    server.stop()


def drain(world: World, url: str) -> xapi_outbox.Drained:
    """One worker step: send what is due through a fresh client (each asyncio.run has its own loop)."""

    async def go() -> xapi_outbox.Drained:
        async with LRSClient(url, USERNAME, PASSWORD, timeout=3.0, clock=world.clock) as client:
            return await xapi_outbox.send_pending(world.db, client, world.clock)

    return asyncio.run(go())


def learn_one_day(world: World, pid: int, at: datetime, choice: int) -> None:
    world.tick(at)
    world.press(pid, world.open_question(pid).id, choice, at=at + timedelta(minutes=2))


def outbox(world: World) -> list[XapiStatement]:
    with world.session() as s:
        rows = list(s.scalars(select(XapiStatement).order_by(XapiStatement.id)))
        s.expunge_all()
        return rows


def test_statements_survive_an_outage_and_a_crash_without_duplicates(world: World, lrs: RalphServer) -> None:
    settings = Settings(database_url="sqlite://", lrs_url=lrs.url, lrs_username=USERNAME,
                        lrs_password=PASSWORD, _env_file=None)
    assert xapi_outbox.install(world.services, settings) is not None
    assert len(world.services.tick_hooks) == 1
    world.publish(make_track(units=3))
    pid = world.person("leo@example.org")
    world.campaign(["leo@example.org"])

    learn_one_day(world, pid, MON, 0)
    queued = outbox(world)
    verbs = [r.statement["verb"]["id"] for r in queued]
    assert verbs == [xapi.VERB_EXPERIENCED, xapi.VERB_ANSWERED]
    assert drain(world, lrs.url).sent == 2
    stored = lrs.stored(queued[1].statement_id)[0]
    assert stored["result"]["success"] is True and stored["result"]["response"] == "choice-0"

    lrs.stop()  # the LRS goes down; learning goes on
    learn_one_day(world, pid, MON + timedelta(days=1), 1)
    down = drain(world, lrs.url)
    assert down.sent == 0 and down.retry == 2 and down.error
    with world.session() as s:
        assert statements.counts(s) == {"pending": 2, "sent": 2, "rejected": 0}

    lrs.start()
    world.clock.set(world.clock.now() + timedelta(seconds=10))
    assert drain(world, lrs.url).sent == 0  # still backing off: the clock is injected, nothing waits
    world.clock.set(world.clock.now() + timedelta(minutes=1))
    assert drain(world, lrs.url).sent == 2

    # A crash between the LRS's answer and noting it: the row is pending again and is re-sent.
    with world.session() as s:
        s.execute(update(XapiStatement).where(XapiStatement.id == queued[0].id).values(status="pending"))
    assert drain(world, lrs.url).sent == 1
    ids = lrs.all_ids()
    mine = [r.statement_id for r in outbox(world)]
    assert len(mine) == 4 and all(r.status == "sent" for r in outbox(world))
    assert sorted(i for i in ids if i in mine) == sorted(mine)  # every statement stored exactly once


def test_without_lrs_url_nothing_is_queued(world: World) -> None:
    world.publish(make_track(units=3))
    pid = world.person("leo@example.org")
    world.campaign(["leo@example.org"])
    learn_one_day(world, pid, MON, 0)
    assert outbox(world) == [] and world.services.tick_hooks == []


def test_completions_reach_the_lrs_as_completed_and_passed_or_failed_with_score(world: World, lrs: RalphServer) -> None:
    settings = Settings(database_url="sqlite://", lrs_url=lrs.url, lrs_username=USERNAME,
                        lrs_password=PASSWORD, _env_file=None)
    xapi_outbox.install(world.services, settings)
    world.publish(make_track(units=2))
    leo, mia = world.person("leo@example.org"), world.person("mia@example.org")
    world.campaign(["leo@example.org", "mia@example.org"], end=(MON + timedelta(days=1)).date(),
                   learning={"spacing": "drip", "pass_mark": 0.75})
    for day, (leo_choice, mia_choice) in enumerate([(0, 0), (0, 1)]):
        world.tick(MON + timedelta(days=day))
        for pid, choice in ((leo, leo_choice), (mia, mia_choice)):
            world.press(pid, world.open_question(pid).id, choice, at=MON + timedelta(days=day, minutes=2))
    world.tick(MON + timedelta(days=2))  # the day after the end: both complete with their first-try score
    done = {r.statement["verb"]["id"]: r for r in outbox(world) if "result" in r.statement
            and "score" in r.statement["result"]}
    assert set(done) == {xapi.VERB_COMPLETED, xapi.VERB_PASSED, xapi.VERB_FAILED}
    assert drain(world, lrs.url).rejected == 0
    [passed] = lrs.stored(done[xapi.VERB_PASSED].statement_id)
    assert passed["result"] == {"score": {"scaled": 1.0, "raw": 2, "min": 0, "max": 2}, "completion": True,
                                "success": True}
    assert passed["object"]["definition"]["name"]["en"] == "Track drill"
    [failed] = lrs.stored(done[xapi.VERB_FAILED].statement_id)
    assert failed["result"]["score"]["scaled"] == 0.5 and failed["result"]["success"] is False
    completed = [r for r in outbox(world) if r.statement["verb"]["id"] == xapi.VERB_COMPLETED]
    assert len(completed) == 2 and all(lrs.stored(r.statement_id) for r in completed)
    # Deterministic ids: queuing a completion again adds nothing.
    with world.session() as s:
        from core.models import Completion, Person
        from core.services.tracks import latest_version, track_of

        c = s.scalars(select(Completion).where(Completion.person_id == leo)).one()
        version = latest_version(s, "drill")
        assert version is not None
        before = statements.counts(s)
        statements.on_completion(s, c, s.get(Person, leo), track_of(version))
        assert statements.counts(s) == before
        assert done[xapi.VERB_PASSED].statement_id == xapi.statement_id(settings_config(settings), "passed",
                                                                        str(c.enrollment_id))


def settings_config(settings: Settings) -> xapi.XapiConfig:
    """The xAPI configuration the app builds from its settings."""
    return xapi_outbox.config_from(settings)
