"""Model features from an item's fields and its point-in-time history.

The warehouse (``history.point_in_time``) or a snapshot (``snapshot.Snapshot``) gives the raw
history columns; :class:`FeatureBuilder` turns them into one numeric matrix, the same way for
training, evaluation and scoring. It follows the scikit-learn transformer contract: ``fit`` learns
the prior fraud rate (for smoothing) and the category codes, ``transform`` never learns.

Past fraud rates are smoothed toward the prior, ``(frauds + m × prior) / (inspections + m)``, so one
unlucky inspection of a small trader does not make it look like a smuggler.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.base import BaseEstimator, TransformerMixin

from clearsight.risk.history import LABEL_KEYS, VOLUME_KEYS
from clearsight.schema.measures import robust_z_array

#: Low-cardinality fields given to LightGBM as categories (unseen values become "missing").
CATEGORICAL = ("mode_of_transport", "office_id", "hs2", "country_of_origin")
#: Item fields only (the "plain gradient boosting on raw fields" baseline uses these and CATEGORICAL).
RAW_NUMERIC = (
    "log_customs_value",
    "log_value_per_kg",
    "log_value_per_unit",
    "log_net_mass_kg",
    "gross_net_ratio",
    "duty_rate",
    "log_duty_at_stake",
    "preference_used",
    "aeo",
    "items_in_declaration",
    "hs4_code",
)
UNIT_VALUE = ("uv_log_ratio", "uv_robust_z")
HISTORY_NUMERIC = tuple(
    [f"rate_{k}" for k in LABEL_KEYS]
    + [f"log_inspections_{k}" for k in LABEL_KEYS]
    + ["log_revenue_importer"]
    + [f"log_prior_items_{k}" for k in VOLUME_KEYS]
    + [f"age_days_{k}" for k in ("importer", "declarant", "seller")]
    + [f"first_time_{k}" for k in VOLUME_KEYS]
)
#: The network family (see :mod:`clearsight.risk.network`): the resolved entity's, its community's
#: and its broker's other clients' past, and the importer–declarant degrees.
NETWORK_NUMERIC = (
    "rate_entity",
    "log_inspections_entity",
    "log_critical_entity",
    "log_seizures_entity",
    "rate_community",
    "log_critical_community",
    "log_seizures_community",
    "community_size",
    "log_broker_clients_critical",
    "log_broker_clients_seizures",
    "importer_declarants",
    "log_declarant_entities",
)
#: Batches at most this size find category codes with Python dicts.
SMALL_BATCH = 64


def _num(table: pa.Table, name: str) -> np.ndarray:
    """A column as float64 with NaN for NULL (booleans as 0/1)."""
    col = table[name]
    if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        return np.asarray(col.to_numpy(), dtype=np.float64)  # Arrow gives NaN for NULL (no cast pass)
    if pa.types.is_boolean(col.type):
        col = pc.cast(col, pa.int8())
    return np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _log_pos(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(x), np.nan)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # A huge value over a tiny mass overflows to inf, which the model reads as "very large".
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where((b > 0) & (a >= 0), a / b, np.nan)


def hs2_of(table: pa.Table) -> pa.Array:
    return pc.utf8_slice_codeunits(table["hs6"], 0, 2)


def item_values(table: pa.Table) -> dict[str, np.ndarray]:
    """The item's own numbers: value, unit values, masses, duty at stake, preference, AEO, declaration size."""
    value = _num(table, "customs_value")
    rate = _num(table, "duty_rate")
    duty = value * np.nan_to_num(rate) / 100
    pref = table["preference_code"]
    pref_used = pc.and_kleene(pc.is_valid(pref), pc.not_equal(pc.utf8_trim_whitespace(pref), ""))
    hs4 = pc.utf8_slice_codeunits(table["hs6"], 0, 4)
    hs4_code = np.asarray(
        pc.cast(pc.if_else(pc.utf8_is_digit(hs4), hs4, None), pa.float64()).to_numpy(zero_copy_only=False),
        dtype=np.float64,
    )
    return {
        "log_customs_value": _log_pos(value),
        "log_value_per_kg": _log_pos(_ratio(value, _num(table, "net_mass_kg"))),
        "log_value_per_unit": _log_pos(_ratio(value, _num(table, "quantity"))),
        "log_net_mass_kg": _log_pos(_num(table, "net_mass_kg")),
        "gross_net_ratio": _ratio(_num(table, "gross_mass_kg"), _num(table, "net_mass_kg")),
        "duty_rate": rate,
        "log_duty_at_stake": np.log1p(np.maximum(duty, 0)),
        "preference_used": _num(pa.table({"p": pref_used.fill_null(False)}), "p"),
        "aeo": _num(table, "aeo_status"),
        "items_in_declaration": _num(table, "items_in_declaration"),
        "hs4_code": hs4_code,
    }


def duty_at_stake(table: pa.Table) -> np.ndarray:
    """customs_value × duty_rate / 100 (0 where either is missing)."""
    return np.nan_to_num(_num(table, "customs_value")) * np.nan_to_num(_num(table, "duty_rate")) / 100


def unit_value_deviation(table: pa.Table) -> dict[str, np.ndarray]:
    """ln(unit value / reference median) and the robust z-score (MAD scaled to a sigma)."""
    log_uv = _log_pos(_ratio(_num(table, "customs_value"), _num(table, "net_mass_kg")))
    ratio = log_uv - _num(table, "uv_ref_median")
    z = robust_z_array(log_uv, _num(table, "uv_ref_median"), _num(table, "uv_ref_mad"))
    return {"uv_log_ratio": ratio, "uv_robust_z": z}


def _seconds(stamps: pa.ChunkedArray) -> np.ndarray:
    """Timestamps as float seconds since the epoch (NaN for NULL)."""
    s = pc.cast(pc.cast(stamps, pa.timestamp("s")), pa.int64())
    return np.asarray(pc.cast(s, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _days(later: np.ndarray, earlier: pa.ChunkedArray) -> np.ndarray:
    """Days from ``earlier`` to ``later`` (seconds from :func:`_seconds`)."""
    return (later - _seconds(earlier)) / 86400.0


class FeatureBuilder(TransformerMixin, BaseEstimator):
    """History columns (PyArrow) → feature matrix (numpy float64, NaN for missing).

    ``feature_set``: ``"full"`` (item, unit value and history features) or ``"raw"`` (item fields only).
    ``smoothing``: pseudo-inspections ``m`` in the smoothed fraud rates. ``network``: add the network
    family (the history must carry :data:`~clearsight.risk.network.NETWORK_COLUMNS`).
    """

    def __init__(self, feature_set: str = "full", smoothing: float = 10.0, network: bool = False) -> None:
        self.feature_set = feature_set
        self.smoothing = smoothing
        self.network = network
        self._code_of: dict[str, dict[str, float]] = {}

    def fit(self, X: pa.Table, y: np.ndarray | None = None) -> FeatureBuilder:
        if self.feature_set not in ("full", "raw"):
            raise ValueError(f"feature_set must be 'full' or 'raw', got {self.feature_set!r}")
        self.prior_ = float(np.mean(y)) if y is not None and len(y) else 0.0
        self.categories_ = {}
        self._code_of = {}
        for name in CATEGORICAL:
            col = hs2_of(X) if name == "hs2" else X[name]
            values = pc.unique(pc.drop_null(col)).to_pylist()
            self.categories_[name] = sorted(v for v in values if v != "")
        numeric = list(RAW_NUMERIC)
        if self.feature_set == "full":
            numeric += list(UNIT_VALUE) + list(HISTORY_NUMERIC)
        if self.network:
            numeric += list(NETWORK_NUMERIC)
        self.feature_names_ = numeric + list(CATEGORICAL)
        self.categorical_features_ = list(CATEGORICAL)
        return self

    def columns(self, X: pa.Table) -> dict[str, np.ndarray]:
        """Every feature by name (numpy), plus nothing else."""
        out = item_values(X)
        if self.feature_set == "full":
            out.update(unit_value_deviation(X))
            m, prior = self.smoothing, self.prior_
            for k in LABEL_KEYS:
                n, f = _num(X, f"hist_n_{k}"), _num(X, f"hist_fraud_{k}")
                out[f"rate_{k}"] = (f + m * prior) / (n + m)
                out[f"log_inspections_{k}"] = np.log1p(n)
            out["log_revenue_importer"] = np.log1p(np.maximum(_num(X, "hist_revenue_importer"), 0))
            for k in VOLUME_KEYS:
                prior_items = _num(X, f"prior_items_{k}")
                out[f"log_prior_items_{k}"] = np.log1p(prior_items)
                out[f"first_time_{k}"] = np.where(np.isnan(prior_items), np.nan, prior_items == 0)
            lodged = _seconds(X["lodged_at"])
            for k in ("importer", "declarant", "seller"):
                out[f"age_days_{k}"] = _days(lodged, X[f"first_seen_{k}"])
        if self.network:
            out.update(self._network(X))
        for name, cats in self.categories_.items():
            col = hs2_of(X) if name == "hs2" else X[name]
            out[name] = self._codes(name, cats, col)
        return out

    def _network(self, X: pa.Table) -> dict[str, np.ndarray]:
        m, prior = self.smoothing, self.prior_
        out = {}
        for level in ("entity", "community"):
            n, f = _num(X, f"net_{level}_n"), _num(X, f"net_{level}_fraud")
            out[f"rate_{level}"] = (f + m * prior) / (n + m)
            out[f"log_critical_{level}"] = np.log1p(_num(X, f"net_{level}_critical"))
            out[f"log_seizures_{level}"] = np.log1p(_num(X, f"net_{level}_seizures"))
        out["log_inspections_entity"] = np.log1p(_num(X, "net_entity_n"))
        out["community_size"] = _num(X, "net_community_size")
        out["log_broker_clients_critical"] = np.log1p(_num(X, "net_broker_clients_critical"))
        out["log_broker_clients_seizures"] = np.log1p(_num(X, "net_broker_clients_seizures"))
        out["importer_declarants"] = _num(X, "net_importer_declarants")
        out["log_declarant_entities"] = np.log1p(_num(X, "net_declarant_entities"))
        return out

    def _codes(self, name: str, cats: list[str], col: pa.ChunkedArray | pa.Array) -> np.ndarray:
        """Category codes (position in ``cats``; NaN for unseen values and NULL)."""
        if len(col) <= SMALL_BATCH:  # a dict look-up beats building Arrow's hash table of the categories
            if name not in self._code_of:
                self._code_of[name] = {c: float(i) for i, c in enumerate(cats)}
            code_of = self._code_of[name]
            return np.array([code_of.get(v, np.nan) for v in col.to_pylist()], dtype=np.float64)
        codes = pc.index_in(col, value_set=pa.array(cats, pa.string()))
        return np.asarray(pc.cast(codes, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)

    def transform(self, X: pa.Table) -> np.ndarray:
        return self.stack(self.columns(X))

    def stack(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """The feature matrix from :meth:`columns` (rows × features, in ``feature_names_`` order)."""
        return np.column_stack([np.asarray(columns[n], dtype=np.float64) for n in self.feature_names_])

    def to_dict(self) -> dict:
        return {
            "feature_set": self.feature_set,
            "smoothing": self.smoothing,
            "network": self.network,
            "prior": self.prior_,
            "categories": self.categories_,
            "feature_names": self.feature_names_,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FeatureBuilder:
        fb = cls(feature_set=data["feature_set"], smoothing=data["smoothing"], network=data.get("network", False))
        fb.prior_ = data["prior"]
        fb.categories_ = {k: list(v) for k, v in data["categories"].items()}
        fb.feature_names_ = list(data["feature_names"])
        fb.categorical_features_ = list(CATEGORICAL)
        return fb
