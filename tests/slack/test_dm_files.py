"""A file shared in the bot's DM (an image, a voice clip) gets one kind reply a day, not silence."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.slack.test_dm import typed


def shared(user: str, filetype: str) -> dict[str, Any]:
    """A message.im event with subtype file_share, as Slack sends it when a file is dropped into the DM."""
    return {**typed(user, ""), "subtype": "file_share", "files": [
        {"id": "F0001", "name": f"thing.{filetype}", "filetype": filetype, "mimetype": f"image/{filetype}"}]}


def test_a_shared_file_gets_one_kind_reply_a_day(slack_app: Any, h: Any) -> None:
    [uid] = slack_app.learners(1)
    slack_app.tick()
    emu = slack_app.emu
    dm = emu.dm_of(uid)
    before = len(emu.posted(dm))
    assert slack_app.event(shared(uid, "png"), event_id="Ev1").status_code == 200
    h.wait_for(lambda: len(emu.posted(dm)) == before + 1, what="the kind reply")
    assert "I can only read typed words and button presses" in emu.posted(dm)[-1]["text"]
    slack_app.event(shared(uid, "m4a"), event_id="Ev2")
    slack_app.event(typed(uid, "stats"), event_id="Ev3")  # replies still flow, the file got its one answer
    h.wait_for(lambda: len(emu.posted(dm)) == before + 2, what="the stats reply")
    assert "answered 0/" in emu.posted(dm)[-1]["text"]
    slack_app.clock.set(slack_app.clock.now() + timedelta(days=1))
    slack_app.event(shared(uid, "png"), event_id="Ev4")
    h.wait_for(lambda: len(emu.posted(dm)) == before + 3, what="the next day's reply")
    # The bot's own file shares are never answered.
    slack_app.event({**shared(uid, "png"), "bot_id": "B0001"}, event_id="Ev5")
    slack_app.event(typed(uid, "stats"), event_id="Ev6")
    h.wait_for(lambda: len(emu.posted(dm)) == before + 4, what="the second stats reply")
    assert "answered" in emu.posted(dm)[-1]["text"]


def test_history_and_search_in_the_dm_and_by_slash_command(slack_app: Any, h: Any) -> None:
    from tests.slack.test_commands_home import command

    [uid] = slack_app.learners(1)
    slack_app.tick()
    slack_app.tick(h.NINE)
    emu = slack_app.emu
    dm = emu.dm_of(uid)
    count = len(emu.posted(dm))
    slack_app.event(typed(uid, "search invoice"))
    h.wait_for(lambda: len(emu.posted(dm)) == count + 1, what="the search reply")
    found = emu.posted(dm)[-1]["text"]
    assert "Lessons about invoice" in found and "What phishing is" in found and "*invoice*" in found
    listing = command(slack_app, h, uid, "history")
    assert "Your lessons" in listing and "Spotting phishing · 1/6: What phishing is" in listing
    assert "No lesson you received mentions unicorn." in command(slack_app, h, uid, "search unicorn")
