"""Risk models: a calibrated LightGBM fraud classifier with a revenue-aware ranking.

:class:`RiskModel` follows the scikit-learn estimator contract (hyper-parameters in ``__init__``,
``fit`` returns self, learned state in attributes ending in ``_``). ``X`` is the table of history
columns (see :mod:`clearsight.risk.history`); the model owns its :class:`FeatureBuilder`.

* Fraud: LightGBM on the features, positives up-weighted (``balance``) because fraud is rare among
  inspections, then calibrated with Platt scaling fitted on the most recent labels (a time holdout),
  so ``predict_proba`` is a probability an analyst can read, and the ranking is unchanged.
* Revenue: a second LightGBM regresses ln(1 + revenue) on fraudulent items; expected recovered
  revenue = P(fraud) × revenue if fraud. With too few frauds it falls back to the duty at stake scaled
  by the recovery ratio seen in training.
* Ranking score by ``objective``: ``fraud`` = P, ``revenue`` = expected revenue, ``blend`` =
  P × sqrt(revenue if fraud) — a per-item formula, so one declaration can be scored alone.
"""

from __future__ import annotations

import os

# OpenMP threads that spin while waiting make LightGBM up to 30 times slower on a busy machine (a
# shared server, a laptop running tests); passive waiting costs almost nothing when the machine is
# idle. Set before LightGBM loads its OpenMP runtime; an explicit setting is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb
import numpy as np
import pyarrow as pa
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from clearsight.core.errors import UserError
from clearsight.risk.features import FeatureBuilder, duty_at_stake

OBJECTIVES = ("fraud", "revenue", "blend")
REVENUE_POWER = {"fraud": 0.0, "revenue": 1.0, "blend": 0.5}
#: Fewest labels, and fewest of each class, a model is trained on.
MIN_LABELS = 50
MIN_CLASS = 5
#: Fewest fraudulent items with revenue before a revenue regressor is trained.
MIN_REVENUE_ITEMS = 30
#: Recent frauds needed before the number of trees is chosen on them (early stopping).
MIN_EARLY_STOP_FRAUDS = 20
#: Fewest critical results (prohibited goods, security) before a critical-goods model is trained.
MIN_CRITICAL = 5
#: Default λ of the lane priority: a missed critical item costs as much as this many typical frauds.
CRITICAL_WEIGHT = 10.0
#: Rows from which LightGBM uses every core.
PARALLEL_ROWS = 50_000


def check_labels(y: np.ndarray, what: str = "training") -> None:
    """Refuse, in one line, label sets no model can learn from."""
    n, pos = len(y), int(np.sum(y))
    if n < MIN_LABELS:
        raise UserError(
            f"only {n} labelled items for {what} (at least {MIN_LABELS} needed): "
            "load more inspection results or move the cutoff/--until later"
        )
    if pos < MIN_CLASS or n - pos < MIN_CLASS:
        kind = "fraudulent" if pos < MIN_CLASS else "compliant"
        raise UserError(
            f"{what} labels have {pos} fraudulent and {n - pos} compliant items: at least {MIN_CLASS} "
            f"{kind} items are needed to learn anything"
        )


def _dataset(builder: FeatureBuilder, M: np.ndarray, y: np.ndarray, w: np.ndarray | None = None):
    cats = [builder.feature_names_.index(c) for c in builder.categorical_features_]
    return lgb.Dataset(
        M,
        label=y,
        weight=w,
        feature_name=builder.feature_names_,
        categorical_feature=cats,
        free_raw_data=True,
    )


def lane_priority(score: np.ndarray, critical_value: np.ndarray, weight: float) -> np.ndarray:
    """The ranking that decides lanes: revenue (the objective's score) + λ × P(critical) × the value of
    a typical fraud — one formula per item, so a declaration gets the same priority alone or in a batch."""
    return np.asarray(score, dtype=np.float64) + weight * np.nan_to_num(np.asarray(critical_value, dtype=np.float64))


class RiskModel(ClassifierMixin, BaseEstimator):
    """Fraud probability, expected recovered revenue and a ranking score for goods items."""

    def __init__(
        self,
        objective: str = "fraud",
        feature_set: str = "full",
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        feature_fraction: float = 0.8,
        reg_lambda: float = 1.0,
        balance: bool = True,
        calibrate: bool = True,
        calibration_share: float = 0.2,
        smoothing: float = 10.0,
        network: bool = False,
        n_jobs: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.objective = objective
        self.feature_set = feature_set
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.reg_lambda = reg_lambda
        self.balance = balance
        self.calibrate = calibrate
        self.calibration_share = calibration_share
        self.smoothing = smoothing
        self.network = network
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _threads(self, rows: int) -> int:
        """Threads for LightGBM: one for small work, where OpenMP's spinning threads cost more than
        they save (badly so on a busy machine), all cores from ``PARALLEL_ROWS`` rows."""
        if self.n_jobs is not None:
            return self.n_jobs
        return 1 if rows < PARALLEL_ROWS else os.cpu_count() or 1

    def _params(self, objective: str, rows: int) -> dict:
        return {
            "objective": objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": self.reg_lambda,
            "cat_smooth": 10,
            "min_data_per_group": 20,
            "num_threads": self._threads(rows),
            "seed": self.random_state,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }

    def _train(
        self, M: np.ndarray, y: np.ndarray, rounds: int, valid: tuple[np.ndarray, np.ndarray] | None = None
    ) -> lgb.Booster:
        """Grow the fraud trees; with ``valid``, stop once its AUC has not improved for 30 rounds."""
        pos = max(float(y.sum()), 1.0)
        w = None
        if self.balance:  # up-weight frauds toward balance, but not all the way (keeps trees stable)
            w = np.where(y == 1, min((len(y) - pos) / pos, 50.0) ** 0.5, 1.0)
        ds = _dataset(self.builder_, M, y, w)
        params = self._params("binary", len(y))
        if valid is None:
            return lgb.train(params, ds, num_boost_round=rounds)
        vs = _dataset(self.builder_, valid[0], valid[1]).set_reference(ds)
        stop = lgb.early_stopping(30, first_metric_only=True, verbose=False)
        return lgb.train(params | {"metric": "auc"}, ds, rounds, valid_sets=[vs], callbacks=[stop])

    def fit(
        self,
        X: pa.Table,
        y: np.ndarray,
        revenue: np.ndarray | None = None,
        critical: np.ndarray | None = None,
    ) -> RiskModel:
        """Learn from labelled items ``X`` (lodgement order), fraud labels ``y``, their ``revenue`` and
        ``critical`` results (prohibited goods, security: a third model, when there are enough).

        The most recent ``calibration_share`` of the labels is held out first: the trees grown on the
        rest stop when they no longer improve on it (``n_trees_``), and Platt scaling is fitted on it.
        Then the same number of trees is grown on every label.
        """
        if self.objective not in OBJECTIVES:
            raise UserError(f"objective must be one of {', '.join(OBJECTIVES)}, not {self.objective!r}")
        y = np.asarray(y, dtype=np.int64)
        check_labels(y)
        self.builder_ = FeatureBuilder(self.feature_set, self.smoothing, self.network).fit(X, y)
        M = self.builder_.transform(X)
        self.notes_: list[str] = []
        self.calibration_ = None
        self.n_trees_ = self.n_estimators
        n_cal = int(len(y) * self.calibration_share)
        cut = len(y) - n_cal
        head, tail = y[:cut], y[cut:]
        if self.calibrate and n_cal and min(tail.sum(), len(tail) - tail.sum()) >= 3 and head.sum() >= 3:
            # Stopping early needs enough recent frauds to tell progress from noise.
            valid = (M[cut:], tail) if tail.sum() >= MIN_EARLY_STOP_FRAUDS else None
            early = self._train(M[:cut], head, self.n_estimators, valid=valid)
            if valid is not None:
                self.n_trees_ = max(int(early.best_iteration or self.n_estimators), 20)
            raw = early.predict(M[cut:], raw_score=True, num_iteration=self.n_trees_)
            lr = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), tail)
            if lr.coef_[0, 0] > 0:
                self.calibration_ = (float(lr.coef_[0, 0]), float(lr.intercept_[0]))
            else:  # scores that do not rise with fraud on recent labels: never let calibration flip them
                self.notes_.append("recent labels do not confirm the ranking: probabilities are uncalibrated")
        elif self.calibrate:
            self.notes_.append("too few recent frauds to calibrate: probabilities are uncalibrated")
        self.booster_ = self._train(M, y, self.n_trees_)
        self._fit_revenue(X, M, y, revenue)
        self._fit_critical(X, M, y, revenue, critical)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = M.shape[1]
        return self

    def _fit_revenue(self, X: pa.Table, M: np.ndarray, y: np.ndarray, revenue: np.ndarray | None) -> None:
        duty = duty_at_stake(X)
        rev = np.zeros(len(y)) if revenue is None else np.nan_to_num(np.asarray(revenue, dtype=np.float64))
        fraud = (y == 1) & (rev > 0)
        stake = duty[fraud].sum()
        self.revenue_ratio_ = float(rev[fraud].sum() / stake) if stake > 0 else 1.0
        self.revenue_booster_ = None
        if fraud.sum() >= MIN_REVENUE_ITEMS:
            ds = _dataset(self.builder_, M[fraud], np.log1p(rev[fraud]))
            params = self._params("regression", int(fraud.sum())) | {"min_data_in_leaf": 5, "num_leaves": 7}
            self.revenue_booster_ = lgb.train(params, ds, num_boost_round=min(self.n_estimators, 100))
        else:
            self.notes_.append(
                f"{int(fraud.sum())} frauds with revenue (fewer than {MIN_REVENUE_ITEMS}): revenue if fraud "
                f"= duty at stake × {self.revenue_ratio_:.2f}"
            )

    def _fit_critical(
        self, X: pa.Table, M: np.ndarray, y: np.ndarray, revenue: np.ndarray | None, critical: np.ndarray | None
    ) -> None:
        """P(critical): LightGBM on the same features, critical results as positives.

        Critical results are a few dozen where frauds are hundreds, so the trees are small, leaves need
        many items and no weighting is applied: the probabilities stay on the scale of the data, which
        the lane priority needs (λ × P(critical) is compared with the fraud ranking).
        ``critical_unit_`` is the mean ranking value of a training fraud (1 for ``fraud``, the mean
        revenue if fraud for ``revenue``), so λ reads "a missed critical item costs λ typical frauds".
        """
        self.critical_booster_ = None
        power = REVENUE_POWER[self.objective]
        rev = np.zeros(len(y)) if revenue is None else np.nan_to_num(np.asarray(revenue, dtype=np.float64))
        frauds = y == 1
        self.critical_unit_ = float(np.mean(np.power(np.maximum(rev[frauds], 0) + 1.0, power))) if frauds.any() else 1.0
        c = None if critical is None else np.asarray(critical, dtype=np.int64)
        if c is None or c.sum() < MIN_CRITICAL:
            got = 0 if c is None else int(c.sum())
            self.notes_.append(
                f"{got} critical results (fewer than {MIN_CRITICAL}): no critical-goods model, lanes follow the fraud ranking"
            )
            return
        ds = _dataset(self.builder_, M, c)
        params = self._params("binary", len(c)) | {
            "num_leaves": 4,
            "min_data_in_leaf": max(20, len(c) // 200),
            "lambda_l2": 10.0,
            "learning_rate": 0.03,
            "feature_fraction": 0.7,
        }
        self.critical_booster_ = lgb.train(params, ds, num_boost_round=150)

    def critical_probability(self, M: np.ndarray) -> np.ndarray:
        """P(critical) per item (0 without a critical-goods model)."""
        if self.critical_booster_ is None:
            return np.zeros(len(M))
        return self.critical_booster_.predict(M, num_threads=self._threads(len(M)))

    # -- prediction -------------------------------------------------------------------------------
    def matrix(self, X: pa.Table) -> np.ndarray:
        return self.builder_.transform(X)

    def _proba(self, M: np.ndarray) -> np.ndarray:
        raw = self.booster_.predict(M, raw_score=True, num_threads=self._threads(len(M)))
        if self.calibration_ is None:
            return 1 / (1 + np.exp(-raw))
        a, b = self.calibration_
        return 1 / (1 + np.exp(-(a * raw + b)))

    def predict_proba(self, X: pa.Table) -> np.ndarray:
        p = self._proba(self.matrix(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pa.Table) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def revenue_if_fraud(self, X: pa.Table, M: np.ndarray | None = None) -> np.ndarray:
        if self.revenue_booster_ is not None:
            M = self.matrix(X) if M is None else M
            return np.expm1(self.revenue_booster_.predict(M, num_threads=self._threads(len(M)))).clip(min=0)
        return duty_at_stake(X) * self.revenue_ratio_

    def score_items(self, X: pa.Table) -> dict[str, np.ndarray]:
        """Fraud probability, expected revenue and the ranking score of the objective, in one pass."""
        columns = self.builder_.columns(X)
        M = self.builder_.stack(columns)
        p = self._proba(M)
        r = self.revenue_if_fraud(X, M)
        score = p * np.power(np.maximum(r, 0) + 1.0, REVENUE_POWER[self.objective])
        pc_ = self.critical_probability(M)
        return {
            "fraud_probability": p,
            "expected_revenue": p * r,
            "score": score,
            "critical_probability": pc_,
            "critical_value": getattr(self, "critical_unit_", 1.0) * pc_,
            "matrix": M,
            "columns": columns,
        }

    def contributions(self, M: np.ndarray) -> np.ndarray:
        """Per-feature contributions to the fraud log-odds (LightGBM's own SHAP values), bias last."""
        return self.booster_.predict(M, pred_contrib=True, num_threads=self._threads(len(M)))

    def importance(self) -> dict[str, float]:
        gain = self.booster_.feature_importance("gain")
        total = gain.sum() or 1.0
        return {n: float(g / total) for n, g in zip(self.builder_.feature_names_, gain, strict=True)}

    # -- persistence (text, never pickle) ---------------------------------------------------------
    def to_files(self) -> dict[str, str]:
        files = {"fraud.lgb.txt": self.booster_.model_to_string()}
        if self.revenue_booster_ is not None:
            files["revenue.lgb.txt"] = self.revenue_booster_.model_to_string()
        if self.critical_booster_ is not None:
            files["critical.lgb.txt"] = self.critical_booster_.model_to_string()
        return files

    def state(self) -> dict:
        return {
            "params": self.get_params(),
            "features": self.builder_.to_dict(),
            "calibration": self.calibration_,
            "n_trees": self.n_trees_,
            "revenue_ratio": self.revenue_ratio_,
            "critical_unit": self.critical_unit_,
            "notes": self.notes_,
        }

    @classmethod
    def from_state(cls, state: dict, files: dict[str, str]) -> RiskModel:
        model = cls(**state["params"])
        model.builder_ = FeatureBuilder.from_dict(state["features"])
        model.calibration_ = tuple(state["calibration"]) if state["calibration"] else None
        model.revenue_ratio_ = state["revenue_ratio"]
        model.n_trees_ = state.get("n_trees", model.n_estimators)
        model.notes_ = list(state.get("notes", []))
        model.booster_ = lgb.Booster(model_str=files["fraud.lgb.txt"])
        rev = files.get("revenue.lgb.txt")
        model.revenue_booster_ = lgb.Booster(model_str=rev) if rev else None
        crit = files.get("critical.lgb.txt")
        model.critical_booster_ = lgb.Booster(model_str=crit) if crit else None
        model.critical_unit_ = state.get("critical_unit", 1.0)
        model.classes_ = np.array([0, 1])
        model.n_features_in_ = len(model.builder_.feature_names_)
        return model
