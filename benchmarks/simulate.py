"""Simulator figures: does the feedback loop pay off, and how long does the simulation take?

A world of ``--items`` goods items is generated in memory (26 weeks of legacy history, then the
simulated weeks; the new scheme starts four weeks in), and random, rules, model and model+explore
selection are replayed for ``--weeks`` weeks at a ``--budget`` % inspection budget, each strategy
learning only from its own inspections, the model strategies retraining every week. Writes the
simulator's JSON (``clearsight simulate --json``) of the first seed, plus wall and CPU seconds and the
load average, to benchmarks/results/simulate.json. Revenue is heavy-tailed (one prohibited
consignment's fine can weigh a percent of the total), so ``--seeds`` replays other worlds too and
their totals are recorded beside it, with the difference model+explore − model per world (its mean
and spread): a difference between strategies that changes sign from one world to the next is noise.

    python benchmarks/simulate.py [--items 300000] [--weeks 26] [--budget 5] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import lightgbm
import numpy as np

from clearsight.lab.simulate import STRATEGIES, generated_world, simulate

RESULTS = Path(__file__).parent / "results" / "simulate.json"


def explore_vs_model(seeds: list[int], runs: list[dict]) -> dict | None:
    """model+explore − model per world: revenue (as a % of model's) and weeks to detect the scheme."""
    pairs = [
        (seed, run["strategies"]["model"], run["strategies"]["model+explore"])
        for seed, run in zip(seeds, runs, strict=True)
        if {"model", "model+explore"} <= run["strategies"].keys()
    ]
    if not pairs:
        return None
    diff = [
        (e["cumulative_revenue"] - m["cumulative_revenue"]) / m["cumulative_revenue"] * 100
        for _, m, e in pairs
    ]
    return {
        "revenue_difference_pct": {
            str(seed): round(d, 2) for (seed, _, _), d in zip(pairs, diff, strict=True)
        },
        "mean_pct": round(float(np.mean(diff)), 2),
        "sd_pct": round(float(np.std(diff, ddof=1)), 2) if len(diff) > 1 else None,
        "weeks_to_detect": {
            str(seed): {
                "model": m["weeks_to_detect_new_scheme"],
                "model+explore": e["weeks_to_detect_new_scheme"],
            }
            for seed, m, e in pairs
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=300_000)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--budget", type=float, default=5.0, help="% of items")
    parser.add_argument("--explore-share", type=float, default=20.0, help="% of the red budget")
    parser.add_argument("--seeds", default="0,1,2", help="world and draw seeds, comma-separated")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]

    load_before = os.getloadavg()[0]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    runs, generated = [], 0.0
    for seed in seeds:
        started = time.perf_counter()
        world = generated_world(args.items, seed, args.weeks)
        generated += time.perf_counter() - started
        result = simulate(
            world,
            weeks=args.weeks,
            budget=args.budget / 100,
            strategies=STRATEGIES,
            explore_share=args.explore_share / 100,
            seed=seed,
        )
        runs.append(result.to_json_dict())
        del world
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    data = runs[0]
    data["seed"] = seeds[0]
    data["other_seeds"] = {
        str(seed): {
            name: {
                "cumulative_revenue": s["cumulative_revenue"],
                "oracle_revenue": s["oracle_revenue"],
                "share_of_oracle": s["share_of_oracle"],
                "weeks_to_detect_new_scheme": s["weeks_to_detect_new_scheme"],
                "frauds_found": sum(s["frauds_found"]),
            }
            for name, s in run["strategies"].items()
        }
        for seed, run in zip(seeds[1:], runs[1:], strict=True)
    }
    data["explore_vs_model"] = explore_vs_model(seeds, runs)
    data["benchmark"] = "simulator: random, rules, model and model+explore on a generated world"
    data["timing"] = {
        "wall_seconds": round(wall, 1),
        "runs": len(seeds),
        "wall_seconds_per_run": round(wall / len(seeds), 1),
        "cpu_seconds": round(cpu, 1),
        "generate_seconds": round(generated, 1),
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    data["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "lightgbm": lightgbm.__version__,
    }
    data["command"] = (
        f"python benchmarks/simulate.py --items {args.items} --weeks {args.weeks} --budget {args.budget:g} "
        f"--explore-share {args.explore_share:g} --seeds {args.seeds}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(
        f"{args.items:,} items, {args.weeks} weeks at {args.budget:g} %, {len(seeds)} world(s): "
        f"{wall:.0f} s wall, {cpu:.0f} s CPU"
    )
    for seed, run in zip(seeds, runs, strict=True):
        for name, s in run["strategies"].items():
            print(
                f"  seed {seed} {name:<14} revenue {s['cumulative_revenue']:>16,.0f} "
                f"({s['share_of_oracle'] * 100:.1f} % of the oracle), "
                f"scheme detected after {s['weeks_to_detect_new_scheme']} weeks"
            )
    if data["explore_vs_model"]:
        print(f"  model+explore − model: {data['explore_vs_model']}")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
