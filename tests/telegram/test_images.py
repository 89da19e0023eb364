"""Pictures on Telegram: sendPhoto with the chart uploaded (multipart) before a digest, a lesson's picture with
the lesson as its caption, a picture on the web by URL; answering a question with a picture still edits it."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import yaml
from PIL import Image as PILImage

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.limiter import TelegramLimiter
from content.campaign import CampaignSpec
from content.loader import check_paths
from core.ports import Image, OutboundMessage
from core.ratelimit import SharedLimiter
from core.services import campaigns, tracks
from core.services.attachments import store_pictures
from scheduler.planner import plan_pending
from tests.helpers import make_track
from tests.telegram.conftest import App, seed_roster
from tests.telegram.emulator import TOKEN, TelegramEmulator

MONDAY = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 Berlin
FRIDAY_DIGEST = datetime(2027, 1, 8, 16, 1, tzinfo=UTC)  # 17:01 Berlin
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png(color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (64, 48), color).save(buf, "PNG")
    return buf.getvalue()


def test_a_digest_arrives_with_its_chart(app: App, tmp_path: Path) -> None:
    emu = app.emulator
    seed_roster(app, tmp_path, ["max@example.org,Max Manager,Europe/Berlin,en,,manager,,500",
                                "ada@example.org,Ada Active,Europe/Berlin,en,max@example.org,learner,,600"])
    app.tick(MONDAY)
    app.tick(FRIDAY_DIGEST)
    shown = emu.sent_to(500)
    chart_at = next(i for i, m in enumerate(shown) if m.photo is not None)
    chart = shown[chart_at]
    assert chart.photo is not None and chart.photo["data"].startswith(PNG_MAGIC)
    # A small team's digest fits a caption: one message, the chart with the digest under it.
    assert "Weekly digest" in chart.text and "<pre>" in chart.text and "Ada Active" in chart.text
    assert not any("Weekly digest" in m.text for m in shown if m is not chart)
    upload = emu.calls_of("sendPhoto")[0]
    assert upload.params["chat_id"] == "500" and isinstance(upload.params["photo"], bytes)
    assert emu.rate_violations == []


def test_a_long_digest_follows_its_chart_captioned_with_the_alt_text(emulator: TelegramEmulator,
        shared_limiter: SharedLimiter) -> None:
    ch = TelegramChannel(TOKEN, emulator.api_url, limiter=TelegramLimiter(shared_limiter, TOKEN.split(":")[0]))
    rows = (("Learner", "Answered"), *((f"Learner {i}", f"{i}/9") for i in range(60)))
    msg = OutboundMessage(kind="digest", title="Weekly digest", text="Hi Max", table=rows,
                          image=Image("k", "digest.png", alt="Your team's progress", data=png()))

    async def go() -> str:
        try:
            return await ch.send("501", msg)
        finally:
            await ch.aclose()

    ref = asyncio.run(go())
    chart, digest = emulator.sent_to(501)
    assert chart.photo is not None and chart.photo["data"] == png() and chart.text == "Your team's progress"
    assert "Weekly digest" in digest.text and "Learner 59" in digest.text and ref == f"501:{digest.message_id}"


def test_lesson_picture_is_the_caption_and_a_web_picture_goes_by_url(app: App, tmp_path: Path) -> None:
    emu = app.emulator
    folder = tmp_path / "track"
    folder.mkdir()
    (folder / "shield.png").write_bytes(png())
    body = make_track("pics", units=3).model_dump(mode="json", exclude_none=True)
    body["units"][0]["image"] = {"src": "shield.png", "alt": "A shield over an envelope"}
    body["units"][0]["questions"][0]["image"] = {"src": "https://example.org/invoice.png",
                                                 "alt": "An invoice from an unknown sender"}
    (folder / "pics.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    result = check_paths([folder])
    assert not result.errors, result.errors
    # Ada is not a learner, so only the picture campaign (by email) reaches her.
    seed_roster(app, tmp_path, ["ada@example.org,Ada Active,Europe/Berlin,en,,manager,,600"])
    spec = CampaignSpec.model_validate({
        "id": "pics", "track": "pics", "audience": {"emails": ["ada@example.org"]},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30", "start": "2027-01-04"}})
    now = app.clock.now()
    with app.services.db.session() as s:
        tracks.publish(s, result.tracks[0], now)
        store_pictures(s, result.images, now)
        campaigns.apply_campaign(s, spec, now)
        plan_pending(s, now)
    app.tick(MONDAY)
    lesson, web_picture, question = emu.sent_to(600)
    assert lesson.photo is not None and lesson.photo["data"] == png()
    assert "Lesson 1 body." in lesson.text and lesson.text.startswith("<b>Track pics")  # the lesson is the caption
    assert web_picture.photo is not None and web_picture.photo["url"] == "https://example.org/invoice.png"
    assert web_picture.text == "An invoice from an unknown sender"
    assert question.photo is None and question.reply_markup is not None
    app.post(app.updates.callback(600, question, question.reply_markup["inline_keyboard"][0][0]["callback_data"]))
    app.settle()
    assert emu.sent_to(600)[2].edits == 1  # answered: the question (not the photo) became its feedback


def test_a_picture_telegram_cannot_fetch_does_not_hold_the_message_back(emulator: TelegramEmulator,
        shared_limiter: SharedLimiter) -> None:
    ch = TelegramChannel(TOKEN, emulator.api_url, limiter=TelegramLimiter(shared_limiter, TOKEN.split(":")[0]))
    emulator.broken_urls.add("https://example.org/gone.png")
    msg = OutboundMessage(kind="lesson", title="Unit 1", text="Read the sender's address.",
                          image=Image("", "gone.png", alt="A sender's address", url="https://example.org/gone.png"))

    async def go() -> str:
        try:
            return await ch.send("702", msg)
        finally:
            await ch.aclose()

    asyncio.run(go())
    (lesson,) = emulator.sent_to(702)
    assert lesson.photo is None and "Read the sender's address." in lesson.text
    assert len(emulator.calls_of("sendPhoto", status=400)) == 1
