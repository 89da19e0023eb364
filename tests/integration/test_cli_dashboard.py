"""`nudgebot dashboard link EMAIL`."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import Run, cli, env, nb, ok, one_line_error, ready  # noqa: F401 - fixtures


def test_dashboard_link_prints_a_single_use_link(cli: Run, nb: Run, ready: Path) -> None:  # noqa: F811
    url = ok(cli("dashboard", "link", "mia@example.org")).strip()
    assert url.startswith("http://localhost:8000/dashboard/signin?token=")
    one_line_error(nb("dashboard", "link", "nobody@example.org"), "nobody@example.org")
