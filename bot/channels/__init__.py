"""The chat platforms nudgebot can install, each a package in this folder, imported only when configured.

A platform package provides `is_configured(settings) -> bool` and `install(host, settings)`, and may
provide `check_user_id(user_id) -> str | None` (what is wrong with a roster id) and a Typer `cli` module.
See docs/adding-a-channel.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

# name -> package; the console channel is built in (it needs no account).
PLATFORMS: dict[str, str] = {
    "slack": "bot.channels.slack",
    "telegram": "bot.channels.telegram",
}


def platform(name: str) -> ModuleType:
    """Import and return the package of platform `name`."""
    return importlib.import_module(PLATFORMS[name])


def configured(settings: Any) -> list[str]:
    """Return the platforms whose settings are present, in registry order."""
    return [name for name in PLATFORMS if platform(name).is_configured(settings)]


def id_checks() -> dict[str, Callable[[str], str | None]]:
    """Return each platform's roster id check, for `people import`."""
    checks: dict[str, Callable[[str], str | None]] = {}
    for name in PLATFORMS:
        check = getattr(platform(name), "check_user_id", None)
        if check is not None:
            checks[name] = check
    return checks


def audience_groups(settings: Any, name: str, groups: list[str]) -> dict[str, list[str]] | None:
    """Return the members of `groups` on platform `name`, or None when that platform is not configured."""
    module = platform(name)
    fetch = getattr(module, "fetch_audience_groups", None)
    if fetch is None or not module.is_configured(settings):
        return None
    result: dict[str, list[str]] = fetch(settings, groups)
    return result
