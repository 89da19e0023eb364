"""`pause` in the learner's language: the word before a date (bis, hasta, jusqu'au) and the local way of writing
a date work beside the English ones, every help names that word, and a date the bot can't use changes nothing."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from bot.channels.slack.home_view import HomeData, home_view
from bot.channels.telegram.menu import command_menus
from bot.reach import help_text
from core.i18n import parse_date
from core.models import LeavePeriod, Person
from core.ports import Sender, TextSent
from tests.helpers import World

UNTIL = re.compile(r"(?i)\buntil\b")
WORD = {"en": "until", "de": "bis", "es": "hasta", "fr": "jusqu'au"}


def learner(world: World, locale: str) -> int:
    """Add a learner in Berlin who reads the bot in `locale`."""
    pid = world.person(f"{locale}@example.org")
    world.do(lambda s: setattr(s.get(Person, pid), "locale", locale))
    return pid


def say(world: World, pid: int, text: str) -> str:
    """Type `text` in the learner's console chat and return the bot's reply."""
    reply = asyncio.run(world.services.conversation.handle(TextSent(Sender("console", str(pid)), text), wait=True))
    return "\n".join(m.text for m in reply.messages)


def away(world: World, pid: int) -> tuple[str, date | None, int]:
    """Return the learner's status, last day away and number of pause rows."""
    def read(s: object) -> tuple[str, date | None, int]:
        p = s.get(Person, pid)  # type: ignore[attr-defined]
        rows = s.scalars(select(LeavePeriod).where(LeavePeriod.person_id == pid)).all()  # type: ignore[attr-defined]
        return p.status, p.paused_until, len(rows)
    return world.do(read)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("locale", "typed", "shown"), [
    ("de", "pause bis 2027-02-01", "Pausiert bis 2027-02-01"),
    ("de", "Pause BIS zum 01.02.2027", "Pausiert bis 2027-02-01"),
    ("de", "pause bis 1.2.27", "Pausiert bis 2027-02-01"),
    ("de", "pause until 2027-02-01", "Pausiert bis 2027-02-01"),  # the English word works in every language
    ("es", "pause hasta 2027-02-01", "En pausa hasta el 2027-02-01"),
    ("es", "pause hasta el 1/2/2027", "En pausa hasta el 2027-02-01"),
    ("fr", "pause jusqu'au 2027-02-01", "En pause jusqu’au 2027-02-01"),
    ("fr", "pause jusqu’au 01/02/2027", "En pause jusqu’au 2027-02-01"),
    ("fr", "pause jusqu'à 1/2/2027", "En pause jusqu’au 2027-02-01"),
    ("en", "pause until 2027-02-01", "Paused until 2027-02-01"),
])
def test_pause_until_a_date_in_the_learners_own_words(world: World, locale: str, typed: str, shown: str) -> None:
    pid = learner(world, locale)
    assert say(world, pid, typed).startswith(shown)
    assert away(world, pid) == ("paused", date(2027, 2, 1), 1)


@pytest.mark.parametrize(("locale", "typed", "until"), [
    ("de", "pause 10t", date(2027, 1, 12)),
    ("de", "Pause 10 Tage", date(2027, 1, 12)),
    ("de", "pause 1 tag", date(2027, 1, 3)),
    ("de", "pause 10d", date(2027, 1, 12)),  # what help shows works in every language
    ("es", "pause 10 días", date(2027, 1, 12)),
    ("es", "pause 10 dias", date(2027, 1, 12)),
    ("fr", "pause 10j", date(2027, 1, 12)),
    ("fr", "pause 10 jours", date(2027, 1, 12)),
    ("en", "pause 10 days", date(2027, 1, 12)),
    ("en", "pause 10", date(2027, 1, 12)),
])
def test_pause_for_a_number_of_days_in_the_learners_own_words(
        world: World, locale: str, typed: str, until: date) -> None:
    pid = learner(world, locale)
    say(world, pid, typed)
    assert away(world, pid) == ("paused", until, 1)


@pytest.mark.parametrize(("locale", "typed"), [
    ("de", "pause 10 wochen"), ("fr", "pause 10t"), ("en", "pause 10 j"), ("en", "pause 0d"), ("en", "pause 10 d d"),
])
def test_a_number_of_days_in_another_unit_changes_nothing(world: World, locale: str, typed: str) -> None:
    pid = learner(world, locale)
    assert "\n" not in say(world, pid, typed)
    assert away(world, pid) == ("active", None, 0)


@pytest.mark.parametrize(("locale", "typed", "says"), [
    ("de", "pause bis 31.02.2027", "„31.02.2027“ kann ich nicht als Datum lesen"),
    ("de", "pause bis 01.13.2027", "„01.13.2027“ kann ich nicht als Datum lesen"),  # not read as 13 January
    ("de", "pause bis morgen", "„morgen“ kann ich nicht als Datum lesen"),
    ("de", "pause bis 24.12.2026", "Der 24.12.2026 ist schon vorbei"),
    ("de", "pause bis", "Für eine Pause sende"),
    ("es", "pause hasta 2027-13-01", "No entiendo «2027-13-01» como fecha"),
    ("es", "pause hasta el 24/12/2026", "El 24 dic 2026 ya pasó"),
    ("fr", "pause jusqu'au 1er février", "Je ne reconnais pas la date « 1er février »"),
    ("fr", "pause demain", "Pour faire une pause, envoyez"),
    ("en", "pause until 02/01/2027", "I can't read “02/01/2027” as a date"),  # US or UK order? ISO only
    ("en", "pause until 2026-12-24", "Dec 24, 2026 has already passed"),
])
def test_a_date_the_bot_cannot_use_gets_one_line_in_the_learners_language(
        world: World, locale: str, typed: str, says: str) -> None:
    pid = learner(world, locale)
    reply = say(world, pid, typed)
    assert reply.startswith(says)
    assert "\n" not in reply
    assert f"*pause {WORD[locale]} 2027-01-17*" in reply  # an example that works today, two weeks on
    assert locale == "en" or not UNTIL.search(reply)
    assert away(world, pid) == ("active", None, 0)


@pytest.mark.parametrize("locale", ["de", "es", "fr"])
def test_every_help_names_the_word_before_a_date_in_the_learners_language(world: World, locale: str) -> None:
    pid = learner(world, locale)
    home = home_view(HomeData(name="Ada Lovelace", locale=locale))
    helps = {"console help": say(world, pid, "help"), "slack help": help_text(locale, "slack"),
             "telegram help": help_text(locale, "telegram"), "telegram menu": dict(command_menus()[locale])["pause"],
             "slack home": json.dumps(home["blocks"][-1], ensure_ascii=False)}
    for where, text in helps.items():
        assert f"{WORD[locale]} 2027-02-01]" in text, where
        assert not UNTIL.search(text), where
    english = {"console help": say(world, learner(world, "en"), "help"), "slack help": help_text("en", "slack"),
               "telegram menu": dict(command_menus()[""])["pause"]}
    assert all("pause [10d | until 2027-02-01]" in text for text in english.values())


@pytest.mark.parametrize(("locale", "typed", "day"), [
    ("en", "2027-02-01", date(2027, 2, 1)),
    ("de", "2027-2-1", date(2027, 2, 1)),
    ("de", "01.02.2027", date(2027, 2, 1)),
    ("de", "1.2.27", date(2027, 2, 1)),
    ("de_AT", "28.2.2027", date(2027, 2, 28)),
    ("es", "1/2/2027", date(2027, 2, 1)),
    ("fr", "01/02/2027", date(2027, 2, 1)),
    ("en", "01/02/2027", None),  # English readers write day or month first: only ISO is safe
    ("en", "1.2.2027", None),
    ("de", "01.13.2027", None),  # Babel's lenient parser would swap day and month here
    ("de", "29.02.2027", None),
    ("de", "01/02.2027", None),
    ("de", "1.2.", None),
    ("fr", "2027-02-31", None),
    ("es", "1/2/202", None),
])
def test_dates_read_as_iso_everywhere_and_day_first_where_the_language_writes_so(
        locale: str, typed: str, day: date | None) -> None:
    if day is None:
        with pytest.raises(ValueError):
            parse_date(typed, locale)
    else:
        assert parse_date(typed, locale) == day
