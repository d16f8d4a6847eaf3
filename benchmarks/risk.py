"""Risk engine figures: detection quality, batch scoring throughput, training time, peak memory.

Three parts, each run in its own process so that its peak RSS is its own:

* ``detection``: a synthetic world (``--items``, fixed seed), ingested through the quality gate;
  ``evaluate`` with a cutoff two thirds into the period; model and baselines at 1/2/5/10 % budgets, on
  the labelled test items and against the ground truth.
* ``scoring``: a model trained on that world scores ``--score-items`` new declarations (another seed)
  through ``RiskScorer`` — history look-ups (features) + LightGBM — with reasons for the top 1 %;
  also the per-call time of one declaration (what the portal pays). Target: 100k items/s.
* ``training``: a world of ``--train-items`` items with a high inspection rate (asked 0.9; the world's
  rules give about 44 %); point-in-time features of every item in DuckDB, then ``RiskModel.fit`` on
  ``--fit-rows`` labelled rows (the labelled rows repeated when the world has fewer). Target: under 2
  minutes for 1M labelled items.

Writes benchmarks/results/risk.json.

    python benchmarks/risk.py [--items 200000] [--score-items 1000000] [--train-items 1100000]
    python benchmarks/risk.py --part detection --items 50000      # one part only
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from clearsight.core.workspace import Workspace

RESULTS = Path(__file__).parent / "results" / "risk.json"
SEED = 42
CUTOFF = dt.datetime(2024, 5, 1)  # two thirds of the default two-year period


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _world(workdir: Path, items: int, seed: int, **kw) -> tuple[Path, str]:
    """Generate and ingest a world (not timed); return its folder and warehouse URL."""
    from clearsight.core.warehouse import connect
    from clearsight.ingest.load import ingest_file
    from clearsight.synth import generate_world, write_world

    folder = workdir / f"world-{items}-{seed}{'-'.join(f'{k}{v}' for k, v in kw.items())}"
    url = f"duckdb://{folder / 'warehouse.duckdb'}"
    if not (folder / "warehouse.duckdb").exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_world(generate_world(items=items, seed=seed, **kw), folder, "parquet")
        wh = connect(url)
        for table in ("parties", "declarations", "inspections"):
            ingest_file(wh, table, folder / f"{table}.parquet", memory_limit="2GB")
        wh.close()
    return folder, url


def part_detection(args) -> dict:
    from clearsight.core.warehouse import connect
    from clearsight.risk.engine import evaluate

    folder, url = _world(args.workdir, args.items, SEED)
    wh = connect(url)
    started = time.perf_counter()
    ev = evaluate(wh, CUTOFF, world_dir=folder)
    seconds = time.perf_counter() - started
    load = os.getloadavg()[0]
    wh.close()
    data = ev.to_json_dict()

    def brief(metrics: dict) -> dict:
        keep = (
            "auc",
            "precision_at",
            "recall_at",
            "revenue_at",
            "critical_recall_at",
            "normalised_revenue_at",
        )
        return {k: metrics[k] for k in keep}

    return {
        "items": args.items,
        "seed": SEED,
        "cutoff": CUTOFF.isoformat(),
        "n_train": data["n_train"],
        "n_train_fraud": data["n_train_fraud"],
        "n_test_labelled": data["n_test"],
        "n_test_items": data["n_test_items"],
        "revenue_basis": data["revenue_basis"],
        "evaluate_seconds": round(seconds, 1),
        "load_average_1min": round(load, 1),
        "labelled": {"model": brief(data["metrics"])}
        | {k: brief(v["metrics"]) for k, v in data["baselines"].items()},
        "ground_truth": {k: brief(v) for k, v in data["ground_truth"]["metrics"].items()},
        "notes": data["notes"],
        "peak_rss_mb": _peak_mb(),
    }


def part_scoring(args) -> dict:
    import numpy as np

    from clearsight.core.settings import Settings
    from clearsight.core.warehouse import connect
    from clearsight.risk.engine import train
    from clearsight.risk.registry import ModelRegistry
    from clearsight.risk.scorer import RiskScorer
    from clearsight.synth import generate_world

    _, url = _world(args.workdir, args.items, SEED)
    home = args.workdir / "scoring-home"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home, warehouse=url)
    wh = connect(url)
    train(wh, ModelRegistry(Workspace(settings).models_dir), name="bench")
    started = time.perf_counter()
    scorer = RiskScorer.load(settings, warehouse=wh)
    load_seconds = time.perf_counter() - started
    wh.close()
    new = generate_world(items=args.score_items, seed=SEED + 1).declarations
    started, cpu = time.perf_counter(), time.process_time()
    scored = scorer.score(new, explain_top=0)
    plain, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    scorer.score(new, explain_top=args.score_items // 100)
    with_reasons = time.perf_counter() - started
    one = new.slice(0, 1)
    scorer.score(one)  # warm the small-batch dictionaries
    times = []
    cpu = time.process_time()
    for i in range(200):
        t = time.perf_counter()
        scorer.score(new.slice(i, 1))
        times.append(time.perf_counter() - t)
    one_cpu_ms = (time.process_time() - cpu) / 200 * 1000
    return {
        "items": scored.num_rows,
        "history_items": args.items,
        "load_seconds": round(load_seconds, 2),
        "seconds": round(plain, 2),
        "items_per_second": round(scored.num_rows / plain),
        "cpu_seconds": round(plain_cpu, 2),
        "items_per_cpu_second": round(scored.num_rows / plain_cpu),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "seconds_with_reasons_top_1pct": round(with_reasons, 2),
        "items_per_second_with_reasons_top_1pct": round(scored.num_rows / with_reasons),
        "one_declaration_ms_median": round(float(np.median(times)) * 1000, 2),
        "one_declaration_ms_p95": round(float(np.percentile(times, 95)) * 1000, 2),
        "one_declaration_cpu_ms_mean": round(one_cpu_ms, 2),
        "target_items_per_second": 100_000,
        "peak_rss_mb": _peak_mb(),
    }


def part_training(args) -> dict:
    import numpy as np
    import pyarrow as pa

    from clearsight.core.warehouse import connect
    from clearsight.risk.engine import _arrays, _labelled, attach_labels, label_table
    from clearsight.risk.history import point_in_time, revenue_basis
    from clearsight.risk.model import RiskModel

    _, url = _world(args.workdir, args.train_items, SEED, inspection_rate=0.9, random_share=0.05)
    wh = connect(url)
    started = time.perf_counter()
    basis = revenue_basis(wh)
    hist = point_in_time(wh, basis=basis)
    data = _labelled(attach_labels(hist, label_table(wh, basis)))
    features_seconds = time.perf_counter() - started
    wh.close()
    labelled = data.num_rows
    if labelled < args.fit_rows:  # the world has fewer labels than asked: repeat them to measure the fit
        data = pa.concat_tables([data] * -(-args.fit_rows // labelled)).slice(0, args.fit_rows)
    y, _, r = _arrays(data)
    started, cpu = time.perf_counter(), time.process_time()
    model = RiskModel().fit(data, y, r)
    fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "items": args.train_items,
        "labelled_items": labelled,
        "fit_rows": len(y),
        "fit_rows_note": "labelled rows repeated to reach fit_rows" if len(y) > labelled else "",
        "frauds": int(np.sum(y)),
        "features": len(model.builder_.feature_names_),
        "point_in_time_features_seconds": round(features_seconds, 1),
        "fit_seconds": round(fit_seconds, 1),
        "fit_cpu_seconds": round(fit_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "total_seconds": round(features_seconds + fit_seconds, 1),
        "target_seconds": 120,
        "peak_rss_mb": _peak_mb(),
    }


PARTS = {"detection": part_detection, "scoring": part_scoring, "training": part_training}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=tuple(PARTS))
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--score-items", type=int, default=1_000_000)
    parser.add_argument("--train-items", type=int, default=1_100_000)
    parser.add_argument("--fit-rows", type=int, default=1_000_000, help="Labelled rows the fit is timed on.")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clearsight-risk-bench"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.child:
        print(json.dumps(PARTS[args.part](args)))
        return
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = previous.get("results", {})
    for part in [args.part] if args.part else list(PARTS):
        cmd = [sys.executable, __file__, "--child", "--part", part, "--items", str(args.items)]
        cmd += ["--score-items", str(args.score_items), "--train-items", str(args.train_items)]
        cmd += ["--fit-rows", str(args.fit_rows), "--workdir", str(args.workdir)]
        print(f"running {part} ...", file=sys.stderr)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results[part] = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(results[part], indent=2), file=sys.stderr)
    import duckdb
    import lightgbm

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "risk engine: detection, scoring throughput, training time, peak memory",
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "duckdb": duckdb.__version__,
                    "lightgbm": lightgbm.__version__,
                },
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
