"""Training and evaluation runs: what ``clearsight risk train`` and ``risk evaluate`` do.

Evaluation is a deployment replayed: models are trained on labels known before the cutoff, with
history frozen at the cutoff, and judged on the items lodged from the cutoff on — on their inspection
results (the labels an administration has) and, for a synthetic world, on the ground truth too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.risk.features import NETWORK_NUMERIC
from clearsight.risk.history import KEY, labels, point_in_time, repeated_inspections, revenue_basis
from clearsight.risk.metrics import budget_metrics
from clearsight.risk.model import CRITICAL_WEIGHT, RiskModel, check_labels, lane_priority
from clearsight.risk.network import trader_graph
from clearsight.risk.registry import ModelEntry, ModelRegistry
from clearsight.schema.measures import FOUND_RESULTS

DEFAULT_BUDGETS = (0.01, 0.02, 0.05, 0.10)
OPTIONAL_FIELDS = (
    "seller_id",
    "net_mass_kg",
    "quantity",
    "duty_rate",
    "gross_mass_kg",
    "preference_code",
    "mode_of_transport",
)
BASELINES = {
    "random": "random selection (the same budget drawn at random)",
    "importer_past_fraud_rate": "the importer's smoothed past fraud rate alone",
    "plain_gbm": "plain gradient boosting (LightGBM defaults) on the raw declaration fields",
}


def label_table(warehouse: Warehouse, basis: str) -> pa.Table:
    lab = labels(warehouse, basis)
    return lab.select(*KEY, "known_at", "fraud", "critical", "revenue").to_pyarrow()


def attach_labels(history: pa.Table, lab: pa.Table) -> pa.Table:
    """History rows with their labels (NULL when not inspected), order kept."""
    idx = (
        pa.table({"_i": pa.array(np.arange(history.num_rows))})
        .append_column("declaration_id", history["declaration_id"])
        .append_column("item_no", history["item_no"])
    )
    joined = idx.join(lab, list(KEY), join_type="left outer").sort_by("_i")
    for c in ("known_at", "fraud", "critical", "revenue"):
        history = history.append_column(c, joined[c])
    return history


def data_notes(warehouse: Warehouse, basis: str) -> list[str]:
    """What is missing from the data and how the run copes (stated in every report)."""
    notes = []
    d = warehouse.table("declarations")
    counts = (
        d.aggregate(n=d.count(), **{f: d[f].count() for f in OPTIONAL_FIELDS}).to_pyarrow().to_pylist()[0]
    )
    for f in OPTIONAL_FIELDS:
        if counts["n"] and counts[f] == 0:
            notes.append(f"no {f} in the declarations: features built on it are missing")
    i = warehouse.table("inspections")
    no_time = int(i.filter(i.inspected_at.isnull()).count().execute())
    if no_time:
        notes.append(
            f"{no_time:,} inspection results have no inspected_at: taken as known at the item's lodgement"
        )
    repeated = repeated_inspections(warehouse)
    if repeated:
        notes.append(
            f"{repeated:,} items have more than one inspection result: combined into one label "
            "(fraud if any result found fraud, revenue summed)"
        )
    if basis == "duty_at_stake":
        notes.append(
            "no additional_revenue recorded: revenue figures use the duty at stake "
            "(customs_value × duty_rate / 100) of fraudulent items"
        )
    return notes


def fingerprint(warehouse: Warehouse, until: dt.datetime | None) -> str:
    """SHA-256 of aggregates of the training data (items, values, dates, labels): same data, same print."""
    d = warehouse.table("declarations")
    if until is not None:
        d = d.filter(d.lodged_at < until)
    agg = (
        d.aggregate(
            n=d.count(), value=d.customs_value.sum().round(2), first=d.lodged_at.min(), last=d.lodged_at.max()
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    i = warehouse.table("inspections")
    lab = i.aggregate(n=i.count(), fraud=i.result.isin(FOUND_RESULTS).sum()).to_pyarrow().to_pylist()[0]
    text = json.dumps({"declarations": agg, "inspections": lab}, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _labelled(table: pa.Table) -> pa.Table:
    return table.filter(pc.is_valid(table["fraud"]))


def labelled_history(
    warehouse: Warehouse,
    basis: str,
    *,
    end: dt.datetime | None = None,
    freeze: dt.datetime | None = None,
) -> pa.Table:
    """Point-in-time history of the inspected items lodged before ``end``, with their labels (the
    training rows of :func:`train`; the simulation lab's warm-up)."""
    hist = point_in_time(warehouse, end=end, freeze=freeze, basis=basis)
    return _labelled(attach_labels(hist, label_table(warehouse, basis)))


def known_before(table: pa.Table, when: dt.datetime) -> pa.Table:
    """The rows whose label was known before ``when``."""
    return table.filter(pc.less(table["known_at"], pa.scalar(when, table["known_at"].type)))


def fit_on_labels(data: pa.Table, params: dict, what: str = "training") -> RiskModel:
    """A :class:`RiskModel` with ``params`` fitted on labelled rows (refused, in one line, when the
    labels cannot teach anything)."""
    y, c, r = _arrays(data)
    check_labels(y, what)
    return RiskModel(**params).fit(data, y, r, c)


def _arrays(table: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = table["fraud"].to_numpy(zero_copy_only=False).astype(np.int64)
    c = table["critical"].to_numpy(zero_copy_only=False).astype(np.int64)
    r = np.nan_to_num(table["revenue"].to_numpy(zero_copy_only=False).astype(np.float64))
    return y, c, r


def _bounds(warehouse: Warehouse) -> tuple[dt.datetime, dt.datetime] | None:
    d = warehouse.table("declarations")
    row = d.aggregate(lo=d.lodged_at.min(), hi=d.lodged_at.max()).to_pyarrow().to_pylist()[0]
    return None if row["lo"] is None else (row["lo"], row["hi"])


# -- training ---------------------------------------------------------------------------------------
@dataclass
class TrainResult:
    entry: ModelEntry
    folder: Path
    notes: list[str] = field(default_factory=list)


def train(
    warehouse: Warehouse,
    registry: ModelRegistry,
    *,
    until: dt.datetime | None = None,
    objective: str = "fraud",
    name: str | None = None,
    promote: bool = False,
    model_params: dict | None = None,
) -> TrainResult:
    """Train on every label known before ``until`` (default: all) and save the model in the registry."""
    bounds = _bounds(warehouse)
    if bounds is None:
        raise UserError("the warehouse holds no declarations: load them with `clearsight ingest` first")
    name = name or f"risk-{objective}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    if any(e.name == name for e in registry.entries()):
        raise UserError(f"a model called {name!r} already exists; choose another --name")
    basis = revenue_basis(warehouse)
    data = labelled_history(warehouse, basis, end=until, freeze=until)
    if until is not None:
        data = known_before(data, until)
    y, c, r = _arrays(data)
    check_labels(y)
    params = {"objective": objective, **(model_params or {})}
    # A validation figure for the registry: fit on the first 80 % of labels (known before the rest
    # was lodged), score the last 20 %.
    metrics = {}
    split = int(len(y) * 0.8)
    if split and len(y) - split >= 20:
        first_test = data["lodged_at"][split].as_py()
        head = known_before(data.slice(0, split), first_test)
        ty, tc, tr = _arrays(data.slice(split))
        try:
            probe = fit_on_labels(head, params)
            metrics = budget_metrics(
                ty, tc, tr, probe.score_items(data.slice(split))["score"], list(DEFAULT_BUDGETS)
            )
            metrics["validated_on"] = (
                f"last {len(ty):,} labelled items by lodgement (from {first_test:%Y-%m-%d})"
            )
        except UserError as exc:
            metrics = {"validated_on": f"not validated: {exc}"}
    model = RiskModel(**params).fit(data, y, r, c)
    lodged = data["lodged_at"]
    entry = ModelEntry(
        name=name,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        objective=objective,
        trained_from=str(pc.min(lodged).as_py()),
        trained_until=str(until) if until else str(bounds[1]),
        n_train=len(y),
        n_fraud=int(y.sum()),
        fingerprint=fingerprint(warehouse, until),
        revenue_basis=basis,
        metrics=metrics,
        engine=warehouse.kind,
    )
    notes = data_notes(warehouse, basis) + model.notes_
    folder = registry.save(entry, model, {"notes": notes, "importance": model.importance()}, promote=promote)
    return TrainResult(entry, folder, notes)


# -- evaluation -------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    cutoff: dt.datetime
    end: dt.datetime | None
    budgets: list[float]
    n_train: int
    n_train_fraud: int
    n_test: int
    n_test_fraud: int
    n_test_items: int
    revenue_basis: str
    model: dict
    metrics: dict
    baselines: dict
    ground_truth: dict | None
    notes: list[str]
    engine: str
    lanes: dict | None = None
    ablation: dict | None = None

    def to_json_dict(self) -> dict:
        return {
            "model": self.model,
            "lanes": self.lanes,
            "ablation": self.ablation,
            "baselines": self.baselines,
            "budgets": [as_percent(b) for b in self.budgets],
            "metrics": self.metrics,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "revenue_basis": self.revenue_basis,
            "cutoff": self.cutoff.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "n_train_fraud": self.n_train_fraud,
            "n_test_fraud": self.n_test_fraud,
            "n_test_items": self.n_test_items,
            "evaluated_on": "labelled test items (inspected items lodged in the test window)",
            "ground_truth": self.ground_truth,
            "notes": self.notes,
            "engine": self.engine,
        }


def as_percent(budget: float) -> int | float:
    """0.05 -> 5, 0.025 -> 2.5 (the same text as the metric keys)."""
    value = float(f"{budget * 100:g}")
    return int(value) if value.is_integer() else value


#: Ground-truth columns read by default: what an evaluation needs.
GROUND_TRUTH_COLUMNS = (
    "declaration_id",
    "item_no",
    "is_fraud",
    "is_critical",
    "additional_revenue_if_detected",
)


def read_ground_truth(world_dir: Path, columns: tuple[str, ...] = GROUND_TRUTH_COLUMNS) -> pa.Table:
    """``ground_truth.parquet`` or ``.csv`` of a synthetic world folder (for benchmarks and the simulator,
    never training): ``columns`` of it."""
    for ext in ("parquet", "csv"):
        path = Path(world_dir) / f"ground_truth.{ext}"
        if path.exists():
            cols = list(columns)
            if ext == "parquet":
                return pq.read_table(path, columns=cols)
            opts = pacsv.ConvertOptions(
                include_columns=cols, column_types={"declaration_id": pa.string(), "item_no": pa.int64()}
            )
            return pacsv.read_csv(path, convert_options=opts)
    raise UserError(
        f"{world_dir} holds no ground_truth.parquet or ground_truth.csv (a synthetic world folder)"
    )


def _method_scores(
    models: dict[str, RiskModel], hist: pa.Table, importer_prior: float, smoothing: float, weight: float
) -> dict:
    """Every ranking of an evaluation on ``hist``: the methods compared, the lanes' priority (fraud or
    revenue ranking + λ × P(critical)) and the network ablation's models."""
    n = hist.num_rows
    main = models["model"].score_items(hist)
    out = {"model": main["score"]}
    out["random"] = np.random.default_rng(0).random(n)
    hn = np.nan_to_num(hist["hist_n_importer"].to_numpy(zero_copy_only=False).astype(np.float64))
    hf = np.nan_to_num(hist["hist_fraud_importer"].to_numpy(zero_copy_only=False).astype(np.float64))
    out["importer_past_fraud_rate"] = (hf + smoothing * importer_prior) / (hn + smoothing)
    out["plain_gbm"] = models["plain_gbm"].score_items(hist)["fraud_probability"]
    out["lanes"] = lane_priority(main["score"], main["critical_value"], weight)
    out["critical_model"] = main["critical_probability"]
    net = models["network"].score_items(hist)
    out["network_model"] = net["score"]
    out["network_lanes"] = lane_priority(net["score"], net["critical_value"], weight)
    return out


#: Rankings reported outside ``baselines``: the lanes' priority and the network family's ablation.
LANES = "{objective} ranking + {weight:g} × P(critical) × the value of a typical fraud"


def _lanes_and_ablation(per_method: dict, objective: str, weight: float, graph_basis: str) -> tuple[dict, dict]:
    lanes = {
        "critical_weight": weight,
        "ranking": LANES.format(objective=objective, weight=weight),
        "metrics": per_method["lanes"],
        "critical_model": per_method["critical_model"],
    }
    ablation = {
        "network": {
            "entities": graph_basis,
            "features": list(NETWORK_NUMERIC),
            "without": {"model": per_method["model"], "lanes": per_method["lanes"]},
            "with": {"model": per_method["network_model"], "lanes": per_method["network_lanes"]},
        }
    }
    return lanes, ablation


def evaluate(
    warehouse: Warehouse,
    cutoff: dt.datetime,
    *,
    end: dt.datetime | None = None,
    budgets: list[float] | None = None,
    objective: str = "fraud",
    world_dir: Path | None = None,
    model_params: dict | None = None,
    critical_weight: float = CRITICAL_WEIGHT,
) -> Evaluation:
    """Train on labels known before ``cutoff``, test on items lodged in [cutoff, end).

    Beside the model and its baselines: the ranking that decides lanes (``critical_weight`` = λ, see
    :func:`~clearsight.risk.model.lane_priority`) and the network family's ablation — the same model
    trained with and without the network features, on the same rows.
    """
    if critical_weight < 0:
        raise UserError(f"the critical weight must be 0 or more, got {critical_weight:g}")
    budgets = list(budgets or DEFAULT_BUDGETS)
    bounds = _bounds(warehouse)
    if bounds is None:
        raise UserError("the warehouse holds no declarations: load them with `clearsight ingest` first")
    if end is not None and end <= cutoff:
        raise UserError(f"--end ({end:%Y-%m-%d}) must be after --cutoff ({cutoff:%Y-%m-%d})")
    if cutoff <= bounds[0] or cutoff > bounds[1]:
        raise UserError(
            f"cutoff {cutoff:%Y-%m-%d} leaves nothing on one side: declarations run from "
            f"{bounds[0]:%Y-%m-%d} to {bounds[1]:%Y-%m-%d}"
        )
    basis = revenue_basis(warehouse)
    graph = trader_graph(warehouse)
    hist = attach_labels(
        point_in_time(warehouse, end=end, freeze=cutoff, basis=basis, network=graph),
        label_table(warehouse, basis),
    )
    before = pc.less(hist["lodged_at"], pa.scalar(cutoff, hist["lodged_at"].type))
    train_rows = _labelled(hist.filter(before))
    train_rows = train_rows.filter(
        pc.less(train_rows["known_at"], pa.scalar(cutoff, train_rows["known_at"].type))
    )
    test_items = hist.filter(pc.invert(before))
    test = _labelled(test_items)
    if test_items.num_rows == 0:
        raise UserError(
            f"no items lodged from {cutoff:%Y-%m-%d}{f' to {end:%Y-%m-%d}' if end else ''}: nothing to test on"
        )
    y, c, r = _arrays(train_rows)
    check_labels(y, "training (labels known before the cutoff)")
    ty, tc, tr = _arrays(test)
    if len(ty) == 0:
        raise UserError(
            f"none of the {test_items.num_rows:,} items lodged after the cutoff was inspected: nothing to test on"
        )
    params = model_params or {}
    models = {
        "model": RiskModel(objective=objective, **params).fit(train_rows, y, r, c),
        "network": RiskModel(objective=objective, **{**params, "network": True}).fit(train_rows, y, r, c),
        "plain_gbm": RiskModel(
            feature_set="raw",
            balance=False,
            calibrate=False,
            n_estimators=100,
            learning_rate=0.1,
            num_leaves=31,
        ).fit(train_rows, y, r),
    }
    prior = models["model"].builder_.prior_
    smoothing = models["model"].builder_.smoothing
    scores = _method_scores(models, test, prior, smoothing, critical_weight)
    per_method = {m: budget_metrics(ty, tc, tr, s, budgets) for m, s in scores.items()}
    lanes, ablation = _lanes_and_ablation(per_method, objective, critical_weight, graph.basis)
    notes = data_notes(warehouse, basis) + models["model"].notes_
    if len(np.unique(ty)) < 2:
        notes.append("the test labels hold a single class: AUC is undefined and shown as none")

    ground = None
    if world_dir is not None:
        truth = read_ground_truth(world_dir)
        joined = test_items.select(list(KEY)).append_column("_i", pa.array(np.arange(test_items.num_rows)))
        joined = joined.join(truth, list(KEY), join_type="inner").sort_by("_i")
        idx = joined["_i"].to_numpy()
        gy = joined["is_fraud"].to_numpy(zero_copy_only=False).astype(np.int64)
        gc = joined["is_critical"].to_numpy(zero_copy_only=False).astype(np.int64)
        gr = np.nan_to_num(
            joined["additional_revenue_if_detected"].to_numpy(zero_copy_only=False).astype(np.float64)
        )
        g_scores = _method_scores(models, test_items.take(pa.array(idx)), prior, smoothing, critical_weight)
        g_metrics = {m: budget_metrics(gy, gc, gr, s, budgets) for m, s in g_scores.items()}
        g_lanes, g_ablation = _lanes_and_ablation(g_metrics, objective, critical_weight, graph.basis)
        ground = {
            "evaluated_on": "every test item (inspected or not) against the synthetic world's ground truth",
            "n_items": len(gy),
            "n_fraud": int(gy.sum()),
            "n_critical": int(gc.sum()),
            "metrics": {m: g_metrics[m] for m in ("model", *BASELINES)},
            "lanes": g_lanes,
            "ablation": g_ablation,
        }
        if len(gy) < test_items.num_rows:
            notes.append(
                f"{test_items.num_rows - len(gy):,} test items have no ground-truth row and were left out of it"
            )

    model_info = {
        "kind": "lightgbm",
        "objective": objective,
        "features": models["model"].builder_.feature_names_,
        "calibrated": models["model"].calibration_ is not None,
        "importance": dict(sorted(models["model"].importance().items(), key=lambda kv: -kv[1])[:20]),
    }
    return Evaluation(
        cutoff=cutoff,
        end=end,
        budgets=budgets,
        n_train=len(y),
        n_train_fraud=int(y.sum()),
        n_test=len(ty),
        n_test_fraud=int(ty.sum()),
        n_test_items=test_items.num_rows,
        revenue_basis=basis,
        model=model_info,
        metrics=per_method["model"],
        baselines={m: {"description": BASELINES[m], "metrics": per_method[m]} for m in BASELINES},
        ground_truth=ground,
        notes=notes,
        engine=warehouse.kind,
        lanes=lanes,
        ablation=ablation,
    )
