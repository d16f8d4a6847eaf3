"""Entity resolution of traders with Splink: which records are one importer, exporter, broker or
person, with a match probability for every pair compared and a review queue for the uncertain ones.

The model is Fellegi-Sunter (Splink): for each field, how much more often true matches agree than
non-matches do. Non-match agreement rates (u) are measured on random pairs; match agreement rates (m)
start from stated priors and are refined by expectation maximisation on blocked pairs, so no labels
are needed. Pairs at or above ``accept`` are merged; pairs between ``review`` and ``accept`` wait
for a person's decision; decisions already made override the model (a "same" pair is merged, a
"different" pair is never merged directly) and are kept for every later run.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.errors import UserError

Backend = Literal["duckdb", "spark"]
#: Pairs at or above this match probability are the same entity.
ACCEPT = 0.95
#: Pairs from here up to ``ACCEPT`` go to the review queue.
REVIEW = 0.5
#: The columns Splink compares (after :func:`clearsight.entities.records.normalised`).
MODEL_COLUMNS = (
    "record_id",
    "kind",
    "country",
    "name_core",
    "legal_form",
    "name_key",
    "name_first",
    "name_last",
    "name_skeleton",
    "name_prefix",
    "name_ends",
    "address_norm",
    "phone_norm",
    "email_norm",
    "identifier_norm",
)


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a pair: ``same`` or ``different``."""

    left_id: str
    right_id: str
    decision: Literal["same", "different"]


@dataclass
class Resolution:
    """The outcome of one run: the pairs scored, the entities, and how they were reached."""

    backend: str
    records: int
    pairs_scored: int
    accepted_pairs: int
    #: seizure parties known by name only, linked by the second pass
    name_only_links: int
    review_pairs: int
    decisions_applied: int
    entities: int
    multi_record_entities: int
    largest_entity: int
    accept: float
    review: float
    seconds: float
    #: pairwise precision and recall against a known truth (a synthetic world's), when there is one
    quality: dict[str, Any] | None = None
    pairs: pa.Table = field(default_factory=lambda: pa.table({}), repr=False)
    clusters: pa.Table = field(default_factory=lambda: pa.table({}), repr=False)

    def summary(self) -> dict[str, Any]:
        """The figures, without the tables (what ``--json`` prints)."""
        out = asdict(self)
        out.pop("pairs"), out.pop("clusters")
        return out


#: The name comparison's levels (Splink's gamma), from "unlike" (0) up; a name "alike" for the
#: second pass is at least ``NAME_ALIKE``: Jaro-Winkler 0.95, the same key, or the same name.
NAME_LEVELS = (
    "unlike",
    "jaro-winkler 0.80",
    "jaro-winkler 0.88",
    "jaro-winkler 0.95",
    "same key",
    "same name",
)
NAME_ALIKE = 3
#: Pairs a register may have for all of them to train the fuzzy levels' u (about 450 records).
ALL_PAIRS = 100_000


def exact_agreement(records: pa.Table, column: str) -> float:
    """The share of pairs of distinct records giving ``column`` that agree on it (Splink's u of an
    exact-match level: pairs where one value is missing fall in the null level, not here), counted
    exactly from the values' frequencies. Random sampling cannot measure it for a value rarely shared
    (a telephone, an address): among two million random pairs of a million records none may agree, and
    the level would go untrained and weigh nothing."""
    counts = records.group_by(column).aggregate([(column, "count")]).filter(pc.is_valid(pc.field(column)))
    c = counts.column(f"{column}_count").to_numpy().astype(np.float64)
    k = float(c.sum())
    if k < 2:
        return 1.0
    return max(float((c * (c - 1)).sum()) / (k * (k - 1.0)), 1.0 / (k * (k - 1.0)))


def _exact(column: str, m: float, u: float):
    """An exact-match comparison with its stated m and its counted u (kept through training)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(m_probability=m, u_probability=u, fix_u_probability=True),
            cll.ElseLevel().configure(m_probability=1 - m),
        ],
        output_column_name=column,
    )


def _settings(records: pa.Table):
    """The model: comparisons with their stated m priors (and the u of exact levels counted on
    ``records``), and the blocking rules of candidate pairs."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    u = {c: exact_agreement(records, c) for c in ("name_core", "address_norm", "phone_norm", "email_norm",
                                                  "identifier_norm", "country")}  # fmt: skip
    name = cl.CustomComparison(
        [
            cll.NullLevel("name_core"),
            # term-frequency adjusted: a rare exact name is strong evidence, a name many records
            # carry is weak
            cll.ExactMatchLevel("name_core", term_frequency_adjustments=True).configure(
                m_probability=0.6, u_probability=u["name_core"], fix_u_probability=True
            ),
            # the same words once legal forms, common trade words and numbers are dropped: a phoenix's
            # "New ..." or "... (2024)"
            cll.ExactMatchLevel("name_key").configure(m_probability=0.1),
            cll.JaroWinklerLevel("name_core", 0.95).configure(m_probability=0.15),
            cll.JaroWinklerLevel("name_core", 0.88).configure(m_probability=0.08),
            cll.JaroWinklerLevel("name_core", 0.8).configure(m_probability=0.0499),
            cll.ElseLevel().configure(m_probability=0.0001),
        ],
        output_column_name="name_core",
    )
    address = cl.CustomComparison(
        [
            cll.NullLevel("address_norm"),
            cll.ExactMatchLevel("address_norm").configure(
                m_probability=0.6, u_probability=u["address_norm"], fix_u_probability=True
            ),
            cll.JaroWinklerLevel("address_norm", 0.95).configure(m_probability=0.15),
            cll.JaroWinklerLevel("address_norm", 0.85).configure(m_probability=0.1),
            cll.ElseLevel().configure(m_probability=0.15),
        ],
        output_column_name="address_norm",
    )
    comparisons = [
        name,
        address,
        _exact("phone_norm", 0.85, u["phone_norm"]),
        _exact("email_norm", 0.8, u["email_norm"]),
        _exact("identifier_norm", 0.6, u["identifier_norm"]),
        _exact("country", 0.97, u["country"]),
    ]
    blocking = [
        block_on("identifier_norm"),
        block_on("phone_norm"),
        block_on("email_norm"),
        block_on("name_key", "kind"),
        block_on("address_norm", "kind"),
        block_on("name_ends", "kind"),
        # a typing slip: vowels and doubled letters (the skeleton), a later word (the prefix)
        block_on("name_skeleton", "kind"),
        block_on("name_prefix", "kind"),
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=True,  # each comparison's weight explains a pair
        retain_matching_columns=False,
    )


def _db_api(backend: Backend):
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    if backend == "spark":
        from splink import SparkAPI

        from clearsight.core.warehouse import spark_session

        # the warehouse's session when it is Spark (one per process), made with Splink's similarity jar
        spark = spark_session("local[2]", app_name="clearsight-entities")
        if spark.sparkContext.getCheckpointDir() is None:  # Splink checkpoints to cut long query plans
            import tempfile

            spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="clearsight-splink-"))
        return SparkAPI(spark_session=spark)
    raise UserError(f"unknown backend {backend!r}; backends: duckdb, spark")


def _u_pairs(n: int) -> float:
    """Pairs sampled for the u of the fuzzy levels. Splink samples records by a hash of their id that
    each engine computes its own way, so a sample is not the same on DuckDB and Spark: a register with
    up to ``ALL_PAIRS`` pairs is compared whole (the same u, and results, on both engines); a larger one
    samples (match probabilities may then differ by about 1e-6 between engines)."""
    every = n * (n - 1) / 2
    return every + n if every <= ALL_PAIRS else min(2e6, 5.0 * n**1.5)


def score_pairs(records: pa.Table, *, backend: Backend = "duckdb", floor: float = 0.05) -> pa.Table:
    """Every blocked pair of ``records`` (normalised) with its match probability and weight, at or
    above ``floor``: ``left_id``, ``right_id``, ``match_probability``, ``match_weight``."""
    from splink import Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    db = _db_api(backend)
    data = records.select(list(MODEL_COLUMNS))
    frame = db.register(data.to_pandas() if backend == "spark" else data)
    linker = Linker(frame, _settings(data), log_level=logging.ERROR)
    # prior: how often two random records are one entity, from pairs that surely are
    linker.training.estimate_probability_two_random_records_match(
        [block_on("identifier_norm"), block_on("phone_norm", "name_key")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=_u_pairs(len(records)), seed=1)
    predictions = linker.inference.predict(threshold_match_probability=floor)
    df = predictions.as_pandas_dataframe()
    if df.empty:
        return pa.table(
            {"left_id": pa.array([], pa.string()), "right_id": pa.array([], pa.string()),
             "match_probability": pa.array([], pa.float64()), "match_weight": pa.array([], pa.float64()),
             "name_weight": pa.array([], pa.float64()), "countries_differ": pa.array([], pa.bool_())}
        )  # fmt: skip
    return pa.table(
        {
            "left_id": pa.array(df["record_id_l"].astype(str).to_numpy(), pa.string()),
            "right_id": pa.array(df["record_id_r"].astype(str).to_numpy(), pa.string()),
            "match_probability": pa.array(df["match_probability"].astype(float).to_numpy(), pa.float64()),
            "match_weight": pa.array(df["match_weight"].astype(float).to_numpy(), pa.float64()),
            # the names' share of the match weight: below 0 when they do not look alike, 0 when one is missing
            "name_weight": pa.array(
                (
                    df["mw_name_core"].astype(float) + df["mw_tf_adj_name_core"].fillna(0).astype(float)
                ).to_numpy(),
                pa.float64(),
            ),
            # both countries known and not the same: two legal persons, however alike (see apply_decisions)
            "countries_differ": pa.array(
                _countries_differ(records, df["record_id_l"], df["record_id_r"]), pa.bool_()
            ),
        }
    )


def _countries_differ(records: pa.Table, left: Any, right: Any) -> np.ndarray:
    """For each pair, whether both records give a country and not the same one (read from the records:
    the comparison's weight cannot tell, since agreeing on the one country most records share weighs
    below zero)."""
    country = dict(
        zip(records.column("record_id").to_pylist(), records.column("country").to_pylist(), strict=True)
    )
    a = [country.get(x) for x in left.astype(str)]
    b = [country.get(x) for x in right.astype(str)]
    return np.array([bool(x and y and x != y) for x, y in zip(a, b, strict=True)], dtype=bool)


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def apply_decisions(
    pairs: pa.Table, decisions: list[Decision], *, accept: float = ACCEPT, review: float = REVIEW
) -> pa.Table:
    """``pairs`` with a ``status``: accepted, review or below by the model; confirmed or rejected by a
    decision (a decided pair the model did not score is added with its decision)."""
    decided = {_ordered(d.left_id, d.right_id): d.decision for d in decisions}
    left = pairs.column("left_id").to_pylist()
    right = pairs.column("right_id").to_pylist()
    prob = pairs.column("match_probability").to_numpy()
    status = np.where(prob >= accept, "accepted", np.where(prob >= review, "review", "below")).astype(object)
    # shared contacts or premises with names that do not look alike (a broker fronting for a ring, a
    # family business) are a link, not an identity: a person decides
    unlike = pairs.column("name_weight").to_numpy(zero_copy_only=False) < 0
    status[(status == "accepted") & unlike] = "review"
    # a trader registered in two countries is two legal persons (a group's subsidiaries, or two firms of
    # one name): a person decides
    if "countries_differ" in pairs.column_names:
        differ = pairs.column("countries_differ").to_numpy(zero_copy_only=False).astype(bool)
        status[(status == "accepted") & differ] = "review"
    seen = set()
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        key = _ordered(a, b)
        seen.add(key)
        if key in decided:
            status[i] = "confirmed" if decided[key] == "same" else "rejected"
    extra = [(k, v) for k, v in decided.items() if k not in seen]
    out = pairs.append_column("status", pa.array(status.tolist(), pa.string()))
    if extra:
        out = pa.concat_tables(
            [
                out,
                _unscored(
                    out.schema,
                    [k for k, _ in extra],
                    ["confirmed" if v == "same" else "rejected" for _, v in extra],
                ),
            ]
        )
    return out


def _unscored(schema: pa.Schema, keys: list[tuple[str, str]], status: list[str]) -> pa.Table:
    """Rows of ``schema`` for pairs the model did not score: ids and status, nulls elsewhere."""
    given = {"left_id": [a for a, _ in keys], "right_id": [b for _, b in keys], "status": status}
    return pa.table([pa.array(given.get(f.name, [None] * len(keys)), f.type) for f in schema], schema=schema)


def cluster(record_ids: list[str], pairs: pa.Table) -> pa.Table:
    """Entities: the connected components of accepted and confirmed pairs. A record's ``entity_id`` is
    the smallest record id of its entity, so an entity keeps its id while its members stay."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    index = {r: i for i, r in enumerate(record_ids)}
    linked = pc.is_in(pairs.column("status"), pa.array(list(LINKED)))
    kept = pairs.filter(linked)
    rows = np.array([index[r] for r in kept.column("left_id").to_pylist() if r in index], dtype=np.int64)
    cols = np.array([index[r] for r in kept.column("right_id").to_pylist() if r in index], dtype=np.int64)
    n = len(record_ids)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    ids = np.array(record_ids, dtype=object)
    first = {}
    for rid, lab in zip(ids, label, strict=True):
        if lab not in first or rid < first[lab]:
            first[lab] = rid
    size = np.bincount(label, minlength=label.max() + 1 if n else 0)
    return pa.table(
        {
            "record_id": pa.array(record_ids, pa.string()),
            "entity_id": pa.array([first[lab] for lab in label], pa.string()),
            "entity_size": pa.array(size[label] if n else [], pa.int64()),
        }
    )


def pairwise_quality(clusters: pa.Table, truth_groups: list[list[str]]) -> dict[str, Any]:
    """Pairwise precision and recall of ``clusters`` against true groups of records (records in no
    group are entities on their own; records absent from ``clusters`` count as missed), and at the
    entity level: the share of multi-record entities found that are exactly a true group
    (``entity_precision``) and of true groups found exactly (``entity_recall``)."""
    true_pairs = {_ordered(a, b) for g in truth_groups for a, b in itertools.combinations(sorted(set(g)), 2)}
    by_entity: dict[str, list[str]] = {}
    for rid, eid in zip(
        clusters.column("record_id").to_pylist(), clusters.column("entity_id").to_pylist(), strict=True
    ):
        by_entity.setdefault(eid, []).append(rid)
    predicted = {
        _ordered(a, b) for g in by_entity.values() if len(g) > 1 for a, b in itertools.combinations(g, 2)
    }
    hit = len(true_pairs & predicted)
    precision = hit / len(predicted) if predicted else 1.0
    recall = hit / len(true_pairs) if true_pairs else 1.0
    # cluster level: an entity is right only when it holds exactly one true group's records
    true_groups = {frozenset(g) for g in truth_groups if len(set(g)) > 1}
    found = {frozenset(g) for g in by_entity.values() if len(g) > 1}
    exact = len(true_groups & found)
    return {
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(predicted),
        "correct_pairs": hit,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "true_entities": len(true_groups),
        "entities_found": len(found),
        "entities_exact": exact,
        "entity_precision": round(exact / len(found), 4) if found else 1.0,
        "entity_recall": round(exact / len(true_groups), 4) if true_groups else 1.0,
    }


#: How alike two names must be for the second pass (Jaro-Winkler of the name cores), unless their
#: keys are the same.
NAME_ONLY_SIMILARITY = 0.95
#: How alike a name must be to one of the traders the seizure's declaration names (three at most).
CONTEXT_SIMILARITY = 0.88
#: Statuses that join two records into one entity.
LINKED = ("accepted", "confirmed", "name_only")


def thin_records(records: pa.Table) -> set[str]:
    """Seizure parties known by name only: no identifier, telephone or e-mail (an address and a
    country may be there)."""
    cols = ("record_id", "source", "identifier_norm", "phone_norm", "email_norm")
    return {
        r["record_id"]
        for r in records.select(list(cols)).to_pylist()
        if r["source"] == "seizure_parties"
        and not (r["identifier_norm"] or r["phone_norm"] or r["email_norm"])
    }


def _index_keys(r: dict[str, Any]) -> list[tuple[str, str]]:
    """The keys a record is found by in the second pass: its name, key, skeleton, prefix, and first and
    last words together."""
    out = [(k, r[k]) for k in ("name_core", "name_key", "name_skeleton", "name_prefix") if r[k]]
    if r["name_first"] and r["name_last"]:
        out.append(("first_last", f"{r['name_first']}|{r['name_last']}"))
    return out


def link_name_only(records: pa.Table, pairs: pa.Table, clusters: pa.Table) -> pa.Table:
    """The second pass: a seizure party known by name only joins the entity of the importer, declarant
    or seller of the seizure's declaration whose name is alike (Jaro-Winkler ≥ ``CONTEXT_SIMILARITY``);
    a seizure made on no declaration, or none of whose traders has that name, joins an entity when its
    name is alike to records of exactly one entity of its country that holds an identified record, and no reviewer said
    it is different from any of them. Alike is taken in tiers, the closest that finds anyone: the same
    name (once normalised), else the same key, else Jaro-Winkler ≥ ``NAME_ONLY_SIMILARITY``.

    Why a second pass: Fellegi-Sunter weighs a name against the chance that two random records share
    it, and a name alone never outweighs the prior that two records are one. But a seizure record that
    names one, and only one, known trader of its country is evidence of a different kind: not "these two
    records agree", but "there is nobody else it can be". When two entities of the country carry a name
    that alike, the record stays apart (its pairs stay in the review queue). Returns ``pairs`` with the
    links added (status ``name_only``)."""
    from clearsight.entities.normalise import jaro_winkler

    thin = thin_records(records)
    if not thin:
        return pairs
    entity_of = dict(
        zip(clusters.column("record_id").to_pylist(), clusters.column("entity_id").to_pylist(), strict=True)
    )
    keys = ("name_core", "name_key", "name_skeleton", "name_prefix", "name_first", "name_last")
    context = ["context_ids"] if "context_ids" in records.column_names else []
    by_id = {r["record_id"]: r for r in records.select(["record_id", "country", *keys, *context]).to_pylist()}
    anchored = {entity_of[r] for r in by_id if r not in thin}  # entities holding an identified record
    index: dict[tuple[str, str, str], list[str]] = {}
    for rid, r in by_id.items():
        if rid in thin or not r["country"]:
            continue
        for key, value in _index_keys(r):
            index.setdefault((key, value, r["country"]), []).append(rid)
    status = dict(
        zip(
            zip(pairs.column("left_id").to_pylist(), pairs.column("right_id").to_pylist(), strict=True),
            pairs.column("status").to_pylist(),
            strict=True,
        )
    )
    rejected = {k for k, v in status.items() if v == "rejected"}
    prob = dict(zip(status, pairs.column("match_probability").to_pylist(), strict=True))
    links: list[tuple[str, str]] = []
    for rid in sorted(thin):
        r = by_id[rid]
        if entity_of[rid] in anchored or not r["country"] or not r["name_core"]:
            continue  # already with an identified record, or nothing to go on
        # first the traders the seizure's declaration names: one of them, by a name that alike, is who
        # the officer wrote down
        named = [c for c in (r.get("context_ids") or "").split(";") if c in by_id and c not in thin]
        in_context = [
            c
            for c in named
            if jaro_winkler(r["name_core"], by_id[c]["name_core"] or "") >= CONTEXT_SIMILARITY
        ]
        if len({entity_of[c] for c in in_context}) == 1:
            target = entity_of[in_context[0]]
            if not any(_ordered(rid, c) in rejected for c in by_id if entity_of.get(c) == target):
                links.append(_ordered(rid, in_context[0]))
            continue
        candidates = {c for kv in _index_keys(r) for c in index.get((*kv, r["country"]), ())}
        # the closest tier that has anyone: the same name, else the same key, else a name that alike
        tiers = (
            [c for c in candidates if by_id[c]["name_core"] == r["name_core"]],
            [c for c in candidates if r["name_key"] and by_id[c]["name_key"] == r["name_key"]],
            [
                c
                for c in candidates
                if jaro_winkler(r["name_core"], by_id[c]["name_core"] or "") >= NAME_ONLY_SIMILARITY
            ],
        )
        alike = next((t for t in tiers if t), [])
        entities = {entity_of[c] for c in alike}
        if len(entities) != 1:
            continue  # nobody, or more than one trader it could be: a person decides
        target = next(iter(entities))
        if any(_ordered(rid, c) in rejected for c in by_id if entity_of.get(c) == target):
            continue  # a reviewer said this record is not one of them
        best = max(alike, key=lambda c: (prob.get(_ordered(rid, c)) or 0.0, c))
        links.append(_ordered(rid, best))
    if not links:
        return pairs
    linked = set(links)
    keys = list(zip(pairs.column("left_id").to_pylist(), pairs.column("right_id").to_pylist(), strict=True))
    new_status = [
        ("name_only" if k in linked else v)
        for k, v in zip(keys, pairs.column("status").to_pylist(), strict=True)
    ]
    out = pairs.set_column(
        pairs.schema.get_field_index("status"), "status", pa.array(new_status, pa.string())
    )
    unscored = [k for k in links if k not in status]
    if unscored:
        out = pa.concat_tables([out, _unscored(out.schema, unscored, ["name_only"] * len(unscored))])
    return out


def resolve_records(
    records: pa.Table,
    *,
    decisions: list[Decision] = (),  # type: ignore[assignment]
    backend: Backend = "duckdb",
    accept: float = ACCEPT,
    review: float = REVIEW,
    truth_groups: list[list[str]] | None = None,
    second_pass: bool = True,
) -> Resolution:
    """Resolve normalised ``records`` into entities (see the module's docstring); ``second_pass``
    links seizure parties known by name only (:func:`link_name_only`)."""
    if not 0.0 < review <= accept <= 1.0:
        raise UserError(f"thresholds must satisfy 0 < review ({review}) <= accept ({accept}) <= 1")
    if records.num_rows < 2:
        raise UserError("entity resolution needs at least two party records: load parties or seizure_parties")
    started = time.perf_counter()
    scored = score_pairs(records, backend=backend, floor=min(0.05, review))
    pairs = apply_decisions(scored, list(decisions), accept=accept, review=review)
    ids = records.column("record_id").to_pylist()
    if second_pass:
        pairs = link_name_only(records, pairs, cluster(ids, pairs))
    clusters = cluster(ids, pairs)
    status = pairs.column("status").to_pylist()
    sizes = clusters.group_by("entity_id").aggregate([("record_id", "count")])
    counts = sizes.column("record_id_count").to_numpy()
    return Resolution(
        backend=backend,
        records=records.num_rows,
        pairs_scored=scored.num_rows,
        accepted_pairs=sum(s in ("accepted", "confirmed") for s in status),
        name_only_links=status.count("name_only"),
        review_pairs=status.count("review"),
        decisions_applied=sum(s in ("confirmed", "rejected") for s in status),
        entities=len(counts),
        multi_record_entities=int((counts > 1).sum()),
        largest_entity=int(counts.max()) if len(counts) else 0,
        accept=accept,
        review=review,
        seconds=round(time.perf_counter() - started, 2),
        quality=pairwise_quality(clusters, truth_groups) if truth_groups is not None else None,
        pairs=pairs,
        clusters=clusters,
    )


__all__ = [
    "ACCEPT",
    "LINKED",
    "NAME_ONLY_SIMILARITY",
    "REVIEW",
    "Decision",
    "Resolution",
    "apply_decisions",
    "cluster",
    "link_name_only",
    "pairwise_quality",
    "resolve_records",
    "score_pairs",
    "thin_records",
]
