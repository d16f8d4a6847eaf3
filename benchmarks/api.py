"""Scoring API under load: throughput and latency of ``POST /api/v1/score`` on loopback.

Builds a workspace (a synthetic world ingested through the quality gate, a risk model trained and
promoted, a service API key), starts ``clearsight serve`` in its own process, then runs a load
generator in this process: 32 concurrent clients (asyncio + httpx), each sending single-item
declarations back to back, bounded in count and in time. The same load on ``GET /api/v1/health``
from the same run gives the server's floor. Writes benchmarks/results/api.json.

Targets on the 2-core reference machine: at least 300 requests/s, p99 under 50 ms, zero errors.
(With 32 clients in a closed loop, Little's law ties the two: mean latency = 32 / throughput.)

    python benchmarks/api.py [--items 20000] [--requests 4000] [--seconds 30] [--clients 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

RESULTS = Path(__file__).parent / "results" / "api.json"
TARGET = {"requests_per_s": 300, "p99_ms": 50, "errors": 0}


def build_workspace(home: Path, items: int) -> str:
    """World, ingestion, model, API key; returns the key."""
    from clearsight.config import Settings, init_workspace
    from clearsight.ingest.load import ingest_file
    from clearsight.risk.engine import train
    from clearsight.risk.registry import ModelRegistry
    from clearsight.synth import generate_world, write_world
    from clearsight.warehouse import connect

    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home)
    init_workspace(settings)
    world = home / "world"
    write_world(generate_world(items=items, seed=11), world, "parquet")
    wh = connect(settings.warehouse_url)
    for table in ("parties", "declarations", "inspections"):
        ingest_file(wh, table, world / f"{table}.parquet")
    train(wh, ModelRegistry(settings.models_dir), promote=True, name="bench-model")
    wh.close()
    return new_key(home)


def new_key(home: Path) -> str:
    from clearsight.access.store import open_store
    from clearsight.access.users import create_api_key
    from clearsight.config import Settings

    store = open_store(Settings(home=home))
    key, _ = create_api_key(store, f"bench-{time.time_ns()}"[:60], "service", "benchmark")
    store.close()
    return key


def declaration(n: int) -> dict:
    return {
        "declaration_id": f"BENCH-{n:08d}",
        "office_id": "KESEA01",
        "declarant_id": "IM000109",
        "importer_id": "IM000109",
        "lodged_at": "2025-01-15T10:00:00",
        "mode_of_transport": "sea",
        "items": [{"item_no": 1, "hs_code": "85414300", "country_of_origin": "CN", "customs_value": 15000.0 + n % 997,
                   "net_mass_kg": 350.0, "quantity": 17, "quantity_unit": "u", "duty_rate": 10.0}],
    }


async def load(url: str, method: str, key: str, clients: int, total: int, seconds: float) -> dict:
    """Closed-loop load: ``clients`` tasks share a budget of ``total`` requests and a deadline."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = iter(range(total))
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(headers={"X-API-Key": key}, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for n in counter:
                if time.perf_counter() > deadline:
                    return
                t = time.perf_counter()
                try:
                    r = await (client.post(url, json=declaration(n)) if method == "POST" else client.get(url))
                    ok = r.status_code == 200
                    label = str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, label = False, type(exc).__name__
                latencies.append(time.perf_counter() - t)
                if not ok:
                    errors[label] = errors.get(label, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000, help="Goods items in the synthetic world.")
    parser.add_argument("--requests", type=int, default=4_000, help="Most requests per endpoint.")
    parser.add_argument("--seconds", type=float, default=30.0, help="Most seconds per endpoint.")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clearsight-bench-api"))
    parser.add_argument("--reuse", action="store_true", help="Reuse the workspace of an earlier run (new key only).")
    args = parser.parse_args()

    if args.reuse and (args.workdir / "models" / "registry.json").exists():
        key = new_key(args.workdir)
    else:
        print(f"building the workspace ({args.items:,} items, a trained model) in {args.workdir} ...", flush=True)
        key = build_workspace(args.workdir, args.items)
    load_before = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews the figures
    port = free_port()
    env = {**os.environ, "CLEARSIGHT_HOME": str(args.workdir)}
    clearsight = Path(sys.executable).parent / "clearsight"
    server = subprocess.Popen(
        [str(clearsight), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start: " + server.stderr.read().decode()[-2000:])
        asyncio.run(load(f"{base}/api/v1/score", "POST", key, args.clients, 200, 30))  # warm-up (model load)
        score = asyncio.run(load(f"{base}/api/v1/score", "POST", key, args.clients, args.requests, args.seconds))
        health = asyncio.run(load(f"{base}/api/v1/health", "GET", key, args.clients, args.requests, args.seconds))
        # One client, one request at a time: the service time of a request, without queueing.
        single = asyncio.run(load(f"{base}/api/v1/score", "POST", key, 1, 300, args.seconds))
    finally:
        server.terminate()
        server.wait(10)
    result = {
        "figure": "scoring API on loopback, single-item declarations",
        "clients": args.clients,
        "world_items": args.items,
        "target": TARGET,
        "score": score,
        "health": health,
        "score_one_client": single,
        "load_average_before": load_before,
        "meets_target": score["requests_per_s"] >= TARGET["requests_per_s"] and score["p99_ms"] < TARGET["p99_ms"] and score["errors"] == 0,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"score": score, "health": health, "score_one_client": single, "load_average_before": load_before}, indent=2))


if __name__ == "__main__":
    main()
