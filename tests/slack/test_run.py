"""`nudgebot run` as a process, with SLACK_* pointing at the emulator: the whole path, as deployed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.dbsetup import upgrade
from content.campaign import CampaignSpec
from content.loader import load_track_file
from core.db import Database
from core.services import campaigns, people, tracks

ROOT = Path(__file__).resolve().parents[2]


def prepare(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url)
    now = datetime.now(UTC)
    roster = tmp_path / "roster.csv"
    roster.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n"
                      "ada@example.com,Ada,,,,learner,U0001,\n", encoding="utf-8")
    track, problems, _ = load_track_file(ROOT / "content" / "library" / "phishing-basics.yaml")
    assert track is not None, problems
    spec = CampaignSpec.model_validate({"id": "phish", "track": "phishing-basics", "audience": {"all": True},
                                        "schedule": {"days": ["mon"], "at": "09:00",
                                                     "start": now.date().isoformat()}})
    db = Database(db_url)
    with db.session() as s:
        people.import_roster(s, roster, now)
        tracks.publish(s, track, now)
        campaigns.apply_campaign(s, spec, now)
    db.dispose()


def test_nudgebot_run_serves_slack_against_the_emulator(tmp_path: Path, emulator: Any, h: Any) -> None:
    emulator.add_user("U0001", email="ada@example.com", tz="Asia/Tokyo")
    db_url = f"sqlite:///{tmp_path}/nb.db"
    prepare(db_url, tmp_path)
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    env.update(SLACK_BOT_TOKEN=h.TOKEN, SLACK_SIGNING_SECRET=h.SECRET, SLACK_API_URL=emulator.api_url,
               DATABASE_URL=db_url, TICK_SECONDS="0.5", LOG_LEVEL="WARNING")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            h.wait_for(lambda: _up(http), timeout=20, what="nudgebot run to answer /healthz")
            assert "slack" in http.get("/healthz").json()["channels"]
            # The worker's first tick asks Slack for Ada's time zone.
            h.wait_for(lambda: _zone(db_url) == "Asia/Tokyo", what="the zone from users.info")
            body = urlencode({"team_id": "T0001", "channel_id": "DU0001", "user_id": "U0001", "user_name": "ada",
                              "command": "/nudge", "text": "timezone", "response_url": emulator.response_url("U0001-1"),
                              "trigger_id": "1.2.3"})
            headers = {"Content-Type": "application/x-www-form-urlencoded", **h.sign(body)}
            assert http.post("/slack/events", content=body, headers=headers).status_code == 200
            reply = h.wait_for(lambda: emulator.responses, what="the /nudge reply")[0]
            assert "Asia/Tokyo" in json.dumps(reply)
            body = body.replace("timezone", "next").replace("1.2.3", "1.2.4")  # each command its own trigger_id
            headers = {"Content-Type": "application/x-www-form-urlencoded", **h.sign(body)}
            assert http.post("/slack/events", content=body, headers=headers).status_code == 200
            h.wait_for(lambda: len(emulator.posted("DU0001")) == 2, what="lesson and question DMs")
            forged = http.post("/slack/events", content=body, headers={**headers, "X-Slack-Signature": "v0=00"})
            assert forged.status_code == 401
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "Traceback" not in out, out


def _zone(db_url: str) -> str | None:
    db = Database(db_url)
    try:
        with db.session() as s:
            return people.find_person(s, "slack:U0001").timezone
    finally:
        db.dispose()


def _up(http: httpx.Client) -> bool:
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        time.sleep(0.1)
        return False
