"""`nudgebot demo --auto`: the whole story through the real scheduler, on the console channel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_auto_tells_the_whole_story(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "nudgebot"
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")}
    env["COLUMNS"] = "120"
    r = subprocess.run([str(exe), "demo", "--auto"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=120, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stdout + r.stderr
    out = r.stdout
    assert "lesson" in out  # a lesson panel
    assert "Spotting phishing · 1/6" in out
    assert "question" in out and "What is a phishing message usually trying to get you to do?" in out
    assert "Correct" in out
    assert "Not quite" in out
    assert "Explanation" in out
    assert "Friendly reminder" in out
    # Max gets one batched escalation with buttons, presses "Nudge Lea now", and later hears it was resolved.
    assert "Manager heads-up: learners gone quiet" in out
    assert "[1] Nudge Lea now" in out and "[2] Snooze Lea a week" in out
    assert "Max presses [Nudge Lea now]" in out and "Reminder sent to Lea Learner." in out
    assert "Resolved since your last digest" in out
    assert "Weekly digest for your team" in out
    assert "Lea doesn't answer today." in out
    # Tuesday's mistakes come back as reviews on a later day, and the track ends in a completion with a score.
    tuesday, rest = out.split("Tuesday 05 January 2027", 1)[1].split("Wednesday 06 January 2027", 1)
    assert "Not quite" in tuesday and "A review: you met this question before." in rest
    wrong_prompt = tuesday.split("Not quite")[0].rsplit("│ ", 3)[0]
    assert wrong_prompt
    assert "completed on 2027-" in out and "score 82%" in out and "(pass mark 60%)" in out
    assert not list(tmp_path.iterdir())  # the demo cleans up after itself


def test_demo_shows_every_question_kind_with_the_password_track(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "nudgebot"
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")}
    env["COLUMNS"] = "120"
    r = subprocess.run([str(exe), "demo", "--auto", "--track", "password-habits"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    out = r.stdout
    assert "Password habits that hold · 1/5" in out and "[5] Submit ✔" in out and "☐ Making it longer" in out
    assert "Lea types: 1,2" in out and "Reply with your answer." in out and "Reply with a number." in out
    tuesday = out.split("Tuesday 05 January 2027", 1)[1].split("Wednesday 06 January 2027", 1)[0]
    assert "❌ Not quite. The correct answer is: 4" in tuesday and "Four. Fewer random words" in tuesday
    assert "completed on 2027-" in out
    bad = subprocess.run([str(exe), "demo", "--auto", "--track", "nope"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=60, check=False)
    assert bad.returncode != 0 and "--track: no library track 'nope'" in bad.stderr + bad.stdout
