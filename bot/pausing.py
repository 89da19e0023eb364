"""`pause` typed in chat, read in the learner's language: `pause 10d`, `pause until 2027-02-01`,
`pause bis 01.02.2027`, and the one-line reply to a pause the bot won't take."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from bot.i18n import format_date, t
from core.i18n import fold_typed, parse_date, typed_word, typed_words

MAX_DAYS = 3650
_COUNT = re.compile(r"(\d{1,6}) ?(.*)")
EXAMPLE_DAYS = 14  # how far ahead the example date in a refusal lies, so copying it works


class PauseRefused(ValueError):
    """A pause the bot won't take; `key` names the reply in bot.i18n.MESSAGES, `kw` fills it."""

    def __init__(self, key: str, **kw: Any) -> None:
        super().__init__(key)
        self.key = key
        self.kw = kw


def pause_until(args: list[str], today: date, locale: str | None) -> date | None:
    """Read `pause`, `pause 10`, `pause 10d` or `pause until DATE`: the last day away (None: open).

    The word before the date may be the reader's own ("bis", "hasta el") and the date their short
    numeric one (01.02.2027) as well as ISO. Raise PauseRefused for anything else, or a date already past.
    """
    words = [fold_typed(a) for a in args]
    if not words:
        return None
    days = _days(words, locale)
    if days is not None:
        return today + timedelta(days=days - 1)
    # The longest spelling first, so "bis zum" is not read as "bis" followed by the date "zum …".
    for spelling in sorted(typed_words(locale, "until"), key=lambda w: -len(w.split())):
        n = len(spelling.split())
        if words[:n] == spelling.split() and len(words) > n:
            typed = " ".join(args[n:])
            try:
                until = parse_date(typed, locale)
            except ValueError:
                raise PauseRefused("pause_bad_date", text=typed) from None
            if until < today:
                raise PauseRefused("pause_past", date=format_date(until, locale))
            return until
    raise PauseRefused("pause_how")


def _days(words: list[str], locale: str | None) -> int | None:
    """Return N for `N`, `Nd` or `N days` in the reader's words or English (10t, 10 Tage, 10j, 10 días)."""
    found = _COUNT.fullmatch(" ".join(words))
    if found is None or not 0 < int(found[1]) <= MAX_DAYS:
        return None
    return int(found[1]) if not found[2] or found[2] in typed_words(locale, "days") else None


def refusal(refused: PauseRefused, locale: str | None, today: date) -> str:
    """Return the reply to a refused pause in the reader's language, with an example that works today."""
    example = (today + timedelta(days=EXAMPLE_DAYS)).isoformat()
    return t(locale, refused.key, until=typed_word(locale, "until"), example=example, **refused.kw)
