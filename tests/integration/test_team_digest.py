"""Manager digests: since the previous one, team summary with change, depth 2, struggling, hardest questions,
a chart attached (the console channel writes it to a file), and `digest preview` that sends nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app as cli
from content.campaign import CampaignSpec
from core.models import Attachment, Delivery
from core.services import campaigns
from scheduler.planner import plan_pending
from tests.helpers import World, make_track

MON = date(2027, 1, 4)


def at(day: date, hh: int, mm: int, zone: str = "UTC") -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def team(world: World, **digest: object) -> dict[str, int]:
    world.publish(make_track(units=20))
    ids: dict[str, int] = {}
    ids["boss"] = world.person("boss@example.org", "America/New_York", name="Bea Boss", roles="manager")
    ids["mia"] = world.person("mia@example.org", name="Mia Manager", roles="manager;learner", manager=ids["boss"])
    ids["leo"] = world.person("leo@example.org", name="Leo Learner", manager=ids["mia"])
    ids["lia"] = world.person("lia@example.org", name="Lia Learner", manager=ids["mia"])
    ids["max"] = world.person("max@example.org", name="Max Silent", manager=ids["boss"])
    ids["oz"] = world.person("oz@example.org", "America/New_York", name="Oz Other", roles="manager")
    ids["zed"] = world.person("zed@example.org", name="Zed Zone", manager=ids["oz"])
    ids["lone"] = world.person("lone@example.org", "America/New_York", name="Lone Manager", roles="manager")
    spec = CampaignSpec.model_validate({
        "id": "c", "track": "drill", "audience": {"managers": ["boss@example.org", "oz@example.org"]},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30", "start": MON.isoformat()},
        "digest": {"day": "mon", "at": "08:30", "struggling_below": 50, "struggling_last": 3, **digest},
        # One question a day keeps the hand-counted figures below; reviews are covered elsewhere.
        "learning": {"spacing": "drip"},
    })
    with world.session() as s:
        campaigns.apply_campaign(s, spec, world.clock.now())
        plan_pending(s, world.clock.now())
    return ids


def play_week(world: World, ids: dict[str, int], first: date) -> None:
    for n in range(5):
        day = first + timedelta(days=n)
        world.tick(at(day, 9, 30, "Europe/Berlin"))
        for who, choice in (("leo", 0), ("lia", 1), ("mia", 0), ("zed", 0)):
            world.press(ids[who], world.open_question(ids[who]).id, choice, at(day, 10, 0))


def test_digest_for_a_two_level_team_with_chart(world: World, tmp_path: Path) -> None:
    ids = team(world, depth=2)
    play_week(world, ids, MON)
    world.tick(at(MON + timedelta(days=7), 9, 30, "Europe/Berlin"))
    world.tick(at(MON + timedelta(days=7), 13, 30))  # Monday 08:30 in New York
    [(_, digest)] = world.inbox(ids["boss"], "digest")
    names = [r[0] for r in digest.table[1:]]
    assert names == ["Max Silent", "Mia Manager", "  Leo Learner", "  Lia Learner"]  # reports' reports indented
    assert "Zed" not in digest.text + str(digest.table)  # only her own tree
    assert "Needs a nudge: Max Silent." in digest.text
    assert "(worth a chat, not a reminder): Lia Learner." in digest.text
    assert "**Your team**: 4 people · completion 0% · first-try accuracy 67% · active 3 · at risk 1 · struggling 1" \
        in digest.text
    assert "Hardest questions for the team:" in digest.text
    assert "“Prompt 1.1?”: 67% right; most picked wrong answer: “Wrong” (1×)" in digest.text
    # The chart went with the message: stored once, written by the console channel, its path shown.
    assert digest.image is not None and digest.image.media_type == "image/png"
    path = Path(digest.footer.split("📎 ")[1])
    assert path.read_bytes().startswith(b"\x89PNG")
    assert world.do(lambda s: s.scalar(select(func.count()).select_from(Attachment))) == 3  # boss, mia, oz
    # Mia's own digest covers Leo and Lia only; Oz sees Zed; a manager without reports gets nothing.
    [(_, mine)] = world.inbox(ids["mia"], "digest")
    assert [r[0] for r in mine.table[1:]] == ["Leo Learner", "Lia Learner"]
    [(_, oz)] = world.inbox(ids["oz"], "digest")
    assert [r[0] for r in oz.table[1:]] == ["Zed Zone"]
    assert not world.inbox(ids["lone"], "digest")

    # A week later: the digest covers the days since the previous one and shows the change.
    first = world.deliveries(ids["boss"], "digest")[0]
    play_week(world, ids, MON + timedelta(days=7))
    world.tick(at(MON + timedelta(days=14), 13, 30))
    second = world.inbox(ids["boss"], "digest")[-1][1]
    assert second.title.endswith("Mon 11 Jan – Mon 18 Jan 2027")
    assert first.due_at == at(MON + timedelta(days=7), 13, 30)
    assert "first-try accuracy 67% (±0)" in second.text and "at risk 1 (±0)" in second.text


def test_a_chart_stored_before_is_replaced_and_the_digest_queued_once(world: World) -> None:
    ids = team(world)
    play_week(world, ids, MON)
    key = f"chart:{ids['boss']}:{(MON + timedelta(days=7)).isoformat()}"  # 08:30 in New York, Monday
    world.do(lambda s: s.add(Attachment(key=key, name="old.png", media_type="image/png", data=b"old",
                                        created_at=world.clock.now())))
    world.tick(at(MON + timedelta(days=7), 13, 30))
    world.tick(at(MON + timedelta(days=7), 13, 45))  # a second tick queues nothing more
    [(_, digest)] = world.inbox(ids["boss"], "digest")
    assert digest.image is not None and digest.image.key == key
    stored = world.do(lambda s: (s.get(Attachment, key).name, s.get(Attachment, key).data[:8]))
    assert stored == ("digest.png", b"\x89PNG\r\n\x1a\n")
    assert len(world.deliveries(ids["boss"], "digest")) == 1


def test_pseudonymous_campaign_shows_no_individual_scores(world: World) -> None:
    ids = team(world)
    with world.session() as s:
        spec = CampaignSpec.model_validate({
            "id": "c", "track": "drill", "audience": {"managers": ["boss@example.org", "oz@example.org"]},
            "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30", "start": MON.isoformat()},
            "privacy": {"pseudonymous": True}, "learning": {"spacing": "drip"}})
        campaigns.apply_campaign(s, spec, world.clock.now())
    play_week(world, ids, MON)
    world.tick(at(MON + timedelta(days=7), 13, 30))
    [(_, digest)] = world.inbox(ids["mia"], "digest")
    assert digest.table == ()
    assert "Individual scores are not shown for this campaign." in digest.text
    assert "**Your team**: 2 people" in digest.text


def test_digest_preview_prints_and_writes_the_chart_and_sends_nothing(world: World, db_url: str,
                                                                     tmp_path: Path) -> None:
    ids = team(world)
    play_week(world, ids, MON)
    count = world.do(lambda s: (s.scalar(select(func.count()).select_from(Delivery)),
                                s.scalar(select(func.count()).select_from(Attachment))))
    env = {"DATABASE_URL": db_url, "COLUMNS": "200"}
    r = CliRunner().invoke(cli, ["digest", "preview", "mia@example.org", "--out", str(tmp_path / "out"),
                                 "--at", "2027-01-11T13:30:00Z"], env=env)
    assert r.exit_code == 0, r.output
    assert "Weekly digest for your team" in r.stdout and "Lia Learner" in r.stdout
    assert (tmp_path / "out" / "digest.png").read_bytes().startswith(b"\x89PNG")
    assert world.do(lambda s: (s.scalar(select(func.count()).select_from(Delivery)),
                               s.scalar(select(func.count()).select_from(Attachment)))) == count
    r = CliRunner().invoke(cli, ["digest", "preview", "lone@example.org", "--at", "2027-01-11T13:30:00Z"], env=env)
    assert r.exit_code == 1


def test_charts_drawn_by_a_helper_process_are_the_same_and_each_digest_is_queued_once(world: World) -> None:
    from scheduler.digests import process_digests

    ids = team(world)
    play_week(world, ids, MON)
    now = at(MON + timedelta(days=7), 13, 30)  # 08:30 in New York; Mia's (08:30 UTC) is still within catch-up

    def run(processes: int) -> tuple[int, dict[str, bytes], list[str]]:
        with world.session() as s:
            # One manager per batch: the helper draws one batch while the next is gathered.
            queued = process_digests(s, now, batch=1, processes=processes).digests
            charts = {key: data for key, data in s.execute(select(Attachment.key, Attachment.data))}
            keys = sorted(s.scalars(select(Delivery.key).where(Delivery.kind == "digest")))
            s.rollback()
        return queued, charts, keys

    alone, helped = run(0), run(1)
    assert alone[0] == 3 and alone[2] == sorted(f"digest:{ids[m]}:{(MON + timedelta(days=7)).isoformat()}"
                                                for m in ("boss", "mia", "oz"))
    assert helped == alone  # same digests, same chart bytes, nothing twice
