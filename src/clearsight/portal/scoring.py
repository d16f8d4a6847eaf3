"""Real-time scoring: the narrow seam between the API and the risk room.

:func:`score_declaration` takes the validated payload as canonical item rows (a PyArrow table) and
returns one result per item; :class:`ScoringService` holds the promoted model (reloaded when the
registry changes) and answers :class:`NoModel` when there is none, so the API says 503 rather than
invent a score.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import pyarrow as pa

from clearsight.config import Settings
from clearsight.portal.lanes import lane_of
from clearsight.portal.schemas import DeclarationIn
from clearsight.portal.settings import PortalSettings

NO_MODEL = "no risk model has been promoted; run clearsight risk train"


class NoModel(Exception):
    """No model is promoted (or the promoted one cannot be loaded)."""


@dataclass
class ItemResult:
    declaration_id: str
    item_no: int
    score: float
    fraud_probability: float
    expected_revenue: float
    lane: str
    reasons: list[str]


def canonical_rows(decl: DeclarationIn) -> pa.Table:
    """One canonical declarations row per item: header fields repeated on each item.

    A field given for any item is a column (NULL for the items without it).
    """
    header = decl.model_dump(exclude={"items"}, exclude_none=True)
    items = [item.model_dump(exclude_none=True) for item in decl.items]
    columns = {name: [value] * len(items) for name, value in header.items()}
    for name in dict.fromkeys(k for item in items for k in item):
        columns[name] = [item.get(name) for item in items]
    return pa.table(columns)


class ScoringService:
    """The promoted risk model, loaded once and reloaded when the registry file changes."""

    def __init__(self, settings: Settings, portal: PortalSettings, warehouse_factory) -> None:
        self.settings = settings
        self.portal = portal
        self._warehouse = warehouse_factory  # context manager yielding the shared warehouse
        self._lock = threading.Lock()
        self._scorer = None
        self._stamp: float | None = None
        self._registry = settings.models_dir / "registry.json"  # checked at every call: a promotion applies at once

    def _registry_stamp(self) -> float | None:
        try:
            return os.stat(self._registry).st_mtime_ns
        except OSError:
            return None

    def needs_loading(self) -> bool:
        """Whether the next call loads a model (seconds): the API then loads it off the event loop."""
        stamp = self._registry_stamp()
        return stamp is not None and (self._scorer is None or stamp != self._stamp)

    def scorer(self):
        stamp = self._registry_stamp()
        if stamp is None:
            raise NoModel(NO_MODEL)
        if self._scorer is not None and stamp == self._stamp:
            return self._scorer
        with self._lock:
            if self._scorer is None or stamp != self._stamp:
                from clearsight.console import UserError
                from clearsight.risk.registry import ModelRegistry
                from clearsight.risk.scorer import RiskScorer

                if ModelRegistry(self.settings.models_dir).promoted() is None:
                    raise NoModel(NO_MODEL)
                try:
                    with self._warehouse() as wh:
                        scorer = RiskScorer.load(self.settings, warehouse=wh)
                    # One declaration per request: concurrency comes from parallel requests, and
                    # OpenMP threads inside each small prediction would only oversubscribe the CPUs.
                    scorer.model.set_params(n_jobs=1)
                    self._scorer = scorer
                except UserError as exc:
                    raise NoModel(f"{NO_MODEL} ({exc})") from None
                self._stamp = stamp
        return self._scorer

    @property
    def model_version(self) -> str:
        return self.scorer().entry.name

    def score(self, rows: pa.Table, explain_top: int | None = None) -> list[ItemResult]:
        """Per-item results for canonical rows, lanes by the portal's thresholds."""
        # The API scores on the server's event loop, one declaration at a time, so scoring never trades
        # the interpreter lock back and forth between threads; pages score from worker threads.
        out = self.scorer().score(rows, explain_top=explain_top).to_pylist()
        return [
            ItemResult(
                declaration_id=r["declaration_id"],
                item_no=r["item_no"],
                score=float(r["score"]),
                fraud_probability=float(r["fraud_probability"]),
                expected_revenue=float(r["expected_revenue"]),
                lane=lane_of(float(r["fraud_probability"]), float(r["expected_revenue"]), self.portal),
                reasons=list(r["reasons"] or []),
            )
            for r in out
        ]


def score_declaration(service: ScoringService, decl: DeclarationIn) -> list[ItemResult]:
    """The seam the API calls: validated payload in, one result per item out."""
    return service.score(canonical_rows(decl))
