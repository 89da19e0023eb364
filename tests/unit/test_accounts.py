"""Chat identities are rows: several per person, one preferred, any platform named by a roster column."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.errors import UserError
from core.ports import CommandIssued, Sender, Unreachable
from core.services import people, reports
from tests.helpers import World

HEADER = "email,name,timezone,locale,manager_email,roles,channel,slack_id,telegram_id,teams_id\n"


def _roster(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_roster_accounts_on_any_platform_and_a_preferred_channel(world: World, tmp_path: Path) -> None:
    path = _roster(tmp_path, "ann@example.org,Ann,Europe/Berlin,en,,learner,slack,U1,42,T-9",
                   "bo@example.org,Bo,Europe/Berlin,en,,learner,,,43,")
    world.do(lambda s: people.import_roster(s, path, world.clock.now()))
    with world.session() as s:
        ann = people.find_person(s, "ann@example.org")
        assert sorted((a.platform, a.user_id) for a in ann.accounts) == [("slack", "U1"), ("teams", "T-9"),
                                                                       ("telegram", "42")]
        assert (ann.channel, ann.address) == ("slack", "U1")
        assert people.find_person(s, "teams:T-9").email == "ann@example.org"
        bo = people.find_person(s, "telegram:43")
        assert (bo.channel, bo.address) == ("telegram", "43")
        rows = {r["email"]: r for r in reports.people_rows(s)}
    assert rows["ann@example.org"]["teams_id"] == "T-9" and rows["bo@example.org"]["slack_id"] is None


def test_two_rows_with_one_chat_id_are_refused_by_line(world: World, tmp_path: Path) -> None:
    path = _roster(tmp_path, "ann@example.org,Ann,Europe/Berlin,en,,learner,,U1,,",
                   "bo@example.org,Bo,Europe/Berlin,en,,learner,,U1,,")
    with pytest.raises(UserError, match=r"people.csv:3: slack_id: U1 already appears on line 2"):
        world.do(lambda s: people.import_roster(s, path, world.clock.now()))
    with world.session() as s:
        assert reports.people_rows(s) == []


def test_a_preferred_channel_needs_an_id_column(world: World, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("email,name,timezone,channel\nann@example.org,Ann,Europe/Berlin,whatsapp\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"p.csv:2: channel: 'whatsapp' has no whatsapp_id column"):
        world.do(lambda s: people.import_roster(s, path, world.clock.now()))


def test_blocking_one_platform_falls_back_to_the_other(world: World, tmp_path: Path) -> None:
    path = _roster(tmp_path, "ann@example.org,Ann,Europe/Berlin,en,,learner,telegram,U1,42,")
    world.do(lambda s: people.import_roster(s, path, world.clock.now()))
    asyncio.run(world.services.conversation.handle(Unreachable(Sender("telegram", "42"), "blocked")))
    with world.session() as s:
        ann = people.find_person(s, "ann@example.org")
        assert (ann.status, ann.channel, ann.address) == ("active", "slack", "U1")
    asyncio.run(world.services.conversation.handle(Unreachable(Sender("slack", "U1"), "deactivated")))
    with world.session() as s:
        assert people.find_person(s, "ann@example.org").status == "deactivated"


def test_a_learner_chooses_where_to_be_nudged(world: World, tmp_path: Path) -> None:
    path = _roster(tmp_path, "ann@example.org,Ann,Europe/Berlin,en,,learner,,U1,42,")
    world.do(lambda s: people.import_roster(s, path, world.clock.now()))
    with world.session() as s:
        assert people.find_person(s, "ann@example.org").channel == "telegram"  # the newest account
    reply = asyncio.run(world.services.conversation.handle(CommandIssued(Sender("slack", "U1"), "channel",
                                                                         ["slack"])))
    assert "slack" in reply.messages[0].text
    with world.session() as s:
        assert people.find_person(s, "ann@example.org").channel == "slack"
    reply = asyncio.run(world.services.conversation.handle(CommandIssued(Sender("slack", "U1"), "channel",
                                                                         ["whatsapp"])))
    assert "slack, telegram" in reply.messages[0].text
