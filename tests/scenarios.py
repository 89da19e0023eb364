"""A small track with a branching scenario, shared by the console, Slack and Telegram scenario tests."""

from __future__ import annotations

from typing import Any

from content.schema import Track

CALLER = "A caller from 'IT' asks for the code your phone just showed. What do you do?"
LEAKED = "He is now signed in as you. What do you do next?"
CHECKED = "The help desk has no ticket for you. What do you do with the caller's number?"
AFTER = "Which number do you use to reach the help desk?"

READ_OUT = "He signs in as you at once: the code was the last thing protecting your account."
HUNG_UP = "Good call. The real help desk, on the number you know, has never heard of him."
REPORTED = "Right. Security locks the account within minutes and the damage stays small."
KEPT_QUIET = "He reads your mail for a week before anyone notices."
FORWARDED = "Right. Security blocks the number and warns your colleagues."


def scenario_body(track_id: str = "drill") -> dict[str, Any]:
    """Return the raw body of a track whose first unit plays a two-step scenario, then asks one more question."""
    def choice(text: str, feedback: str, correct: bool = False, nxt: str | None = None) -> dict[str, Any]:
        return {"text": text, "feedback": feedback, "correct": correct, **({"next": nxt} if nxt else {})}

    return {
        "id": track_id, "title": "Vishing", "objective": "Hang up and call back.", "units": [
            {"id": "u1", "title": "The phone call", "why": "Attackers call too.", "lesson": "Callers lie.",
             "questions": [
                 {"id": "call", "prompt": CALLER, "choices": [
                     choice("Read the code out", READ_OUT, nxt="leaked"),
                     choice("Hang up and call the help desk", HUNG_UP, correct=True, nxt="checked")]},
                 {"id": "leaked", "prompt": LEAKED, "choices": [
                     choice("Report it to security now", REPORTED, correct=True),
                     choice("Keep quiet and hope", KEPT_QUIET)]},
                 {"id": "checked", "prompt": CHECKED, "choices": [
                     choice("Forward it to security", FORWARDED, correct=True),
                     choice("Call him back", "He has a new story ready.")]},
                 {"id": "after", "prompt": AFTER, "choices": [
                     choice("The one on the intranet", "Yes.", correct=True),
                     choice("The one the caller gave", "No.")]},
             ]},
            {"id": "u2", "title": "Two", "lesson": "More.", "questions": [
                {"id": "u2-q1", "prompt": "Pick one?", "choices": [
                    choice("Right", "Yes.", correct=True), choice("Wrong", "No.")]}]},
        ]}


def scenario_track(track_id: str = "drill") -> Track:
    """Return the scenario track, validated."""
    return Track.model_validate(scenario_body(track_id))
