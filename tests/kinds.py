"""A small track with one unit asking each new question kind in turn: multiple response, short, numeric."""

from __future__ import annotations

import copy
from typing import Any

from content.schema import Track

KINDS_TRACK: dict[str, Any] = {
    "id": "kinds", "title": "Question kinds", "objective": "Answer every kind.",
    "units": [{
        "id": "u1", "title": "All kinds", "lesson": "Paris is the capital of France. Pi is about 3.14.",
        "questions": [
            {"id": "cities", "type": "multiple", "prompt": "Which are capitals?",
             "choices": [{"text": "Paris", "correct": True, "feedback": "Capital of France."},
                         {"text": "Lyon", "feedback": "A big city, not a capital."},
                         {"text": "Berlin", "correct": True, "feedback": "Capital of Germany."},
                         {"text": "Munich"}],
             "explanation": "Capitals host the government."},
            {"id": "capital", "type": "short", "prompt": "What is the capital of France?",
             "accept": ["Paris", "Paree"], "typos": 1,
             "feedback": {True: "Yes, Paris.", False: "It is Paris."},
             "explanation": "Paris has been the capital for centuries."},
            {"id": "pi", "type": "numeric", "prompt": "Pi to two decimals?", "answer": 3.14, "tolerance": 0.005,
             "feedback": {True: "Spot on.", False: "Pi is about 3.14."},
             "explanation": "Pi is the ratio of a circle's circumference to its diameter."},
        ],
    }, {
        "id": "u2", "title": "Later", "lesson": "More later.",
        "questions": [{"id": "later", "prompt": "Later?", "choices": [{"text": "Yes", "correct": True},
                                                                     {"text": "No"}], "explanation": "Later."}],
    }],
}


def kinds_track(first: str = "cities") -> Track:
    """Return the question-kinds test track, its first unit starting with question `first`."""
    body = copy.deepcopy(KINDS_TRACK)
    questions = body["units"][0]["questions"]
    at = next(i for i, q in enumerate(questions) if q["id"] == first)
    body["units"][0]["questions"] = questions[at:] + questions[:at]
    return Track.model_validate(body)
