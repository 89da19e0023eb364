"""The dashboard in a real headless Chromium: sign-in by link, roles, changes by POST, and accessibility."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.models import AuditEntry, Campaign, Person
from tests.dashboard.conftest import Site

# The README's screenshots are refreshed only on request (NUDGEBOT_SCREENSHOTS=docs), so a test run
# never rewrites tracked files; otherwise they go to a scratch directory and are still checked.
DOCS = Path(__file__).resolve().parents[2] / "docs" if os.environ.get("NUDGEBOT_SCREENSHOTS") == "docs" else None
AXE = (Path(__file__).parent / "axe" / "axe-4.14.1.min.js").read_text(encoding="utf-8")


def sign_in(page: Any, site: Site, email: str) -> None:
    """Open a fresh sign-in link for `email` and press the button, as a person would."""
    page.goto(f"{site.url}/signin?token={site.token(email)}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Sign out").is_visible()


def campaign_status(site: Site) -> str:
    return str(site.world.do(lambda s: s.get(Campaign, "phishing-q1").status))


def test_admin_signs_in_by_link_and_sees_the_campaign(page: Any, site: Site, tmp_path: Path) -> None:
    sign_in(page, site, "ada@example.org")
    assert page.url.endswith("/dashboard/campaigns")
    row = page.get_by_role("row", name=re.compile("Spotting phishing"))
    assert "active" in row.inner_text() and "5" in row.inner_text()  # five learners
    row.get_by_role("link", name="Spotting phishing").click()
    page.wait_for_url(re.compile(r"/campaigns/phishing-q1$"))
    assert page.get_by_role("heading", name="Funnel").is_visible()
    for chart in page.locator("img[src*='/charts/']").all():
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    teams = page.get_by_role("table", name=re.compile("By manager's team"))
    assert "Max Manager" in teams.inner_text() and "Mia Manager" in teams.inner_text()
    weeks = page.get_by_role("table", name=re.compile("Answers by week"))
    assert "04 Jan 2027" in weeks.inner_text() and "11 Jan 2027" in weeks.inner_text()
    items = page.locator("section[aria-labelledby=items] tbody tr")
    assert items.count() >= 3
    page.set_viewport_size({"width": 1280, "height": 1400})
    shot = (DOCS or tmp_path) / "dashboard-campaign.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000  # a real picture of the page, not an empty frame


def test_manager_sees_the_team_sorts_it_and_opens_a_person(page: Any, site: Site, tmp_path: Path) -> None:
    sign_in(page, site, "max@example.org")
    assert page.url.endswith("/dashboard/team")
    table = page.get_by_role("table", name=re.compile("Reports"))
    names = table.locator("tbody th").all_inner_texts()
    assert names == ["Lea Learner", "Leo Lang", "Lin Quiet"]  # Max's reports only, by name
    assert "at risk" in table.get_by_role("row", name=re.compile("Lin Quiet")).inner_text()
    assert "struggling" in table.get_by_role("row", name=re.compile("Leo Lang")).inner_text()
    table.get_by_role("link", name=re.compile("Accuracy")).click()
    page.wait_for_url(re.compile("sort=accuracy"))
    ordered = page.get_by_role("table", name=re.compile("Reports")).locator("tbody th").all_inner_texts()
    assert ordered[0] == "Leo Lang"  # lowest accuracy first
    page.set_viewport_size({"width": 1100, "height": 380})
    shot = (DOCS or tmp_path) / "dashboard-team.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 5_000

    page.get_by_role("link", name="Lea Learner").click()
    page.wait_for_url(re.compile(r"/people/\d+$"))
    assert page.get_by_role("heading", name="Lea Learner").is_visible()
    assert "Europe/Berlin" in page.get_by_role("heading", name=re.compile("Next nudges")).inner_text()
    assert page.locator("section[aria-labelledby=deliveries] tbody tr").count() >= 6
    page.get_by_role("button", name="Snooze alert").click()
    assert "snoozed" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Nudge now").click()
    assert "Sent the next unit now" in page.get_by_role("status").inner_text()
    actions = site.world.do(lambda s: list(s.scalars(select(AuditEntry.action).where(
        AuditEntry.actor == "max@example.org"))))
    assert {"person.snooze_alert", "person.nudge"} <= set(actions)


def test_admin_pauses_and_resumes_a_campaign_with_confirmation(page: Any, site: Site) -> None:
    sign_in(page, site, "ada@example.org")
    page.goto(f"{site.url}/campaigns/phishing-q1")
    page.get_by_role("link", name="Pause…").click()
    assert page.get_by_role("heading", name=re.compile("Pause Spotting phishing")).is_visible()
    assert campaign_status(site) == "active"  # the confirmation page changes nothing
    page.get_by_role("button", name="Yes, pause the campaign").click()
    page.wait_for_url(re.compile(r"/campaigns/phishing-q1$"))
    assert "paused" in page.get_by_role("heading", level=1).inner_text()
    assert campaign_status(site) == "paused"
    page.get_by_role("link", name="Resume…").click()
    page.get_by_role("button", name="Yes, resume the campaign").click()
    page.wait_for_url(re.compile(r"/campaigns/phishing-q1$"))
    assert campaign_status(site) == "active"
    page.goto(f"{site.url}/audit?action=campaign.pause")
    assert "ada@example.org" in page.locator("#entries tbody").inner_text()


def test_roster_upload_with_a_bad_row_shows_the_line_and_changes_nothing(page: Any, site: Site,
                                                                          tmp_path: Path) -> None:
    roster = tmp_path / "people.csv"
    roster.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n"
                      "new@example.org,New Person,Europe/Berlin,en,max@example.org,learner,,\n"
                      "bad@example.org,Bad Zone,Mars/Olympus,en,,learner,,\n", encoding="utf-8")
    sign_in(page, site, "ada@example.org")
    page.get_by_role("link", name="People").click()
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Import").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Nothing was imported." in alert and "people.csv:3: timezone:" in alert
    found = site.world.do(lambda s: s.scalars(select(Person).where(Person.email == "new@example.org")).first())
    assert found is None  # all or nothing, as on the command line


def test_a_manager_cannot_open_another_teams_person(page: Any, site: Site) -> None:
    sign_in(page, site, "max@example.org")
    response = page.goto(f"{site.url}/people/{site.org.ids['lou@example.org']}")
    assert response.status == 403
    assert page.get_by_role("heading", name="Not available").is_visible()
    assert page.goto(f"{site.url}/campaigns").status == 403  # admin pages too
    assert page.goto(f"{site.url}/people/{site.org.ids['lea@example.org']}").status == 200


def test_a_reused_or_expired_link_is_refused(page: Any, site: Site) -> None:
    token = site.token("lea@example.org")
    page.goto(f"{site.url}/signin?token={token}")
    page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/dashboard/me")
    page.context.clear_cookies()
    page.goto(f"{site.url}/signin?token={token}")
    with page.expect_response(lambda r: r.request.method == "POST") as used:
        page.get_by_role("button", name="Sign in").click()
    assert used.value.status == 403
    assert "not valid any more" in page.get_by_role("main").inner_text()

    late = site.token("lea@example.org")
    site.world.clock.advance(timedelta(minutes=16))
    page.goto(f"{site.url}/signin?token={late}")
    with page.expect_response(lambda r: r.request.method == "POST") as expired:
        page.get_by_role("button", name="Sign in").click()
    assert expired.value.status == 403
    assert page.goto(f"{site.url}/me").status == 401


def test_a_post_without_the_csrf_token_is_refused(page: Any, site: Site) -> None:
    sign_in(page, site, "ada@example.org")
    bare = page.request.post(f"{site.url}/campaigns/phishing-q1/pause", form={})
    assert bare.status == 403
    wrong = page.request.post(f"{site.url}/campaigns/phishing-q1/pause", form={"csrf": "guess"})
    assert wrong.status == 403
    assert campaign_status(site) == "active"


def axe_violations(page: Any) -> list[str]:
    """Run axe-core in the page; return its serious and critical violations, one line each."""
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_every_page_has_no_serious_accessibility_violation(page: Any, site: Site) -> None:
    found: list[str] = []
    page.goto(f"{site.url}/signin?token=x")
    found += axe_violations(page)
    sign_in(page, site, "ada@example.org")
    lea = site.org.ids["lea@example.org"]
    for path in ("/campaigns", "/campaigns/phishing-q1", "/campaigns/phishing-q1/learners",
                 "/campaigns/phishing-q1/pause", "/campaigns/apply", f"/team?manager={site.org.ids['max@example.org']}",
                 f"/people/{lea}", "/people", "/content", "/content/phishing-basics",
                 "/content/phishing-basics/units/check-the-sender", "/audit", "/me", "/people/999999"):
        page.goto(site.url + path)
        found += axe_violations(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    for path in ("/campaigns/phishing-q1", f"/people/{lea}"):
        page.goto(site.url + path)
        found += axe_violations(page)
    assert found == []
