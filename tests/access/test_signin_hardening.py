"""Sign-in under attack: bounded throttle state, concurrent guesses, forged proxy headers, oversized
credentials, and refusals written to the audit log without letting a flood grow it."""

from __future__ import annotations

import gc
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import httpx
import jwt
import pytest

from clearsight.access import audit
from clearsight.portal.settings import PortalSettings
from portal_live import password_of, start_portal, workspace

CLEARSIGHT = str(Path(sys.executable).parent / "clearsight")
TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def portal(tmp_path):
    """A fresh portal (its own throttle and audit log) over an empty workspace."""
    server, extra = start_portal(workspace(None, tmp_path / "home"))
    server.extra = extra
    yield server
    server.stop()


def _wrong(url: str, username: str = "analyst", **headers: str) -> httpx.Response:
    return httpx.post(f"{url}{TOKEN_URL}", data={"username": username, "password": "wrong-password-1"}, headers=headers)


def _lock_out(url: str) -> None:
    for _ in range(5):
        assert _wrong(url).status_code == 401
    assert _wrong(url).status_code == 429


def test_throttle_keeps_at_most_its_maximum_and_forgets_the_oldest():
    from clearsight.access.throttle import LoginThrottle

    throttle = LoginThrottle(limit=3, window_s=60, max_entries=100)
    for i in range(1_000):
        assert throttle.begin(f"client:10.0.{i // 256}.{i % 256}") == 0
        throttle.failed(f"client:10.0.{i // 256}.{i % 256}")
    assert len(throttle) == 100
    assert throttle.begin("client:10.0.3.231") == 0  # among the newest: one failure so far, so allowed
    throttle.succeeded("client:10.0.3.231")
    for _ in range(3):
        throttle.begin("client:1.2.3.4")
        throttle.failed("client:1.2.3.4")
    wait = throttle.begin("client:1.2.3.4")
    assert 0 < wait <= 61


def test_refused_attempts_keep_no_memory(portal):
    """A locked-out client sending huge user names is answered without anything being kept for it."""
    _lock_out(portal.url)
    entries = len(portal.portal.throttle)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with httpx.Client(base_url=portal.url) as client:
            for i in range(40):
                r = client.post(TOKEN_URL, data={"username": f"{i}" + "x" * 200_000, "password": "wrong-password-1"})
                assert r.status_code in (422, 429), r.status_code
            for i in range(300):  # names within the limit, each new: refused at once, no entry made
                assert client.post(TOKEN_URL, data={"username": f"user{i}", "password": "wrong"}).status_code == 429
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, f"{grown:,} bytes kept after refused sign-ins"
    assert len(portal.portal.throttle) == entries


def test_credential_fields_longer_than_their_limit_are_refused_before_any_work(portal):
    r = httpx.post(f"{portal.url}{TOKEN_URL}", data={"username": "a" * 65, "password": "whatever-123"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
    r = httpx.post(f"{portal.url}{TOKEN_URL}", data={"username": "analyst", "password": "p" * 1025})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password"
    assert len(portal.portal.throttle) == 0  # nothing was checked, so nothing was counted
    long_key = {"X-API-Key": "cs_" + "k" * 5_000}
    r = httpx.get(f"{portal.url}/api/v1/me", headers=long_key)
    assert r.status_code == 401 and "not valid" in r.json()["detail"]
    r = httpx.get(f"{portal.url}/api/v1/me", headers={"Authorization": "Bearer " + "t" * 10_000})
    assert r.status_code == 401 and "not valid" in r.json()["detail"]


def test_concurrent_guesses_cannot_outrun_the_throttle(portal):
    barrier = threading.Barrier(20)
    codes: list[int] = []

    def guess() -> None:
        barrier.wait()
        codes.append(_wrong(portal.url).status_code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(codes) == 20
    assert codes.count(401) <= 5, codes  # the limit, however many arrive at once
    assert set(codes) <= {401, 429, 503}, codes


def test_password_checks_at_once_are_capped(tmp_path):
    """With the throttle lifted, checks beyond the cap are answered 503 at once instead of queueing."""
    settings = PortalSettings(login_failures=10**9, login_concurrency=2)
    server, _ = start_portal(workspace(None, tmp_path / "home"), portal_settings=settings)
    try:
        barrier = threading.Barrier(20)
        answers: list[httpx.Response] = []

        def guess(i: int) -> None:
            barrier.wait()
            answers.append(_wrong(server.url, username=f"analyst{i}"))

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in answers)
        assert codes.count(503) >= 1 and set(codes) == {401, 503}, codes
        busy = next(r for r in answers if r.status_code == 503)
        assert "try again" in busy.json()["detail"] and busy.headers["retry-after"] == "1"
    finally:
        server.stop()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(home: Path, *options: str) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = {**os.environ, "CLEARSIGHT_HOME": str(home)}
    env.pop("FORWARDED_ALLOW_IPS", None)
    proc = subprocess.Popen(
        [CLEARSIGHT, "serve", "--port", str(port), *options], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/api/v1/health")
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("clearsight serve did not start")


def _sign_in_clients(home: Path) -> list[str]:
    from clearsight.core.store import open_store

    store = open_store(url=f"sqlite:///{home / 'app.sqlite'}")
    try:
        return [e.client for e in audit.entries(store, limit=1000) if e.action == "sign_in"]
    finally:
        store.close()


def test_serve_ignores_forwarded_for_unless_told_to_trust_a_proxy(tmp_path):
    env = {**os.environ, "CLEARSIGHT_HOME": str(tmp_path)}
    add = subprocess.run(
        [CLEARSIGHT, "users", "add", "ana", "--role", "analyst", "--password-stdin"], env=env, input="correct-horse-battery\n",
        capture_output=True, text=True,
    )
    assert add.returncode == 0, add.stderr
    proc, url = _serve(tmp_path)
    try:
        codes = [_wrong(url, f"user{i}", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(8)]
    finally:
        proc.terminate()
        proc.wait(10)
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3  # one client, however many addresses it names
    clients = set(_sign_in_clients(tmp_path))
    assert clients == {"127.0.0.1"}, clients

    proc, url = _serve(tmp_path, "--forwarded-allow-ips", "127.0.0.1")
    try:
        r = httpx.post(
            f"{url}{TOKEN_URL}", data={"username": "ana", "password": "correct-horse-battery"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
    assert "198.51.100.7" in _sign_in_clients(tmp_path)


def _refusals(portal) -> list[audit.AuditEntry]:
    portal.portal.refusals.flush()
    return [e for e in audit.entries(portal.portal.store, limit=10_000) if e.outcome == "refused"]


def test_refused_requests_are_audited(portal):
    url = portal.url
    forged = jwt.encode({"sub": "admin", "kind": "access", "exp": int(time.time()) + 600, "sid": "x"}, "not-the-key-but-long-enough-for-hs256-0123", "HS256")
    expired = jwt.encode({"sub": "admin", "kind": "access", "exp": int(time.time()) - 5, "sid": "x"}, portal.portal.secret, "HS256")
    assert httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    assert httpx.get(f"{url}/api/v1/me", headers={"X-API-Key": "cs_deadbeef_nope"}).status_code == 401
    assert httpx.get(f"{url}/api/v1/me").status_code == 401
    client = httpx.Client(base_url=url)
    assert client.post("/login", data={"username": "auditor", "password": password_of("auditor")}).status_code == 303
    assert client.post("/logout").status_code == 403  # no CSRF token
    client.close()
    _lock_out(url)
    reasons = [e.filter for e in _refusals(portal)]
    for words in ("the token is not valid", "expired", "API key", "sign in first", "CSRF", "too many failed", "wrong user name"):
        assert any(words in f for f in reasons), (words, reasons)


def test_a_flood_of_refusals_adds_few_audit_entries_with_their_count(portal):
    before = len(_refusals(portal))
    with httpx.Client(base_url=portal.url) as client:
        for _ in range(300):
            assert client.get("/api/v1/me").status_code == 401
    entries = [e for e in _refusals(portal)][: len(_refusals(portal)) - before]
    assert 1 <= len(entries) <= 4, len(entries)  # the first, then the repeats (twice more if the minute turned)
    assert sum(e.rows for e in entries) == 300

    _lock_out(portal.url)
    with httpx.Client(base_url=portal.url) as client:  # a spray over many user names: still one client
        for i in range(100):
            r = client.post(TOKEN_URL, data={"username": f"name{i}", "password": "wrong-password-1"})
            assert r.status_code == 429
    throttled = [e for e in _refusals(portal) if "too many failed" in e.filter]
    assert 1 <= len(throttled) <= 4 and sum(e.rows for e in throttled) == 101
    repeats = next(e for e in throttled if e.rows > 1)
    assert len(json.loads(repeats.filter)["actors"]) == 11  # the first ten names, then "…"
    assert audit.verify(portal.portal.store).ok
