"""Settings read without pydantic agree with pydantic-settings wherever they are read so, and that is most starts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.settings import Settings, field_types, plain_values, validated_values

NAMES = list(field_types())
# Spellings pydantic may read differently from Python (or refuse), beside plain ones.
TRICKY = ["", " ", "0", "1", "007", "-1", "+1", "1_000", "1e3", "30.", ".5", "30.0", "0.025", "inf", "nan", "True",
          "TRUE", "yes", "on", "off", "no", "t", "f", "none", "None", "null", "[]", "{}", '"x"', "'x'", " 8000",
          "8000 ", "٣", "sqlite:///x.db", "https://a.example/b?c=d#e", "tok:en-1234567", "a b", "${HOME}", "x#y"]
# An environment cannot hold a lone surrogate, nor a NUL: os.environ refuses both.
values = st.one_of(st.sampled_from(TRICKY), st.text(st.characters(blacklist_characters="\x00",
                                                                  blacklist_categories=("Cs",)), max_size=12))
ENV_LINES = ["", "# a comment", "#", "export PORT=1", "PORT = 2", "PORT='3'", 'PORT="4"', "LOG_LEVEL=debug #c",
             "TELEGRAM_POLLING=true", "SEND_CONCURRENCY=50", "DATABASE_URL=sqlite:///e.db", "TICK_SECONDS=0.5",
             "TICK_SECONDS=x", "UNKNOWN=1", "database_url=sqlite:///lower.db", "LRS_URL=", "LRS_URL", " PORT=5",
             "A=${PORT}", "PORT=6\r", "PORT=7 "]



@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """Run with every setting's variable (in any case) replaced by `env`."""
    saved = dict(os.environ)
    for k in list(os.environ):
        if k.lower() in NAMES:
            del os.environ[k]
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def both(given: dict[str, Any], env_file: Path | None) -> tuple[dict[str, Any] | None, Any]:
    """Return the plain reading (None when not plain) and pydantic-settings' (or the error it raises)."""
    plain = plain_values(given, env_file)
    try:
        return plain, validated_values(given, env_file)
    except ValidationError as exc:
        return plain, exc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(env=st.dictionaries(st.sampled_from(NAMES).flatmap(lambda n: st.sampled_from([n, n.upper(), n.title()])),
                           values, max_size=4),
       lines=st.lists(st.sampled_from(ENV_LINES), max_size=4),
       kwargs=st.dictionaries(st.sampled_from(NAMES), st.one_of(st.none(), st.booleans(), st.integers(0, 9),
                                                                st.floats(0, 9), st.text(max_size=4)), max_size=2))
def test_whatever_is_read_without_pydantic_is_what_pydantic_reads(tmp_path: Path, env: dict[str, str],
                                                                  lines: list[str], kwargs: dict[str, Any]) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("\n".join(lines), encoding="utf-8")
    with environment(env):
        plain, validated = both(kwargs, dotenv)
    if plain is not None:
        assert plain == validated


# One setting of each type, each with every tricky spelling, from the environment and from a .env file.
ONE_OF_EACH = ["port", "tick_seconds", "telegram_polling", "lrs_url", "database_url"]


@pytest.mark.parametrize("name", ONE_OF_EACH)
def test_every_tricky_spelling_of_each_type_reads_as_pydantic_reads_it(tmp_path: Path, name: str) -> None:
    read_plainly = 0
    for value in TRICKY:
        dotenv = tmp_path / ".env"
        dotenv.write_text(f"{name.upper()}={value}\n", encoding="utf-8")
        for env, env_file in (({name.upper(): value}, None), ({}, dotenv)):
            with environment(env):
                plain, validated = both({}, env_file)
            if plain is not None:
                read_plainly += 1
                assert plain == validated, (name, value, env_file)
    assert read_plainly >= 4  # the plain spellings, at least, did not need pydantic


def test_a_plain_environment_and_env_file_are_read_without_pydantic(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# deployment\nDATABASE_URL=sqlite:////srv/nb.db\nTELEGRAM_POLLING=true\n\nPORT=8080\n")
    env = {"SEND_CONCURRENCY": "50", "tick_seconds": "2.5", "SLACK_BOT_TOKEN": "xoxb-1-2-abc", "LOG_LEVEL": "DEBUG"}
    with environment(env):
        plain, validated = both({"outbox_batch": 10}, dotenv)
    assert plain is not None and plain == validated
    assert plain["database_url"] == "sqlite:////srv/nb.db" and plain["port"] == 8080 and plain["tick_seconds"] == 2.5
    assert plain["telegram_polling"] is True and plain["outbox_batch"] == 10 and plain["lrs_url"] is None


def test_a_value_pydantic_refuses_raises_its_error(tmp_path: Path) -> None:
    with environment({"PORT": "eighty"}), pytest.raises(ValidationError, match="1 validation error for Settings"):
        Settings(_env_file=None)
    with environment({"PORT": " 8000"}):
        assert Settings(_env_file=None).port == 8000  # pydantic's reading, not refused


def test_settings_read_the_env_file_of_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-env-file.db\n")
    with environment({}):
        assert Settings().database_url == "sqlite:///from-env-file.db"
        assert Settings(_env_file=None).database_url == "sqlite:///nudgebot.db"
    with environment({"database_url": "sqlite:///from-environ.db"}):
        assert Settings().database_url == "sqlite:///from-environ.db"


def test_a_name_written_in_two_cases_reads_as_pydantic_settings_reads_it(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("DATABASE_URL=sqlite:///e.db\ndatabase_url=sqlite:///lower.db\nDATABASE_URL=sqlite:///e.db\n")
    with environment({}):
        plain, validated = both({}, dotenv)
    assert plain is not None and plain == validated and plain["database_url"] == "sqlite:///lower.db"
