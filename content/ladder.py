"""The escalation ladder's roles and default steps, apart from the campaign schema (and pydantic) in
content/campaign.py, so the scheduler reads them without importing it."""

from __future__ import annotations

LADDER_WHO = ("learner", "manager", "skip_level")
DEFAULT_LADDER = ({"manager": 3}, {"skip_level": 5})
