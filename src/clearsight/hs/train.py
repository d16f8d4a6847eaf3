"""Train the classifier on the workspace's declarations, and measure it on held-out ones."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.hs.classifier import HSClassifier
from clearsight.hs.history import History, holdout_mask, read_history, texts_and_codes
from clearsight.hs.suggest import Suggester, load_retriever, rank_at, save_model

#: Fewest usable pairs worth training on.
MIN_PAIRS = 50


@dataclass(frozen=True)
class TrainResult:
    path: str
    examples: int
    distinct_texts: int
    subheadings: int
    items: int
    no_description: int
    misclassified_left_out: int
    codes_not_in_hs2022: int
    seconds: float
    fingerprint: str

    def to_json_dict(self) -> dict:
        return asdict(self)


def _fit(texts: list[str], codes: list[str], models_dir: Path | None) -> HSClassifier:
    return HSClassifier().fit(texts, codes, retriever=load_retriever(models_dir))


def train(warehouse: Warehouse, models_dir: Path) -> TrainResult:
    """Fit on every usable declaration and write ``<models>/hs/classifier.joblib`` with its metrics."""
    start = time.perf_counter()
    history = read_history(warehouse)
    if history.pairs.num_rows < MIN_PAIRS:
        raise UserError(
            f"only {history.pairs.num_rows} declaration items with a description and a code; "
            f"at least {MIN_PAIRS} are needed to train (suggestions still work zero-shot)"
        )
    texts, codes = texts_and_codes(history.pairs)
    model = _fit(texts, codes, models_dir)
    known = set(model.codes_)
    digest = hashlib.sha256()
    for t, c in zip(texts, codes, strict=True):
        digest.update(f"{c}\t{t}\n".encode())
    result = TrainResult(
        path="",
        examples=model.n_examples_,
        distinct_texts=model.n_texts_,
        subheadings=int((model.class_counts_ > 0).sum()),
        items=history.items,
        no_description=history.no_description,
        misclassified_left_out=history.misclassified,
        codes_not_in_hs2022=sum(1 for c in codes if c not in known),
        seconds=round(time.perf_counter() - start, 2),
        fingerprint=digest.hexdigest()[:16],
    )
    metrics = {**result.to_json_dict(), "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    path = save_model(model, metrics, models_dir)
    return TrainResult(**{**result.to_json_dict(), "path": str(path)})


def topk_accuracy(true_codes: list[str], codes: np.ndarray, probs: np.ndarray, digits: int, k: int) -> float:
    """Share of rows whose true code (cut to ``digits``) is among the ``k`` best at that level."""
    if not true_codes:
        return float("nan")
    groups, grouped = rank_at(codes, probs, digits)
    best = np.argsort(-grouped, axis=1)[:, :k]
    truth = np.array([c[:digits] for c in true_codes])
    return float(np.mean((groups[best] == truth[:, None]).any(axis=1)))


def accuracy_table(suggester: Suggester, texts: list[str], truth: list[str]) -> dict[str, float]:
    """top-1 and top-5 accuracy at HS2, HS4 and HS6 (each distinct text scored once)."""
    distinct = sorted(set(texts))
    index = {t: i for i, t in enumerate(distinct)}
    probs, _ = suggester.probabilities(distinct)
    rows = probs[[index[t] for t in texts]]
    return {
        f"top{k}_hs{d}": round(topk_accuracy(truth, suggester.codes, rows, d, k), 4)
        for d in (2, 4, 6)
        for k in (1, 5)
    }


def evaluate(
    warehouse: Warehouse, models_dir: Path | None, holdout: float = 0.2, max_test: int = 20_000
) -> dict:
    """Train on the other declarations, test on a held-out share; zero-shot scored on the same test set."""
    history: History = read_history(warehouse)
    if history.pairs.num_rows < MIN_PAIRS:
        raise UserError(
            f"only {history.pairs.num_rows} usable declaration items; at least {MIN_PAIRS} are needed"
        )
    mask = holdout_mask(history.pairs["declaration_id"], holdout)
    texts, codes = texts_and_codes(history.pairs)
    train_t = [t for t, m in zip(texts, mask, strict=True) if not m]
    train_c = [c for c, m in zip(codes, mask, strict=True) if not m]
    test_idx = np.flatnonzero(mask)
    if len(test_idx) > max_test:
        test_idx = np.sort(np.random.default_rng(0).choice(test_idx, max_test, replace=False))
    test_t = [texts[i] for i in test_idx]
    test_c = [codes[i] for i in test_idx]
    if not train_t or not test_t:
        raise UserError("too few declarations to hold some out; load more history")
    retriever = load_retriever(models_dir)
    model = HSClassifier().fit(train_t, train_c, retriever=retriever)
    seen = set(train_c)
    unseen = [i for i, c in enumerate(test_c) if c not in seen]
    trained = accuracy_table(Suggester(model, retriever), test_t, test_c)
    zero = accuracy_table(Suggester(None, retriever), test_t, test_c)
    return {
        "train_items": len(train_t),
        "test_items": len(test_t),
        "test_items_with_unseen_code": len(unseen),
        "misclassified_left_out": history.misclassified,
        "no_description": history.no_description,
        "trained": trained,
        "zero_shot": zero,
        "truth": "declared codes (items found misclassified left out)",
    }
