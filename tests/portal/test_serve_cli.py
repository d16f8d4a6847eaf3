"""``clearsight serve`` as a user starts it: a real process answering on its port; bad settings refused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLEARSIGHT = str(Path(sys.executable).parent / "clearsight")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_and_answers(tmp_path):
    port = _port()
    env = {**os.environ, "CLEARSIGHT_HOME": str(tmp_path)}
    proc = subprocess.Popen([CLEARSIGHT, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = None
        for _ in range(200):
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/api/v1/health").json()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert body == {"status": "ok"}
        spec = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json").json()
        assert spec["info"]["title"] == "clearsight"
        assert (tmp_path / "app.sqlite").exists() and (tmp_path / "secrets" / "portal.key").stat().st_mode & 0o077 == 0
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_refuses_an_unreachable_app_store_in_one_line(tmp_path):
    env = {**os.environ, "CLEARSIGHT_HOME": str(tmp_path),
           "CLEARSIGHT_APP_DB": "postgresql+psycopg://someone:hunter2secret@127.0.0.1:1/nothing"}
    r = subprocess.run([CLEARSIGHT, "serve", "--port", str(_port())], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("error: cannot open the app store:")
    assert "Traceback" not in r.stderr and "hunter2secret" not in r.stderr + r.stdout
