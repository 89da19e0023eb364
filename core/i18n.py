"""The bot's own words and dates in the reader's language: gettext catalogs (Babel) under core/locales.

Messages are written in English in the source and looked up by that text (the msgid). Mark a
message with `translate(locale, "...")`, `plural(locale, "...", "...", n)` or, where the text is
only named and translated later, `N_("...")`; `pybabel extract -F babel.cfg` finds all three.
Placeholders use str.format names: `translate(loc, "Hi {name}", name=first)`.
Content (lessons, questions) is translated by its authors, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from babel import dates as babel_dates
from babel.support import Translations

DOMAIN = "nudgebot"
LOCALE_DIR = Path(__file__).parent / "locales"
SOURCE_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STYLES = ("short", "medium", "long", "full")


def N_(msgid: str) -> str:
    """Mark `msgid` for extraction without translating it now (it is translated where it is shown)."""
    return msgid


# Named date patterns (CLDR syntax), translated like any message so each language orders its parts.
PATTERNS: dict[str, str] = {
    # Translators: a CLDR date pattern (EEE weekday, dd day, MMM month); keep the letters, reorder freely.
    "day": N_("EEE dd MMM"),
    # Translators: a CLDR date pattern; yyyy is the year.
    "day_year": N_("EEE dd MMM yyyy"),
    # Translators: a CLDR date-time pattern; HH:mm is the 24-hour time.
    "day_time": N_("EEE dd MMM HH:mm"),
    # Translators: a CLDR date-time pattern; words in 'single quotes' are printed as they are.
    "day_at_time": N_("EEE dd MMM 'at' HH:mm"),
    # Translators: a CLDR date-time pattern for the Slack Home tab.
    "day_comma_time": N_("EEE dd MMM, HH:mm"),
}


# Words learners type inside a command, translated so each language uses its own. A translation may list
# other spellings after "|"; help shows the first. The English word is understood in every language.
TYPED_WORDS: dict[str, str] = {
    # Translators: the word before a date in the chat command "pause until 2027-02-01", in lower case, as
    # learners type it; list other spellings after "|" (e.g. "bis|bis zum"); help shows the first.
    "until": N_("until"),
    # Translators: the word or letter after a number of days in the chat command "pause 10d", in lower case,
    # as learners type it, with or without a space (10d, 10 days); list other spellings after "|".
    "days": N_("d|day|days"),
}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d+)([./-])(\d+)\2(\d+)")


def language_of(locale: str | None) -> str:
    """Return the bot language for a locale such as 'de_DE' or 'de-AT' (English when untranslated)."""
    code = (locale or SOURCE_LANGUAGE).replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else SOURCE_LANGUAGE


@cache
def translations(language: str) -> NullTranslations:
    """Return the compiled catalog of a bot language, loaded once (English is the source: no catalog)."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def _format(text: str, kw: dict[str, Any]) -> str:
    return text.format(**kw) if kw else text


def translate(locale: str | None, msgid: str, **kw: Any) -> str:
    """Return `msgid` in the locale's language, with its {placeholders} filled from `kw`."""
    return _format(translations(language_of(locale)).gettext(msgid), kw)


def plural(locale: str | None, singular: str, plural_: str, n: int, **kw: Any) -> str:
    """Return the singular or plural form for count `n` in the locale's language; {n} is filled in."""
    kw.setdefault("n", n)
    return _format(translations(language_of(locale)).ngettext(singular, plural_, n), kw)


def babel_locale(locale: str | None) -> Locale:
    """Return the Babel Locale used for dates and names in the bot language of `locale`."""
    return _babel_locale(language_of(locale))


@cache
def _babel_locale(language: str) -> Locale:
    # Parsed once per language: a weekly run formats thousands of dates.
    return Locale.parse(language)


def _pattern(fmt: str, locale: str | None) -> str:
    if fmt in STYLES:
        return fmt
    if fmt in PATTERNS:
        return translate(locale, PATTERNS[fmt])
    raise ValueError(f"unknown date format {fmt!r}: use one of {STYLES + tuple(PATTERNS)} or skeleton=")


def format_date(d: date | datetime, locale: str | None, fmt: str = "medium") -> str:
    """Return a date in the reader's language: a style (short…full) or a named pattern ("day", "day_year")."""
    day = d.date() if isinstance(d, datetime) else d
    return babel_dates.format_date(day, format=_pattern(fmt, locale), locale=babel_locale(locale))


def format_datetime(dt: datetime, zone: tzinfo | None, locale: str | None, fmt: str = "medium",
                    skeleton: str | None = None) -> str:
    """Return an aware datetime shown in `zone`, in the reader's language.

    `fmt` is a style (short, medium, long, full) or a named pattern ("day_time", "day_at_time", …);
    `skeleton` (e.g. "MMMEd") instead lets CLDR choose the best local pattern for those fields.
    """
    local = dt.astimezone(zone) if zone is not None else dt
    where = babel_locale(locale)
    if skeleton is not None:
        return babel_dates.format_skeleton(skeleton, local, locale=where)
    # The datetime is already in its zone; Babel would otherwise convert it to UTC first.
    return babel_dates.format_datetime(local.replace(tzinfo=None), format=_pattern(fmt, locale), locale=where)


def format_time(dt: datetime, zone: tzinfo | None, locale: str | None) -> str:
    """Return the 24-hour local time of an aware datetime (HH:mm), the way every bot language writes it."""
    local = dt.astimezone(zone) if zone is not None else dt
    return babel_dates.format_time(local.time(), format="HH:mm", locale=babel_locale(locale))


def weekday_name(day: str, locale: str | None,
                 width: Literal["abbreviated", "narrow", "short", "wide"] = "abbreviated") -> str:
    """Return a weekday ("mon".."sun") as the reader's language abbreviates it (Mon / Mo.)."""
    names = babel_dates.get_day_names(width, context="format", locale=babel_locale(locale))
    key = day.strip().lower()[:3]
    return str(names[WEEKDAYS.index(key)]) if key in WEEKDAYS else day


def format_weekdays(days: Iterable[str], locale: str | None) -> str:
    """Return weekdays such as ["mon", "tue"] as a list in the reader's language ("Mon, Tue" / "Mo., Di.")."""
    return ", ".join(weekday_name(d, locale) for d in days)


def fold_typed(text: str) -> str:
    """Return typed words as commands compare them: lower case, single spaces, one kind of apostrophe."""
    return " ".join(text.translate(_APOSTROPHES).lower().split())


def typed_words(locale: str | None, key: str) -> tuple[str, ...]:
    """Return every spelling of a command word (TYPED_WORDS) understood from a reader: theirs, then English."""
    msgid = TYPED_WORDS[key]
    spellings = (fold_typed(w) for w in [*translate(locale, msgid).split("|"), *msgid.split("|")])
    return tuple(dict.fromkeys(w for w in spellings if w))


def typed_word(locale: str | None, key: str) -> str:
    """Return the spelling of a command word (TYPED_WORDS) that help shows a reader."""
    return translate(locale, TYPED_WORDS[key]).split("|")[0].strip()


@cache
def _numeric_order(language: str) -> str:
    # "en" stands for US and UK readers alike, who put month and day in opposite orders: only ISO is safe.
    if language == SOURCE_LANGUAGE:
        return ""
    pattern = babel_dates.get_date_format("short", locale=language).pattern
    return "".join(dict.fromkeys(c for c in pattern if c in "dMy"))


def parse_date(text: str, locale: str | None) -> date:
    """Read a typed date: ISO (2027-02-01) in every language, and the reader's short numeric date (01.02.2027).

    Strict where Babel's parse_date is lenient (it reads 01.13.2027 as 13 January): each part must sit where
    the language's CLDR short pattern puts it, with one separator; a two-digit year is this century's.
    Raise ValueError for anything else, or a day that does not exist.
    """
    text = text.strip()
    if iso := _ISO_DATE.fullmatch(text):
        return date(int(iso[1]), int(iso[2]), int(iso[3]))
    order = _numeric_order(language_of(locale))
    parts = _NUMERIC_DATE.fullmatch(text)
    if parts is None or len(order) != 3:
        raise ValueError(f"not a date: {text!r}")
    found = dict(zip(order, (parts[1], parts[3], parts[4]), strict=True))
    if len(found["d"]) > 2 or len(found["M"]) > 2 or len(found["y"]) not in (2, 4):
        raise ValueError(f"not a date: {text!r}")
    year = int(found["y"]) + (2000 if len(found["y"]) == 2 else 0)
    return date(year, int(found["M"]), int(found["d"]))


def status_name(status: str, locale: str | None) -> str:
    """Return a person's or enrollment's status word in the reader's language."""
    names = {"active": N_("active"), "paused": N_("paused"), "blocked": N_("blocked"),
             "deactivated": N_("deactivated"), "completed": N_("completed")}
    return translate(locale, names[status]) if status in names else status


__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "PATTERNS", "TYPED_WORDS", "fold_typed", "format_date",
           "format_datetime", "format_time", "format_weekdays", "language_of", "parse_date", "plural", "status_name",
           "translate", "translations", "typed_word", "typed_words", "weekday_name"]
