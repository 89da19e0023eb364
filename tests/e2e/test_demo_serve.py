"""`nudgebot demo --auto --serve`: the demo, then the dashboard served on its data with sign-in links."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_serve_prints_links_that_sign_in_admin_and_manager(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "nudgebot"
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN")}
    env["COLUMNS"] = "200"
    port = free_port()
    proc = subprocess.Popen([str(exe), "demo", "--auto", "--serve", "--port", str(port)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env=env)
    try:
        assert proc.stdout is not None
        out, links = "", {}
        deadline = time.monotonic() + 90
        while len(links) < 2 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            out += line
            found = re.search(r"(Ada|Max) \((admin|manager)\):\s+(\S+)", line)
            if found:
                links[found.group(2)] = found.group(3)
        assert "Weekly digest for your team" in out  # the demo itself ran first, unchanged
        assert set(links) == {"admin", "manager"}, out
        expected = {"admin": "/dashboard/campaigns", "manager": "/dashboard/team"}
        for role, url in links.items():
            with httpx.Client(follow_redirects=True) as client:
                for _ in range(100):
                    try:
                        page = client.get(url)
                        break
                    except httpx.ConnectError:
                        time.sleep(0.1)
                csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
                assert csrf is not None, page.text
                r = client.post(f"http://127.0.0.1:{port}/dashboard/signin",
                                data={"csrf": csrf.group(1), "token": url.split("token=")[1]})
                assert r.status_code == 200 and str(r.url).endswith(expected[role])
                assert "Lea Learner" in client.get(f"http://127.0.0.1:{port}/dashboard/team").text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
