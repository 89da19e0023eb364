"""Configuration from the environment and an optional .env file, by pydantic-settings' rules.

Most start-ups (every `nudgebot tick` from cron) meet only plain values: text, whole numbers, decimals
and true/false, and a .env file of plain KEY=value lines, or none. Those are read here without pydantic,
whose import is a noticeable part of a tick's start-up. Anything else (a value in another spelling, a
quoted or interpolated .env line, a wrong type) is handed to pydantic-settings, so its parsing and its
errors stay exactly what they were; tests/unit/test_settings.py checks both agree wherever this reads.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any, get_type_hints

ENV_FILE = ".env"


class Settings:
    """Everything nudgebot reads from its environment."""

    database_url: str = "sqlite:///nudgebot.db"
    port: int = 8000
    log_level: str = "INFO"
    tick_seconds: float = 30.0
    send_concurrency: int = 200
    outbox_batch: int = 100  # deliveries claimed at a time: at most these are in flight if a worker dies
    outbox_lease_seconds: float = 60.0  # a claim lasts this long (renewed while sending)
    shutdown_grace_seconds: float = 10.0  # on SIGTERM, in-flight sends get this long to finish
    inbox_lease_seconds: float = 30.0  # an inbound event not handled after this long is handled again
    inbox_replay_seconds: float = 10.0  # how often each long-running process looks for such events
    # The web app only keeps presses and updates (and acknowledges them); workers handle them. For the
    # Procfile layout, where the web app must answer at once however busy recording answers gets.
    inbox_hand_off: bool = False
    inbox_poll_seconds: float = 0.05  # how often a worker looks for handed-off events

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_workspace_rate: float = 20.0  # messages per second across the workspace
    slack_channel_interval: float = 1.0  # seconds between two posts in one conversation

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None
    telegram_global_rate: float = 30.0  # messages per second across every chat
    telegram_chat_interval: float = 1.0  # seconds between two messages to one chat
    # Seconds a webhook request waits for its update's work before answering Telegram anyway (the work goes on).
    telegram_webhook_wait: float = 0.025
    telegram_polling: bool = False

    # xAPI: statements go to this Learning Record Store (docs/xapi.md); unset = xAPI off.
    lrs_url: str | None = None
    lrs_username: str | None = None
    lrs_password: str | None = None
    xapi_activity_base: str = "https://nudgebot.example/xapi/activities"
    xapi_home_page: str = "https://nudgebot.example"
    xapi_namespace: str | None = None  # a UUID per installation; never change it once statements were sent
    xapi_identify_by: str = "account"  # or "mbox" to identify learners by email
    # The dashboard's public address as people's browsers see it (behind the organisation's HTTPS reverse
    # proxy, e.g. https://learn.example.org/dashboard). Sign-in links are built from it; the session cookie
    # is marked Secure when it starts with https.
    dashboard_url: str = "http://localhost:8000/dashboard"
    # Signs the session cookie. When unset, one is generated once and kept in the database.
    dashboard_secret: str | None = None
    # Managers also see their reports' reports.
    dashboard_skip_level: bool = False

    def __init__(self, _env_file: str | Path | None = ENV_FILE, **values: Any) -> None:
        """Read the environment (and `_env_file`, if it exists) under the keyword `values` given."""
        read = plain_values(values, _env_file)
        if read is None:
            read = validated_values(values, _env_file)
        for name, value in read.items():
            setattr(self, name, value)


# What the plain reader accepts: anything else goes to pydantic-settings.
_INT = re.compile(r"0|[1-9][0-9]{0,17}")
_FLOAT = re.compile(r"(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?")
_BOOLS = {"true": True, "false": False, "1": True, "0": False}
_DOTENV_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z0-9_./:@+,%-]+)")
_NOT_PLAIN = object()


@cache
def field_types() -> dict[str, Any]:
    """Return each setting's name and type, in declaration order."""
    hints = get_type_hints(Settings)
    return {name: hints[name] for name in Settings.__annotations__}


def plain_values(given: dict[str, Any], env_file: str | Path | None) -> dict[str, Any] | None:
    """Return every setting when all of them are plain, None when pydantic-settings must read them."""
    types = field_types()
    if any(name not in types or not _is_typed(value, types[name]) for name, value in given.items()):
        return None
    dotenv = _plain_dotenv(Path(env_file)) if env_file is not None else {}
    if dotenv is None:
        return None
    env = {k.lower(): v for k, v in os.environ.items()}  # as pydantic-settings matches names: any case
    read: dict[str, Any] = {}
    for name, kind in types.items():
        if name in given:
            read[name] = given[name]
            continue
        raw = env.get(name, dotenv.get(name))
        value = getattr(Settings, name) if raw is None else _parse(raw, kind)
        if value is _NOT_PLAIN:
            return None
        read[name] = value
    return read


def validated_values(given: dict[str, Any], env_file: str | Path | None) -> dict[str, Any]:
    """Return every setting as pydantic-settings reads and validates it (raising its errors)."""
    model = _pydantic_settings()(_env_file=env_file, **given)
    return {name: getattr(model, name) for name in field_types()}


@cache
def _pydantic_settings() -> type[Any]:
    """Return a pydantic-settings class with the same fields, defaults and configuration as Settings."""
    from pydantic_settings import BaseSettings, SettingsConfigDict

    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": dict(field_types()),
                                 "model_config": SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8",
                                                                    extra="ignore")}
    namespace.update({name: getattr(Settings, name) for name in field_types()})
    return type("Settings", (BaseSettings,), namespace)


def _is_typed(value: Any, kind: Any) -> bool:
    if kind == str | None:
        return value is None or type(value) is str
    return type(value) is kind


def _parse(raw: str, kind: Any) -> Any:
    if kind is str or kind == str | None:
        return raw
    if kind is int:
        return int(raw) if _INT.fullmatch(raw) else _NOT_PLAIN
    if kind is float:
        return float(raw) if _FLOAT.fullmatch(raw) else _NOT_PLAIN
    if kind is bool:
        return _BOOLS.get(raw, _NOT_PLAIN)
    return _NOT_PLAIN


def _plain_dotenv(path: Path) -> dict[str, str] | None:
    """Return a .env file's plain KEY=value lines (names lower-cased), {} without a file, None if not plain."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    exact: dict[str, str] = {}
    for line in text.split("\n"):  # read_text ended every line with \n, as python-dotenv reads them
        if not line or line.startswith("#"):
            continue
        m = _DOTENV_LINE.fullmatch(line)
        if m is None:
            return None
        exact[m.group(1)] = m.group(2)
    # As python-dotenv and pydantic-settings do: the last value of each name as written, then names folded
    # to lower case in the order each was first written (so `A=1`, `a=2`, `A=3` reads as 2).
    return {name.lower(): value for name, value in exact.items()}
