"""Vectorised sampling and string helpers: the world is drawn array by array, never item by item."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def row_cdf(weights: np.ndarray) -> np.ndarray:
    """Row-normalised cumulative weights (the last column is exactly 1); all-zero rows become uniform."""
    w = np.asarray(weights, dtype=np.float64)
    totals = w.sum(axis=1, keepdims=True)
    w = np.where(totals > 0, w, 1.0)
    cum = np.cumsum(w, axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    return cum


def sample_rows(rng: np.random.Generator, cdf: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per element, drawn from the distribution of its row of ``cdf`` (see row_cdf).

    Rows are stacked into one increasing array (row r's values lie in (r, r + 1]), so a single
    searchsorted draws from per-row distributions without a loop.
    """
    n_rows, k = cdf.shape
    flat = (cdf + np.arange(n_rows)[:, None]).ravel()
    u = rng.random(len(rows)) + rows
    idx = np.searchsorted(flat, u, side="right") - rows * k
    return np.clip(idx, 0, k - 1)


def choice(rng: np.random.Generator, weights: Sequence[float] | np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(w), size=size, p=w / w.sum())


def lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, size: int) -> np.ndarray:
    """Log-normal draws with a given median (what people quote for delays and prices)."""
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))


def group_starts(sizes: np.ndarray) -> np.ndarray:
    """Start offset of each group in a flat array of consecutive groups of the given sizes."""
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def numbered(prefix: str | pa.Array, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers such as ``IM000123``: a prefix and a zero-padded number."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def take(values: Sequence[str] | np.ndarray | pa.Array, index: np.ndarray) -> pa.Array:
    """Strings of a small list picked by index (nulls where index is -1)."""
    arr = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    idx = pa.array(index, pa.int64(), mask=np.asarray(index) < 0)
    return arr.take(idx)


def join(*parts: pa.Array | str, sep: str = "", skip_nulls: bool = False) -> pa.Array:
    """Element-wise concatenation of string arrays and constants (null parts skipped or nulling)."""
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip" if skip_nulls else "emit_null")
