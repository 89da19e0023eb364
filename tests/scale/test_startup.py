"""`nudgebot tick` and `nudgebot worker` start without what they do not use, and say the same as before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import bot.cli
from bot.dbsetup import alembic_config, at_head, head_revisions, upgrade
from core.db import Database

# Neither command uses any of these unless a chat platform or an LRS is configured.
UNUSED = ("slack_bolt", "slack_sdk", "telegram", "httpx", "matplotlib", "alembic", "uvicorn", "starlette",
          "content.loader", "rich.table", "bot.lrs", "bot.xapi_outbox", "bot.cli.report", "bot.cli.importing",
          "bot.cli.admin", "bot.conversation",
          # A plain `tick` or `worker` command line runs without Typer (bot/cli/plain.py).
          "typer", "click", "bot.cli.common", "bot.cli.tick", "bot.cli.serve",
          # Only a process serving /metrics makes the metrics (scheduler/metrics.py).
          "prometheus_client",
          # The models name no PostgreSQL option until PostgreSQL is used (core/models/base.py).
          "sqlalchemy.dialects.postgresql",
          # The content schema (pydantic models) loads when a track is read, not for an idle pass.
          "content.schema", "content.campaign", "content.translation", "rapidfuzz",
          # Plain settings are read without pydantic (bot/settings.py).
          "pydantic", "pydantic_settings")
# Runs `nudgebot ARGS` as `python -m bot.cli` does and, at exit, prints which of $UNUSED_MODULES were imported.
HOOK = ("import atexit, os, runpy, sys\n"
        "unused = os.environ.pop('UNUSED_MODULES').split(',')\n"
        "atexit.register(lambda: print('imported:', ','.join(m for m in unused if m in sys.modules),\n"
        "                              file=sys.stderr))\n"
        "runpy.run_module('bot.cli', run_name='__main__', alter_sys=True)\n")


def env_for(url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a process without chat platforms or an LRS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "LRS_"))}
    return {**env, "DATABASE_URL": url, "COLUMNS": "100", "UNUSED_MODULES": ",".join(UNUSED), **extra}


def imported(stderr: str) -> list[str]:
    """Return the list the hook printed."""
    line = next(x for x in stderr.splitlines() if x.startswith("imported:"))
    return [m for m in line.removeprefix("imported:").strip().split(",") if m]


@pytest.fixture
def url(tmp_path: Path) -> str:
    """Return an empty database brought to the newest migration."""
    url = f"sqlite:///{tmp_path / 'nb.db'}"
    upgrade(url)
    return url


def test_tick_imports_no_platform_lrs_chart_or_migration_code(url: str, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", HOOK, "tick", "--at", "2027-01-03T12:00:00Z"],
                         cwd=tmp_path, env=env_for(url), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "tick at 2027-01-03T12:00:00+00:00: 0 message(s) sent" in run.stdout
    assert imported(run.stderr) == []


def test_worker_imports_no_platform_lrs_chart_or_migration_code(url: str, tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOOK, "worker"], cwd=tmp_path,
                            env=env_for(url, LOG_LEVEL="INFO", TICK_SECONDS="0.1"),
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    lines = []
    try:
        for line in proc.stderr:  # the first tick has run once its job reports success
            lines.append(line)
            if "executed successfully" in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, "".join(lines) + rest
    assert imported(rest) == []


def test_a_new_database_is_not_at_head_until_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    db = Database(url)
    assert not at_head(db.engine)
    upgrade(url)
    assert at_head(db.engine)
    db.dispose()


def test_the_head_read_from_the_files_is_alembics_head(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(f"sqlite:///{tmp_path / 'x.db'}"))
    assert head_revisions() == frozenset(scripts.get_heads())
    assert len(head_revisions()) == 1  # the migrations form a single chain


@pytest.mark.parametrize("name", sorted(bot.cli.ALONE))
def test_a_command_started_alone_is_the_one_the_full_cli_has(name: str) -> None:
    commands = {c.name or c.callback.__name__: c.callback.__module__ for c in bot.cli.app.registered_commands
                if c.callback is not None}
    assert commands[name] == f"bot.cli.{bot.cli.ALONE[name]}"


@pytest.mark.parametrize(("args", "code"), [(["tick", "--help"], 0), (["worker", "--help"], 0), (["tick", "--at"], 2),
                                            (["tick", "--at", "yesterday"], 1), (["tick", "--bogus"], 2),
                                            (["worker", "extra"], 2), (["tick", "--at", "2027-01-03T12:00:00Z"], 0),
                                            (["tick", "--at", "2027-01-03T12:00:00"], 1),
                                            (["tick", "--at=2027-01-03T12:00:00Z"], 0), (["tick", "--at", "-1"], 1)])
def test_a_command_started_alone_says_what_the_full_cli_says(args: list[str], code: int, url: str,
                                                            tmp_path: Path) -> None:
    full_cli = "import sys, bot.cli; bot.cli.load_commands([]); sys.argv[0] = 'nudgebot'; bot.cli.main(plain=False)"
    alone = "import sys, bot.cli; sys.argv[0] = 'nudgebot'; bot.cli.main()"
    full, fast = (subprocess.run([sys.executable, "-c", program, *args], cwd=tmp_path, env=env_for(url),
                                 capture_output=True, text=True, timeout=60) for program in (full_cli, alone))
    assert full.returncode == code
    assert (fast.returncode, fast.stdout, fast.stderr) == (full.returncode, full.stdout, full.stderr)


def test_what_start_up_built_is_frozen_and_the_collector_runs_again_for_the_command(url: str, tmp_path: Path) -> None:
    program = ("import atexit, gc, sys, bot.cli\n"
               "atexit.register(lambda: print('gc:', gc.isenabled(), gc.get_freeze_count(), file=sys.stderr))\n"
               "sys.argv = ['nudgebot', 'tick', '--at', '2027-01-03T12:00:00Z']\n"
               "bot.cli.main()\n")
    run = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env_for(url), capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    enabled, frozen = next(x for x in run.stderr.splitlines() if x.startswith("gc:")).split()[1:]
    assert enabled == "True" and int(frozen) > 100_000
