"""Pictures on Slack: a digest's chart and a lesson's picture uploaded with files upload v2 and shared in the
DM (alt text as the comment), a picture on the web as an image block; checked against the emulator."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image as PILImage

from bot.channels.slack.app import make_client
from bot.channels.slack.channel import SlackChannel
from content.campaign import CampaignSpec
from content.loader import check_paths
from core.ports import Image, OutboundMessage, RetryLater
from core.ratelimit import SharedLimiter
from core.services import campaigns, tracks
from core.services.attachments import store_pictures
from tests.helpers import make_track

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png(color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (64, 48), color).save(buf, "PNG")
    return buf.getvalue()


def test_a_digest_arrives_with_its_chart(slack_app: Any, h: Any) -> None:
    for uid, email in (("U0001", "ada@example.com"), ("UMGR", "grace@example.com")):
        slack_app.emu.add_user(uid, email=email)
    slack_app.roster(["grace@example.com,Grace Hopper,Europe/Berlin,en,,manager,UMGR,",
                      "ada@example.com,Ada Lovelace,Europe/Berlin,en,grace@example.com,learner,U0001,"])
    slack_app.campaign()
    slack_app.tick(h.NINE)
    slack_app.tick(h.START + timedelta(days=7, hours=1))
    emu = slack_app.emu
    digest = next(m for m in emu.posted("DUMGR") if "digest" in m["text"].lower())
    (chart,) = emu.shared_files("DUMGR")
    assert chart["data"].startswith(PNG_MAGIC) and len(chart["data"]) == chart["length"] > 1000
    assert chart["filename"] == "digest.png"
    assert chart["alt_txt"] == chart["initial_comment"] == "Your team's progress"
    share = next(m for m in emu.posted("DUMGR") if m.get("files") == [chart["id"]])
    assert float(share["ts"]) < float(digest["ts"])  # the chart, then the digest it illustrates
    methods = [c.method for c in emu.calls if c.method.startswith("files.")]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def publish_with_pictures(app: Any, folder: Path) -> None:
    (folder / "shield.png").write_bytes(png())
    body = make_track("pics", units=3).model_dump(mode="json", exclude_none=True)
    body["units"][0]["image"] = {"src": "shield.png", "alt": "A shield over an envelope"}
    body["units"][0]["questions"][0]["image"] = {"src": "https://example.org/fake-invoice.png",
                                                 "alt": "An invoice from an unknown sender"}
    (folder / "pics.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    result = check_paths([folder])
    assert not result.errors, result.errors
    spec = CampaignSpec.model_validate({
        "id": "pics", "track": "pics", "audience": {"all": True},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "at": "09:00",
                     "start": app.clock.now().date().isoformat()}})
    with app.services.db.session() as s:
        tracks.publish(s, result.tracks[0], app.clock.now())
        store_pictures(s, result.images, app.clock.now())
        campaigns.apply_campaign(s, spec, app.clock.now())


def test_a_lesson_picture_is_uploaded_and_a_question_picture_is_an_image_block(slack_app: Any, h: Any,
                                                                               tmp_path: Path) -> None:
    slack_app.emu.add_user("U0001", email="ada@example.com")
    slack_app.roster(["ada@example.com,Ada Lovelace,Europe/Berlin,en,,learner,U0001,"])
    (tmp_path / "track").mkdir()
    publish_with_pictures(slack_app, tmp_path / "track")
    slack_app.tick()  # plans the first nudge
    slack_app.tick(h.NINE)
    emu = slack_app.emu
    (picture,) = emu.shared_files("DU0001")
    assert picture["data"] == png() and picture["alt_txt"] == "A shield over an envelope"
    posted = emu.posted("DU0001")
    assert posted[0].get("files") == [picture["id"]]  # the picture, then its lesson, then the question
    lesson, question = posted[1], posted[2]
    assert "Lesson 1 body." in lesson["text"]
    image = next(b for b in question["blocks"] if b["type"] == "image")
    assert image == {"type": "image", "image_url": "https://example.org/fake-invoice.png",
                     "alt_text": "An invoice from an unknown sender"}
    kinds = [b["type"] for b in question["blocks"]]
    assert kinds.index("image") < kinds.index("actions")  # seen before answering
    slack_app.press("U0001", question, 0)
    h.wait_for(lambda: emu.posted("DU0001")[2]["edits"] == 1, what="the question edited into its feedback")
    answered = emu.posted("DU0001")[2]
    kinds = [b["type"] for b in answered["blocks"]]
    assert "actions" not in kinds  # no buttons left to press
    assert image in answered["blocks"]  # the picture the question asked about is still there


def test_a_refused_upload_sends_nothing_and_is_retried_whole(emulator: Any, h: Any,
                                                             shared_limiter: SharedLimiter) -> None:
    emulator.add_user("U1")
    ch = SlackChannel(make_client(h.TOKEN, emulator.api_url), limiter=shared_limiter, per_channel_interval=0)
    msg = OutboundMessage(kind="digest", text="Your week", image=Image("k", "digest.png", alt="Chart", data=png()))
    emulator.inject("files.completeUploadExternal", 1, status=429, retry_after=1)
    with pytest.raises(RetryLater):
        asyncio.run(ch.send("U1", msg))
    assert emulator.posted("DU1") == []
    ref = asyncio.run(ch.send("U1", msg))
    shares, message = emulator.posted("DU1")
    assert shares["text"] == "Chart" and ref == f"DU1:{message['ts']}" and message["text"] == "Your week"


def test_a_picture_slack_cannot_fetch_does_not_hold_the_message_back(emulator: Any, h: Any,
                                                                     shared_limiter: SharedLimiter) -> None:
    emulator.add_user("U1")
    emulator.broken_images.add("https://example.org/gone.png")
    ch = SlackChannel(make_client(h.TOKEN, emulator.api_url), limiter=shared_limiter, per_channel_interval=0)
    msg = OutboundMessage(kind="lesson", title="Unit 1", text="Read the sender's address.",
                          image=Image("", "gone.png", alt="A sender's address", url="https://example.org/gone.png"))
    asyncio.run(ch.send("U1", msg))
    (lesson,) = emulator.posted("DU1")
    assert "Read the sender" in lesson["text"] and all(b["type"] != "image" for b in lesson["blocks"])
    assert [c.error for c in emulator.calls_to("chat.postMessage")] == ["invalid_blocks", ""]
