"""Campaign spec: who gets which track, on which days and at what local time."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from content.ladder import DEFAULT_LADDER, LADDER_WHO
from content.schema import check_slug

__all__ = [
    "DEFAULT_LADDER",
    "WEEKDAYS",
    "Audience",
    "AudienceFilter",
    "GROUP_SELECTORS",
    "CampaignSpec",
    "Digest",
    "Escalation",
    "Learning",
    "Privacy",
    "Schedule",
    "parse_day",
    "parse_time",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# Far-off dates are typos or probes, and date arithmetic in the scheduler overflows near year 9999.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
# Counts of unanswered nudges; also keeps the value inside a 32-bit database integer.
MAX_ESCALATION = 1000

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[Text, AfterValidator(check_slug)]


def parse_time(value: Any) -> dt.time:
    """Convert an "HH:MM" string (or YAML 1.1 sexagesimal int) into a time of day."""
    if isinstance(value, dt.time):
        return value
    # bool is an int subclass; `at: yes` must not become 00:01.
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads unquoted 9:30 as 9*60+30 = 570. A sexagesimal always has a colon with a
        # non-zero hour in front, so it is >= 60; smaller ints are a bare number like `at: 9`.
        if 60 <= value < MINUTES_PER_DAY:
            return dt.time(value // 60, value % 60)
        raise PydanticCustomError(
            "time_format",
            'time must be written as quoted "HH:MM", e.g. "09:30" (got {value})',
            {"value": value},
        )
    if isinstance(value, str):
        m = _TIME_RE.match(value.strip())
        if m:
            hour, minute = int(m.group(1)), int(m.group(2))
            if hour < 24 and minute < 60:
                return dt.time(hour, minute)
    raise PydanticCustomError(
        "time_format",
        'time must be "HH:MM" on a 24-hour clock, e.g. "09:30" (got {value})',
        {"value": repr(value)},
    )


def parse_day(value: Any) -> str:
    """Normalise a weekday name to its lowercase three-letter form."""
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return value.strip().lower()
    raise PydanticCustomError(
        "weekday",
        "unknown day {value}; use one of {days}",
        {"value": repr(value), "days": ", ".join(WEEKDAYS)},
    )


SELECTORS = ("emails", "roles", "groups", "departments", "locations", "managers", "slack_usergroups")
# Selectors whose members a chat platform knows (selector -> platform); the bot fetches them for core.
GROUP_SELECTORS = {"slack_usergroups": "slack"}


def _check_email_list(emails: list[str], what: str) -> list[str]:
    bad = [e for e in emails if "@" not in e or e.startswith("@") or e.endswith("@")]
    if bad:
        raise PydanticCustomError("email", "{what}: not an email address: {bad}",
                                  {"what": what, "bad": ", ".join(bad)})
    return [e.lower() for e in emails]


class AudienceFilter(BaseModel):
    """Roster attributes that select people; each given key narrows, values within a key are alternatives."""

    model_config = ConfigDict(extra="forbid")

    emails: list[Text] | None = None
    roles: list[Text] | None = None
    groups: list[Text] | None = None
    departments: list[Text] | None = None
    locations: list[Text] | None = None
    managers: list[Text] | None = None
    slack_usergroups: list[Text] | None = None

    @field_validator(*SELECTORS)
    @classmethod
    def _not_empty(cls, values: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if values is None:
            return None
        if not values:
            what = "email address" if info.field_name == "emails" else f"value under {info.field_name}"
            raise PydanticCustomError("empty_audience", "list at least one {what}", {"what": what})
        if info.field_name in ("emails", "managers"):
            return _check_email_list(values, str(info.field_name))
        return values

    def selectors(self) -> list[str]:
        """Return the keys that were given."""
        return [k for k in SELECTORS if getattr(self, k) is not None]

    def chat_groups(self) -> dict[str, list[str]]:
        """Return the chat platform groups named, by platform."""
        return {platform: list(getattr(self, key)) for key, platform in GROUP_SELECTORS.items()
                if getattr(self, key) is not None}


class Audience(AudienceFilter):
    """Who a campaign is for: `all: true` or roster selectors, minus whoever `except:` names."""

    all: bool | None = None
    except_: AudienceFilter | None = Field(default=None, alias="except")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one_source(self) -> Audience:
        chosen = self.selectors()
        if self.all is False:
            raise PydanticCustomError("audience", "'all: false' selects nobody; remove it or use selectors")
        if self.all and chosen:
            raise PydanticCustomError(
                "audience",
                "'all: true' cannot be combined with {got}; narrow with those keys alone or exclude with 'except:'",
                {"got": ", ".join(chosen)})
        if not self.all and not chosen:
            raise PydanticCustomError(
                "audience",
                "give 'all: true' or at least one of {keys}",
                {"keys": ", ".join(SELECTORS)})
        return self

    @field_validator("except_")
    @classmethod
    def _except_selects(cls, value: AudienceFilter | None) -> AudienceFilter | None:
        if value is not None and not value.selectors():
            raise PydanticCustomError("audience", "'except:' needs at least one of {keys}",
                                      {"keys": ", ".join(SELECTORS)})
        return value


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: list[str]
    at: dt.time
    start: dt.date
    end: dt.date | None = None
    # Nothing is sent between these local times, e.g. "19:00-08:00"; a slot inside moves to their end.
    quiet_hours: str | None = None

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _parse_quiet(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        parts = str(value).split("-")
        if len(parts) != 2:
            raise PydanticCustomError("quiet_hours", 'quiet hours must be "HH:MM-HH:MM", e.g. "19:00-08:00"')
        start, end = (parse_time(p) for p in parts)
        if start == end:
            raise PydanticCustomError("quiet_hours", "quiet hours must start and end at different times")
        return f"{start:%H:%M}-{end:%H:%M}"

    @field_validator("days", mode="before")
    @classmethod
    def _parse_days(cls, value: Any) -> Any:
        if not isinstance(value, list):
            # A single day written as a scalar is an easy slip; accept it rather than nag.
            value = [value]
        days = [parse_day(v) for v in value]
        if not days:
            raise PydanticCustomError("no_days", "list at least one day, e.g. [mon, wed, fri]")
        dupes = sorted({d for d in days if days.count(d) > 1}, key=WEEKDAYS.index)
        if dupes:
            raise PydanticCustomError("dup_days", "day listed twice: {dupes}", {"dupes": ", ".join(dupes)})
        return days

    @field_validator("at", mode="before")
    @classmethod
    def _parse_at(cls, value: Any) -> dt.time:
        return parse_time(value)

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise PydanticCustomError(
                "date_range",
                "{value} is out of range; use a date from {lo} to {hi}",
                {"value": value.isoformat(), "lo": EARLIEST_DATE.isoformat(), "hi": LATEST_DATE.isoformat()},
            )
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> Schedule:
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError(
                "end_before_start",
                "end ({end}) is before start ({start})",
                {"end": self.end.isoformat(), "start": self.start.isoformat()},
            )
        return self




def _check_ladder(steps: list[Any]) -> list[dict[str, int]]:
    """Check ladder steps: one `who: working days` each; learner steps first, a skip_level only after a manager."""
    out: list[dict[str, int]] = []
    seen: list[str] = []
    for i, step in enumerate(steps, 1):
        if not isinstance(step, dict) or len(step) != 1:
            raise PydanticCustomError("ladder", "ladder step {i}: write it as `who: working days`", {"i": i})
        ((who, days),) = step.items()
        if who not in LADDER_WHO:
            raise PydanticCustomError("ladder", "ladder step {i}: unknown {who}; use one of {known}",
                                      {"i": i, "who": repr(who), "known": ", ".join(LADDER_WHO)})
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_ESCALATION:
            raise PydanticCustomError("ladder", "ladder step {i}: {who} needs a whole number of working days "
                                      "from 1 to {max}", {"i": i, "who": who, "max": MAX_ESCALATION})
        if who == "learner" and any(w != "learner" for w in seen):
            raise PydanticCustomError("ladder", "ladder step {i}: learner reminders come before the managers",
                                      {"i": i})
        if who in ("manager", "skip_level") and who in seen:
            raise PydanticCustomError("ladder", "ladder step {i}: {who} appears twice", {"i": i, "who": who})
        if who == "skip_level" and "manager" not in seen:
            raise PydanticCustomError("ladder", "ladder step {i}: skip_level needs a manager step before it",
                                      {"i": i})
        seen.append(who)
        out.append({who: days})
    return out


class Escalation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Unanswered questions before the reminder that comes with the day's nudge (and fewer questions a day).
    remind_after: int = Field(default=2, le=MAX_ESCALATION)
    # Superseded by `ladder`; still accepted so older campaign files load.
    manager_after: int = Field(default=4, le=MAX_ESCALATION)
    # Each step after its own grace in the learner's working days (the first counts from the first
    # unanswered question): `learner` sends one more reminder, `manager` and `skip_level` tell them.
    ladder: list[dict[str, int]] = Field(default_factory=lambda: [dict(s) for s in DEFAULT_LADDER])
    # The managers' local time for their one escalation message a day.
    at: dt.time = dt.time(9, 0)

    @field_validator("ladder", mode="before")
    @classmethod
    def _ladder(cls, value: Any) -> list[dict[str, int]]:
        if not isinstance(value, list):
            raise PydanticCustomError("ladder", "ladder must be a list of `who: working days` steps")
        return _check_ladder(value)

    @field_validator("at", mode="before")
    @classmethod
    def _parse_at(cls, value: Any) -> dt.time:
        return parse_time(value)

    @model_validator(mode="after")
    def _ordered(self) -> Escalation:
        if self.remind_after < 1:
            raise PydanticCustomError("escalation", "remind_after must be at least 1")
        if self.manager_after < self.remind_after:
            raise PydanticCustomError(
                "escalation",
                "manager_after ({m}) must be at least remind_after ({r})",
                {"m": self.manager_after, "r": self.remind_after},
            )
        return self


class Digest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: str = "mon"
    at: dt.time = dt.time(8, 30)
    # 1: direct reports; 2: their reports too.
    depth: int = Field(default=1, ge=1, le=2)
    # Flag "struggling" when first-attempt accuracy over the last `struggling_last` answers is under this %.
    struggling_below: int = Field(default=50, ge=0, le=100)
    struggling_last: int = Field(default=5, ge=1, le=100)

    @field_validator("day", mode="before")
    @classmethod
    def _parse_day(cls, value: Any) -> str:
        return parse_day(value)

    @field_validator("at", mode="before")
    @classmethod
    def _parse_at(cls, value: Any) -> dt.time:
        return parse_time(value)


SPACING = ("fsrs", "leitner", "drip", "repeat")


DEFAULT_RETENTION = 0.8  # FSRS's desired retention unless a campaign sets its own


class Learning(BaseModel):
    """How a campaign teaches: daily question cap, mastery target, pass mark and review schedule."""

    model_config = ConfigDict(extra="forbid")

    cap: int = Field(default=3, ge=1, le=50)
    mastery_days: int = Field(default=21, ge=1, le=3650)
    pass_mark: float = Field(default=0.8, ge=0, le=1)
    spacing: str = "fsrs"
    # FSRS's desired retention: a review comes when recall is predicted to fall to it. Lower asks fewer
    # reviews and leaves less remembered (README, `nudgebot simulate --retention`).
    retention: float = Field(default=DEFAULT_RETENTION, ge=0.6, le=0.95)

    @field_validator("spacing")
    @classmethod
    def _known_spacing(cls, value: str) -> str:
        if value not in SPACING:
            raise PydanticCustomError("spacing", "unknown spacing {value}; use one of {known}",
                                      {"value": repr(value), "known": ", ".join(SPACING)})
        return value


class Privacy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Managers see team aggregates and at-risk flags, not individual scores.
    pseudonymous: bool = False
    # Answers older than this many days are anonymised by the worker (None: kept).
    retention_days: int | None = Field(default=None, ge=1, le=36500)


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    title: Text | None = None
    track: Slug
    audience: Audience
    schedule: Schedule
    escalation: Escalation = Field(default_factory=Escalation)
    digest: Digest = Field(default_factory=Digest)
    learning: Learning = Field(default_factory=Learning)
    privacy: Privacy = Field(default_factory=Privacy)
