"""The layering contracts in pyproject.toml ([tool.importlinter]) hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    r = subprocess.run([str(exe), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120,
                       check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 6 kept, 0 broken." in r.stdout
    for name in ("Layers: content <- core <- scheduler <- flows <- bot",
                 "Nothing below bot knows a chat platform or the web",
                 "Chat platforms stay in their own folders",
                 "Chat platforms meet the rest only through core's ports"):
        assert f"{name} KEPT" in r.stdout


def test_no_platform_is_named_below_bot() -> None:
    """Core, the scheduler and the flows name no chat platform, except the roster's compatibility columns."""
    allowed = ("slack_id", "telegram_id")
    found = []
    for folder in ("core", "scheduler", "flows"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                for word in allowed:
                    code = code.replace(word, "")
                if "slack" in code.lower() or "telegram" in code.lower():
                    found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert found == []
