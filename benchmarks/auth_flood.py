"""Sign-in floods: the server's memory and audit log while anonymous callers are refused.

Starts ``clearsight serve`` in its own process over a fresh workspace (one user), then sends refused
sign-in attempts of each kind, ``--attempts`` of each (1,000 by default), ``--rounds`` times (2):

- sequential: wrong passwords for the one user, one after another;
- concurrent: wrong passwords for the one user, ``--clients`` at a time;
- forged: a different ``X-Forwarded-For`` address and user name on each attempt (the server is
  started without ``--forwarded-allow-ips``, so the header must change nothing);
- huge: 900,000-character user names and passwords in the form, 60,000-character API keys and
  bearer tokens in the headers (a quarter each).

It reads the server's resident memory (``VmRSS``) and its peak (``VmHWM``) from /proc before and
after each kind, and, after the server has stopped, how many entries the audit log gained. A second
server, with the throttle lifted (``CLEARSIGHT_PORTAL_LOGIN_FAILURES``), takes the concurrent kind
again, so every attempt reaches a password check: the cap on checks at once
(``CLEARSIGHT_PORTAL_LOGIN_CONCURRENCY``, 4) bounds its peak. Writes benchmarks/results/auth_flood.json.

Target: resident memory after the flood within 20 MB of before it; audit entries a few per kind.

    python benchmarks/auth_flood.py [--attempts 1000] [--clients 50] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results" / "auth_flood.json"
CLEARSIGHT = str(Path(sys.executable).parent / "clearsight")
USER, PASSWORD = "analyst", "the-right-password-1"
TARGET_RSS_GROWTH_MB = 20


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak, in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"], 1), "peak_mb": round(fields["VmHWM"], 1)}


def audit_entries(home: Path) -> int:
    with sqlite3.connect(home / "app.sqlite") as con:
        return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def start(home: Path, env_extra: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = {**os.environ, "CLEARSIGHT_HOME": str(home), **env_extra}
    env.pop("FORWARDED_ALLOW_IPS", None)
    proc = subprocess.Popen([CLEARSIGHT, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{url}/api/v1/health", timeout=2)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("clearsight serve did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()  # a clean exit writes the refusal counts still pending to the audit log
    proc.wait(30)


def wrong(client: httpx.Client, username: str = USER, password: str = "wrong-password-1", **headers: str) -> int:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password}, headers=headers).status_code


def sequential(url: str, n: int, clients: int) -> Counter:
    with httpx.Client(base_url=url, timeout=60) as client:
        return Counter(wrong(client) for _ in range(n))


def concurrent(url: str, n: int, clients: int) -> Counter:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    with httpx.Client(base_url=url, timeout=60, limits=limits) as client, ThreadPoolExecutor(clients) as pool:
        return Counter(pool.map(lambda _: wrong(client), range(n)))


def forged(url: str, n: int, clients: int) -> Counter:
    with httpx.Client(base_url=url, timeout=60) as client:
        return Counter(
            wrong(client, f"user{i}", **{"X-Forwarded-For": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"}) for i in range(n)
        )


def huge(url: str, n: int, clients: int) -> Counter:
    name, secret, header = "u" * 900_000, "p" * 900_000, "k" * 60_000
    codes: Counter = Counter()
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(n):
            kind = i % 4
            if kind == 0:
                codes[wrong(client, username=name + str(i))] += 1
            elif kind == 1:
                codes[wrong(client, password=secret + str(i))] += 1
            elif kind == 2:
                codes[client.get("/api/v1/me", headers={"X-API-Key": f"cs_{header}{i}"}).status_code] += 1
            else:
                codes[client.get("/api/v1/me", headers={"Authorization": f"Bearer {header}{i}"}).status_code] += 1
    return codes


KINDS = {"sequential": sequential, "concurrent": concurrent, "forged": forged, "huge": huge}


def flood(home: Path, kinds: list[str], attempts: int, clients: int, env_extra: dict[str, str], rounds: int) -> dict:
    entries_before = audit_entries(home)
    proc, url = start(home, env_extra)
    try:
        with httpx.Client(base_url=url) as client:  # warm up: one good sign-in, every code path loaded
            assert client.post("/api/v1/auth/token", data={"username": USER, "password": PASSWORD}).status_code == 200
        first = memory_mb(proc.pid)
        runs = []
        for round_no, kind in ((r, k) for r in range(1, rounds + 1) for k in kinds):
            before = memory_mb(proc.pid)
            t0 = time.perf_counter()
            codes = KINDS[kind](url, attempts, clients)
            seconds = time.perf_counter() - t0
            after = memory_mb(proc.pid)
            runs.append({"round": round_no, "kind": kind, "attempts": attempts, "status_codes": dict(sorted(codes.items())), "seconds": round(seconds, 1),
                         "before": before, "after": after})
            print(f"  {round_no} {kind:10s} {dict(sorted(codes.items()))}  RSS {before['rss_mb']} -> {after['rss_mb']} MB"
                  f"  (peak {after['peak_mb']} MB)  {seconds:.1f} s", flush=True)
        last = memory_mb(proc.pid)
    finally:
        stop(proc)
    return {"settings": env_extra, "rss_after_warm_up_mb": first["rss_mb"], "rss_after_flood_mb": last["rss_mb"],
            "rss_growth_mb": round(last["rss_mb"] - first["rss_mb"], 1), "peak_mb": last["peak_mb"], "kinds": runs,
            "audit_entries_added": audit_entries(home) - entries_before - 1}  # less the warm-up sign-in


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="Times every kind is sent (a second round shows the plateau).")
    args = parser.parse_args()

    from clearsight.access.users import add_user
    from clearsight.core.store import open_store

    home = Path(tempfile.mkdtemp(prefix="auth-flood-"))
    try:
        store = open_store(url=f"sqlite:///{home / 'app.sqlite'}")
        add_user(store, USER, "analyst", PASSWORD)
        store.close()
        print("default settings (throttle on): every kind")
        throttled = flood(home, list(KINDS), args.attempts, args.clients, {}, args.rounds)
        print("throttle lifted: concurrent attempts all reach a password check, capped at 4 at once")
        lifted = flood(home, ["concurrent"], args.attempts, args.clients,
                       {"CLEARSIGHT_PORTAL_LOGIN_FAILURES": str(10**9), "CLEARSIGHT_PORTAL_LOGIN_CONCURRENCY": "4"},
                       args.rounds)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result = {
        "benchmark": "auth_flood",
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
        "clients": args.clients,
        "rounds": args.rounds,
        "target": {"rss_growth_mb_at_most": TARGET_RSS_GROWTH_MB},
        "throttled": throttled,
        "throttle_lifted": lifted,
        "met": throttled["rss_growth_mb"] <= TARGET_RSS_GROWTH_MB and lifted["rss_growth_mb"] <= TARGET_RSS_GROWTH_MB,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"RSS growth: {throttled['rss_growth_mb']} MB (throttled), {lifted['rss_growth_mb']} MB (lifted); "
          f"audit entries added: {throttled['audit_entries_added']}, {lifted['audit_entries_added']}; written {RESULTS}")


if __name__ == "__main__":
    main()
