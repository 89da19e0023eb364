"""The catalogs: every message the source marks is in the template and translated into German,
the compiled .mo files match their .po, placeholders survive translation, and locales fall back."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from core import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "core" / "locales"
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _ids(message_id: object) -> tuple[str, ...]:
    return tuple(message_id) if isinstance(message_id, tuple | list) else (str(message_id),)


def extracted() -> set[tuple[str, ...]]:
    """Extract every marked message from the source tree with Babel, as babel.cfg configures it."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, filename="babel.cfg")
    # The default directory filter skips hidden folders such as .venv; the mapping picks the packages.
    return {_ids(message) for _name, _line, message, _comments, _ctx
            in extract_from_dir(ROOT, method_map, options_map, strip_comment_tags=True)}


def catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_template_holds_every_marked_message() -> None:
    template = {_ids(m.id) for m in catalog(LOCALES / "nudgebot.pot") if m.id}
    source = extracted()
    assert len(source) > 80
    assert source - template == set(), "run pybabel extract/update (docs/translating.md)"
    assert template - source == set(), "the template has messages the source no longer uses"


@pytest.mark.parametrize("lang", [code for code in i18n.LANGUAGES if code != "en"])
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    po = catalog(LOCALES / lang / "LC_MESSAGES" / "nudgebot.po")
    template = {_ids(m.id) for m in catalog(LOCALES / "nudgebot.pot") if m.id}
    assert {_ids(m.id) for m in po if m.id} == template
    for m in po:
        if not m.id:
            continue
        strings = _ids(m.string) if m.string else ()
        assert strings and all(s.strip() for s in strings), f"{lang}: untranslated {m.id!r}"
        assert not m.fuzzy, f"{lang}: fuzzy {m.id!r}"
        wanted = set().union(*(placeholders(s) for s in _ids(m.id)))
        for s in strings:
            got = placeholders(s)
            # A singular may leave out {n} ("your last question"); nothing else may go missing or appear.
            assert got <= wanted and wanted - got <= {"n"}, f"{lang}: {m.id!r} -> {s!r}"


@pytest.mark.parametrize("lang", [code for code in i18n.LANGUAGES if code != "en"])
def test_compiled_catalog_matches_its_source(lang: str) -> None:
    folder = LOCALES / lang / "LC_MESSAGES"
    po = catalog(folder / "nudgebot.po")
    fresh = io.BytesIO()
    write_mo(fresh, po)
    fresh.seek(0)
    with (folder / "nudgebot.mo").open("rb") as f:
        committed = read_mo(f)
    built = read_mo(fresh)
    as_dict = {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in built if m.id}
    assert {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in committed if m.id} == as_dict, \
        "run pybabel compile -d core/locales -D nudgebot"


def test_language_of_falls_back_to_english() -> None:
    assert i18n.language_of("de_DE") == "de"
    assert i18n.language_of("de-AT") == "de"
    assert i18n.language_of("DE") == "de"
    assert i18n.language_of("en_GB") == "en"
    assert i18n.language_of("fr_FR") == "fr"
    assert i18n.language_of("es-419") == "es"
    assert i18n.language_of("it_IT") == "en"
    assert i18n.language_of("") == "en"
    assert i18n.language_of(None) == "en"


def test_translate_fills_placeholders_and_picks_plural_forms() -> None:
    assert i18n.translate("de_CH", "Your answer: {answer}", answer="42") == "Deine Antwort: 42"
    assert i18n.translate("it", "Your answer: {answer}", answer="42") == "Your answer: 42"
    assert i18n.translate("es_MX", "Your answer: {answer}", answer="42") == "Tu respuesta: 42"
    assert i18n.translate("fr", "Your answer: {answer}", answer="42") == "Votre réponse : 42"
    one = ("Hi {name}, your last question in *{campaign}* went unanswered, so it will come back "
           "on a later day. Each one takes about a minute; today's are just below.")
    many = ("Hi {name}, your last {n} questions in *{campaign}* went unanswered, so they will come back "
            "on later days. Each one takes about a minute; today's are just below.")
    assert "letzte Frage" in i18n.plural("de", one, many, 1, name="Ida", campaign="C")
    assert "letzten 3 Fragen" in i18n.plural("de", one, many, 3, name="Ida", campaign="C")
    assert i18n.plural("en", one, many, 3, name="Ida", campaign="C").startswith("Hi Ida, your last 3 questions")


def test_dates_and_weekdays_read_in_the_readers_language() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    moment = datetime(2027, 1, 4, 8, 30, tzinfo=UTC)
    assert i18n.format_weekdays(["mon", "tue", "sun"], "en") == "Mon, Tue, Sun"
    assert i18n.format_weekdays(["mon", "tue", "sun"], "de") == "Mo., Di., So."
    # English keeps the bot's established look; German uses its own order and words.
    assert i18n.format_datetime(moment, berlin, "en", "day_at_time") == f"{moment.astimezone(berlin):%a %d %b at %H:%M}"
    assert i18n.format_datetime(moment, berlin, "de", "day_at_time") == "Mo., 4. Jan. um 09:30 Uhr"
    assert i18n.format_datetime(moment, berlin, "de", skeleton="MMMEd") == "Mo., 4. Jan."
    assert i18n.format_date(date(2027, 1, 4), "de") == "04.01.2027"
    assert i18n.format_date(date(2027, 1, 4), "en", "day") == "Mon 04 Jan"
    assert i18n.format_time(moment, berlin, "de") == "09:30"
    with pytest.raises(ValueError, match="unknown date format"):
        i18n.format_date(date(2027, 1, 4), "de", "fancy")


def test_spanish_and_french_plurals_and_dates() -> None:
    one = ("Hi {name}, your last question in *{campaign}* went unanswered, so it will come back "
           "on a later day. Each one takes about a minute; today's are just below.")
    many = ("Hi {name}, your last {n} questions in *{campaign}* went unanswered, so they will come back "
            "on later days. Each one takes about a minute; today's are just below.")
    assert "tus últimas 3 preguntas" in i18n.plural("es", one, many, 3, name="Ana", campaign="C")
    assert "tu última pregunta" in i18n.plural("es", one, many, 1, name="Ana", campaign="C")
    # French treats 0 and 1 as singular.
    assert "votre dernière question" in i18n.plural("fr", one, many, 0, name="Léa", campaign="C")
    assert "vos 2 dernières questions" in i18n.plural("fr", one, many, 2, name="Léa", campaign="C")
    madrid, paris = ZoneInfo("Europe/Madrid"), ZoneInfo("Europe/Paris")
    moment = datetime(2027, 1, 4, 8, 30, tzinfo=UTC)
    assert i18n.format_datetime(moment, madrid, "es", "day_at_time") == "lun 4 ene a las 09:30"
    assert i18n.format_datetime(moment, paris, "fr", "day_at_time") == "lun. 4 janv. à 09:30"
    assert i18n.format_weekdays(["mon", "wed"], "es") == "lun, mié"
    assert i18n.format_weekdays(["mon", "wed"], "fr") == "lun., mer."
