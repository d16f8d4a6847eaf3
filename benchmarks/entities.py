"""Entity resolution speed, peak memory and pairwise quality on N trader records.

The issue's target: 1,000,000 party records in under 5 minutes. Records are drawn like the synthetic
world's traders (a word, a distinctive coined word, a trade word and a legal form; an address; a
telephone), and a tenth of them get a second record as a clerk or officer would write it (spelling
variant, legal form, another id, contact sometimes missing), so precision and recall against that
truth come out too. The coined word keeps names about as distinct as a real register's: the synthetic
world's 72 × 70 name words alone would give a million records two hundred companies per name, a
register no administration holds. Writes benchmarks/results/entities.json: one entry per size run
(seconds per stage, peak RSS, pairs, precision, recall).
Run: .venv/bin/python benchmarks/entities.py [--records 200000] [--backend duckdb]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

RESULTS = Path(__file__).parent / "results" / "entities.json"
DUPLICATE_SHARE = 0.1


def planted_records(n: int, seed: int) -> tuple[pa.Table, list[list[str]]]:
    """``n`` records, a tenth of them second records of another, and the true groups."""
    from clearsight.synth.identities import spelling_variant
    from clearsight.synth.reference import CITIES, LOCAL_SUFFIXES, NAME_WORDS, SECTOR_NAME_WORDS, STREETS

    rng = np.random.default_rng(seed)
    syllables = ["ka", "ri", "to", "ma", "zu", "le", "no", "sa", "vi", "de", "lo", "ba", "mi", "ra", "ko", "te",
                 "ju", "na", "pe", "si", "wa", "go", "fu", "ye", "ho", "ne", "ta", "bi", "ru", "xa"]  # fmt: skip
    trade = [w for words in SECTOR_NAME_WORDS.values() for w in words]
    cities = [c for cs in CITIES.values() for c in cs]
    n_dup = int(n * DUPLICATE_SHARE)
    n_base = n - n_dup
    rows = []
    for i in range(n_base):
        coined = "".join(
            syllables[k] for k in rng.integers(len(syllables), size=int(rng.integers(2, 4)))
        ).title()
        name = (
            f"{NAME_WORDS[rng.integers(len(NAME_WORDS))]} {coined} {trade[rng.integers(len(trade))]} "
            f"{LOCAL_SUFFIXES[rng.integers(len(LOCAL_SUFFIXES))]}"
        )
        address = f"{rng.integers(1, 999)} {STREETS[rng.integers(len(STREETS))]}, {cities[rng.integers(len(cities))]}"
        phone = f"+254 7{rng.integers(10_000_000, 99_999_999)}" if rng.random() < 0.85 else None
        rows.append((f"party:T{i:08d}", name, address, f"T{i:08d}", phone))
    truth = []
    for j, k in enumerate(rng.choice(n_base, n_dup, replace=False)):
        _, name, address, _, phone = rows[k]
        rid = f"party:D{j:08d}"
        rows.append(
            (
                rid,
                spelling_variant(rng, name),
                address if rng.random() < 0.6 else None,
                f"D{j:08d}",
                phone if rng.random() < 0.7 else None,
            )
        )
        truth.append([rows[k][0], rid])
    ids, names, addresses, idents, phones = zip(*rows, strict=True)
    table = pa.table(
        {
            "record_id": list(ids),
            "source": ["parties"] * n,
            "role": ["importer"] * n,
            "kind": ["company"] * n,
            "name": list(names),
            "address": list(addresses),
            "country": ["KE"] * n,
            "identifier": list(idents),
            "phone": list(phones),
            "email": pa.nulls(n, pa.string()),
        }
    )
    return table, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", default="duckdb", choices=("duckdb", "spark"))
    args = parser.parse_args()

    from clearsight.entities import normalised
    from clearsight.entities.resolve import apply_decisions, cluster, pairwise_quality, score_pairs

    load = os.getloadavg()  # the machine is shared: how busy it was is part of the figure
    stages: dict[str, float] = {}
    t = time.perf_counter()
    records, truth = planted_records(args.records, args.seed)
    stages["draw_records"] = time.perf_counter() - t
    t = time.perf_counter()
    records = normalised(records)
    stages["normalise"] = time.perf_counter() - t
    t = time.perf_counter()
    pairs = score_pairs(records, backend=args.backend)
    stages["train_and_score"] = time.perf_counter() - t
    t = time.perf_counter()
    clusters = cluster(records.column("record_id").to_pylist(), apply_decisions(pairs, []))
    stages["cluster"] = time.perf_counter() - t
    quality = pairwise_quality(clusters, truth)
    resolve_seconds = stages["normalise"] + stages["train_and_score"] + stages["cluster"]
    result = {
        "records": args.records,
        "backend": args.backend,
        "pairs_scored": pairs.num_rows,
        "seconds": {k: round(v, 2) for k, v in stages.items()},
        "resolve_seconds": round(resolve_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "quality": quality,
        "target": "1,000,000 records in under 300 s",
        "machine": {
            "load_average_at_start": [round(x, 2) for x in load],
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.system(),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    runs = {}
    if RESULTS.is_file():
        previous = json.loads(RESULTS.read_text())
        runs = previous.get("runs", {})
    runs[f"{args.records}-{args.backend}"] = result
    RESULTS.write_text(
        json.dumps({"runs": dict(sorted(runs.items(), key=lambda kv: kv[1]["records"]))}, indent=2) + "\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
