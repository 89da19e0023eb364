"""Sign-in tokens, sessions, roles, CSRF and the upload flows, through the ASGI app (no browser needed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.web import create_app
from core.models import AuditEntry, Campaign, Enrollment, Person, SignInToken
from core.services import dashboard
from tests.helpers import World, make_track

CAMPAIGN = """id: drill-c
track: drill
audience:
  emails: [lea@example.org, leo@example.org]
schedule:
  days: [mon, wed]
  at: "09:30"
  start: 2027-01-04
"""


@pytest.fixture
def org(world: World) -> dict[str, int]:
    """An admin, a manager with a report who manages someone, another team, and a published track."""
    world.publish(make_track())
    ada = world.person("ada@example.org", roles="admin", name="Ada Admin")
    max_ = world.person("max@example.org", roles="manager", name="Max Manager")
    lea = world.person("lea@example.org", manager=max_, roles="learner;manager", name="Lea Learner")
    lia = world.person("lia@example.org", manager=lea, name="Lia Skip")
    mia = world.person("mia@example.org", roles="manager", name="Mia Manager")
    leo = world.person("leo@example.org", manager=mia, name="Leo Other", tz="America/New_York")
    return {"ada": ada, "max": max_, "lea": lea, "lia": lia, "mia": mia, "leo": leo}


@pytest.fixture
def client(world: World, org: dict[str, int]) -> Iterator[TestClient]:
    world.services.settings.dashboard_url = "http://testserver/dashboard"
    with TestClient(create_app(world.services), base_url="http://testserver") as c:
        yield c


def token_for(world: World, email: str) -> str:
    return str(world.do(lambda s: dashboard.issue_sign_in(
        s, s.scalars(select(Person).where(Person.email == email)).one(), world.clock.now())))


def sign_in(client: TestClient, world: World, email: str) -> str:
    """Sign in as `email`; return the session's CSRF token."""
    token = token_for(world, email)
    form = client.get(f"/dashboard/signin?token={token}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    r = client.post("/dashboard/signin", data={"csrf": csrf.group(1), "token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/dashboard/me").text
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_tokens_are_single_use_expire_and_are_stored_hashed(world: World, org: dict[str, int]) -> None:
    token = token_for(world, "lea@example.org")
    stored = world.do(lambda s: [t.token_hash for t in s.scalars(select(SignInToken))])
    assert token not in stored and len(stored[0]) == 64
    assert world.do(lambda s: dashboard.redeem_sign_in(s, token, world.clock.now()).id) == org["lea"]
    assert world.do(lambda s: dashboard.redeem_sign_in(s, token, world.clock.now())) is None
    late = token_for(world, "lea@example.org")
    world.clock.advance(timedelta(minutes=15))
    assert world.do(lambda s: dashboard.redeem_sign_in(s, late, world.clock.now())) is None
    assert world.do(lambda s: dashboard.redeem_sign_in(s, "", world.clock.now())) is None


def test_session_cookie_is_httponly_lax_and_lasts_eight_hours(client: TestClient, world: World) -> None:
    token = token_for(world, "ada@example.org")
    form = client.get(f"/dashboard/signin?token={token}").text  # the pre-sign-in session holds the CSRF token
    value = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    r = client.post("/dashboard/signin", data={"csrf": value, "token": token}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    assert "path=/dashboard" in cookie and "secure" not in cookie
    assert client.get("/dashboard/campaigns").status_code == 200
    world.clock.advance(timedelta(hours=8, minutes=1))
    assert client.get("/dashboard/campaigns").status_code == 401


def test_cookie_is_secure_behind_https(world: World, org: dict[str, int]) -> None:
    world.services.settings.dashboard_url = "https://learn.example.org/dashboard"
    with TestClient(create_app(world.services), base_url="https://learn.example.org") as c:
        token = token_for(world, "ada@example.org")
        form = c.get(f"/dashboard/signin?token={token}").text
        value = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        r = c.post("/dashboard/signin", data={"csrf": value, "token": token}, follow_redirects=False)
        assert "secure" in r.headers["set-cookie"].lower()


def test_roles_see_only_what_they_may(client: TestClient, world: World, org: dict[str, int]) -> None:
    assert client.get("/dashboard/team").status_code == 401
    sign_in(client, world, "lia@example.org")  # a learner
    assert client.get("/dashboard/", follow_redirects=False).headers["location"].endswith("/me")
    for path in ("/team", "/campaigns", "/people", "/content", "/audit", f"/people/{org['lea']}"):
        assert client.get("/dashboard" + path).status_code == 403, path
    assert "Lia Skip" in client.get("/dashboard/me").text

    client.cookies.clear()
    sign_in(client, world, "max@example.org")
    team = client.get("/dashboard/team").text
    assert "Lea Learner" in team and "Lia Skip" not in team  # no skip-level unless allowed
    assert client.get(f"/dashboard/people/{org['lia']}").status_code == 403
    assert client.get(f"/dashboard/people/{org['leo']}").status_code == 403
    world.services.settings.dashboard_skip_level = True
    assert "Lia Skip" in client.get("/dashboard/team").text
    assert client.get(f"/dashboard/people/{org['lia']}").status_code == 200


def test_signing_out_ends_the_session(client: TestClient, world: World) -> None:
    csrf = sign_in(client, world, "ada@example.org")
    assert client.post("/dashboard/signout", data={"csrf": csrf}).status_code == 200
    assert client.get("/dashboard/campaigns").status_code == 401
    actions = world.do(lambda s: list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))))
    assert actions == ["sign_in", "sign_out"]


def test_campaign_upload_shows_cli_errors_then_previews_then_applies(client: TestClient, world: World) -> None:
    csrf = sign_in(client, world, "ada@example.org")
    bad = CAMPAIGN.replace('at: "09:30"', 'at: "25:99"')
    r = client.post("/dashboard/campaigns/apply", data={"csrf": csrf},
                    files={"campaign": ("drill.yaml", bad.encode(), "application/x-yaml")})
    assert r.status_code == 422
    assert re.search(r"drill\.yaml:7: error: schedule\.at", r.text), r.text
    r = client.post("/dashboard/campaigns/apply", data={"csrf": csrf},
                    files={"campaign": ("drill.yaml", CAMPAIGN.encode(), "application/x-yaml")})
    assert r.status_code == 200
    assert "Lea Learner" in r.text and "Europe/Berlin: Mon 04 Jan 2027 09:30" in r.text
    assert "America/New_York: Mon 04 Jan 2027 09:30" in r.text
    assert world.do(lambda s: s.get(Campaign, "drill-c")) is None  # the preview changed nothing
    r = client.post("/dashboard/campaigns/apply/confirm", data={"csrf": csrf, "name": "drill.yaml", "text": CAMPAIGN},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/campaigns/drill-c")
    n = world.do(lambda s: len(list(s.scalars(select(Enrollment).where(Enrollment.campaign_id == "drill-c")))))
    assert n == 2
    assert world.do(lambda s: s.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.apply")).one()
                    .target) == "drill-c"
    again = client.post("/dashboard/campaigns/apply", data={"csrf": csrf},
                        files={"campaign": ("other.yaml", CAMPAIGN.replace("drill-c", "other").encode(), "x")})
    assert "2 also in" in again.text and "same day and time" in again.text


def test_changes_need_the_csrf_token(client: TestClient, world: World, org: dict[str, int]) -> None:
    sign_in(client, world, "max@example.org")
    assert client.post(f"/dashboard/people/{org['lea']}/nudge", data={}).status_code == 403
    assert client.post(f"/dashboard/people/{org['lea']}/snooze", headers={"X-CSRF-Token": "x"}).status_code == 403
    assert world.do(lambda s: s.scalars(select(AuditEntry).where(AuditEntry.action.like("person.%"))).first()) is None


def test_unit_preview_uses_the_channels_renderers_and_escapes(client: TestClient, world: World) -> None:
    track = make_track("hostile", units=3)
    track.units[0].lesson = "Click <script>alert(1)</script> **now**"
    world.publish(track)
    sign_in(client, world, "ada@example.org")
    html = client.get("/dashboard/content/hostile/units/u1").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<b>now</b>" in html  # Slack's *bold* and Telegram's <b> are shown as bold
    assert html.count('class="chat-button"') >= 6  # three choices, in both channels


def test_demo_links_sign_in_admin_and_manager(tmp_path: Path, world: World, org: dict[str, int]) -> None:
    from bot.demo_serve import demo_links

    world.do(lambda s: s.delete(s.get(Person, org["ada"])))
    links = demo_links(world.services, tmp_path, "http://127.0.0.1:8000/dashboard")
    assert set(links) == {"ada@example.org", "max@example.org"}
    for url in links.values():
        token = url.split("token=")[1]
        assert world.do(lambda s, t=token: dashboard.redeem_sign_in(s, t, world.clock.now())) is not None
