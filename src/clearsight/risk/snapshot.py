"""The warehouse's history at one moment, held in memory, to score new declarations fast.

Scoring a new item needs the same history columns as training (see :mod:`clearsight.risk.history`),
but recomputing running windows over the whole warehouse for every declaration would be far too slow
for a clearance system calling once per declaration. A :class:`Snapshot` aggregates the history once
(Ibis group-bys executed at the edge) — labels known before ``as_of`` per key, items and first
lodgement per trader key, unit-value references — and then answers lookups for any batch of items
with vectorised hash look-ups (a Python dict for a handful of items, so a single declaration costs
well under a millisecond here).

For an item lodged after ``as_of``, its label history equals the point-in-time history frozen at
``as_of``; its trader volume counts the items up to ``as_of`` (not those lodged in between).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.console import UserError
from clearsight.risk.history import (
    HISTORY_COLUMNS,
    ITEM_FIELDS,
    LABEL_KEYS,
    VOLUME_KEYS,
    labels,
    quiet,
    revenue_basis,
    unit_value_reference,
)
from clearsight.schema.tables import DECLARATIONS
from clearsight.warehouse import Warehouse

SEP = "\x1f"
#: Batches at most this size are looked up with Python dicts (no per-call hash-table build).
SMALL_BATCH = 64
REQUIRED = ("declaration_id", "item_no", "importer_id", "country_of_origin", "customs_value")


def _key_array(table: pa.Table, keys: tuple[str, ...]) -> pa.ChunkedArray | pa.Array:
    if len(keys) == 1:
        return table[keys[0]]
    return pc.binary_join_element_wise(*[table[k] for k in keys], SEP)


class _Lookup:
    """One aggregate table keyed by some columns: row index of each item's key (or null)."""

    def __init__(self, table: pa.Table, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.values = table.drop_columns(list(keys))
        self.index = pa.array(_key_array(table, keys)) if table.num_rows else pa.array([], pa.string())
        self._dict: dict[str, int] | None = None

    def positions(self, items: pa.Table) -> pa.Array:
        probe = _key_array(items, self.keys)
        if items.num_rows <= SMALL_BATCH:
            if self._dict is None:
                self._dict = {k: i for i, k in enumerate(self.index.to_pylist())}
            return pa.array([self._dict.get(k) for k in pa.array(probe).to_pylist()], pa.int64())
        return pc.index_in(probe, value_set=self.index)

    def take(self, items: pa.Table) -> pa.Table:
        return self.values.take(self.positions(items))


def prepare_items(table: pa.Table, now: dt.datetime | None = None) -> tuple[pa.Table, list[str]]:
    """Canonical declaration columns with their types, missing optional ones as NULL (and said so).

    Raises UserError naming the required fields that are absent.
    """
    names = set(table.column_names)
    if "hs6" not in names and "hs_code" not in names:
        raise UserError("declarations to score need an hs_code (or hs6) column")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise UserError(f"declarations to score lack required field(s): {', '.join(missing)}")
    notes = []
    cols = {}
    n = table.num_rows
    for name in ITEM_FIELDS:
        if name == "hs6" and "hs6" not in names:
            hs = pc.cast(table["hs_code"], pa.string())
            cols[name] = pc.utf8_slice_codeunits(pc.replace_substring_regex(hs, r"[^0-9]", ""), 0, 6)
            continue
        if name == "hs_code" and name not in names:
            cols[name] = pc.cast(table["hs6"], pa.string())
            continue
        dtype = pa.timestamp("us") if name == "lodged_at" else None
        if dtype is None:
            dtype = _arrow_type(name)
        if name in names:
            try:
                cols[name] = pc.cast(table[name], dtype)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise UserError(f"column {name}: cannot read it as {dtype} ({exc})") from None
        elif name == "lodged_at":
            stamp = (now or dt.datetime.now(dt.UTC).replace(tzinfo=None)).replace(microsecond=0)
            cols[name] = pa.array([stamp] * n, dtype)
            notes.append("no lodged_at: items treated as lodged now")
        else:
            cols[name] = pa.nulls(n, dtype)
            notes.append(f"no {name}: treated as missing")
    return pa.table(cols), notes


def _arrow_type(name: str) -> pa.DataType:
    import ibis.expr.datatypes as dt_

    return dt_.dtype(DECLARATIONS.field(name).dtype).to_pyarrow()


class Snapshot:
    """History aggregates of a warehouse as of ``as_of`` (None: everything it holds)."""

    def __init__(
        self, warehouse: Warehouse, as_of: dt.datetime | None = None, basis: str | None = None
    ) -> None:
        quiet(warehouse)
        self.as_of = as_of
        self.basis = basis or revenue_basis(warehouse)
        d = warehouse.table("declarations")
        past = d if as_of is None else d.filter(d.lodged_at < as_of)
        lab = labels(warehouse, self.basis)
        if as_of is not None:
            lab = lab.filter(lab.known_at < as_of)
        self.labels: dict[str, _Lookup] = {}
        for name, keys in LABEL_KEYS.items():
            k = lab.filter(*[lab[c].notnull() for c in keys])
            agg = {f"hist_n_{name}": k.count(), f"hist_fraud_{name}": k.fraud.sum()}
            if name == "importer":
                agg["hist_revenue_importer"] = k.revenue.sum()
            self.labels[name] = _Lookup(k.group_by(list(keys)).aggregate(**agg).to_pyarrow(), keys)
        self.volume: dict[str, _Lookup] = {}
        for name, keys in VOLUME_KEYS.items():
            k = past.filter(*[past[c].notnull() for c in keys])
            agg = {f"prior_items_{name}": k.count(), f"first_seen_{name}": k.lodged_at.min()}
            self.volume[name] = _Lookup(k.group_by(list(keys)).aggregate(**agg).to_pyarrow(), keys)
        by_pair, by_hs6 = unit_value_reference(past)
        self.uv_pair = _Lookup(by_pair.to_pyarrow(), ("hs6", "country_of_origin"))
        self.uv_hs6 = _Lookup(by_hs6.to_pyarrow(), ("hs6",))

    def history(self, items: pa.Table) -> pa.Table:
        """The history columns of ``items`` (prepared canonical columns), in their order."""
        out = {c: items[c] for c in ITEM_FIELDS}
        for name, look in self.labels.items():
            found = look.take(items)
            key_ok = _keys_valid(items, LABEL_KEYS[name])
            for c in found.column_names:
                zero = (
                    pa.scalar(0, pa.int64())
                    if c.startswith("hist_n_") or c.startswith("hist_fraud_")
                    else 0.0
                )
                col = pc.cast(found[c], pa.float64() if c == "hist_revenue_importer" else pa.int64())
                filled = pc.fill_null(col, pc.cast(zero, col.type))
                out[c] = pc.if_else(key_ok, filled, pa.scalar(None, col.type))
        for name, look in self.volume.items():
            found = look.take(items)
            key_ok = _keys_valid(items, VOLUME_KEYS[name])
            count = pc.fill_null(pc.cast(found[f"prior_items_{name}"], pa.int64()), 0)
            first = pc.cast(found[f"first_seen_{name}"], pa.timestamp("us"))
            first = pc.fill_null(first, items["lodged_at"]) if first.null_count else first
            out[f"prior_items_{name}"] = pc.if_else(key_ok, count, pa.scalar(None, pa.int64()))
            out[f"first_seen_{name}"] = pc.if_else(key_ok, first, pa.scalar(None, pa.timestamp("us")))
        pair, solo = self.uv_pair.take(items), self.uv_hs6.take(items)
        has_pair = pc.is_valid(pair["uv_ref_median"])
        for c in ("uv_ref_median", "uv_ref_mad", "uv_ref_n"):
            out[c] = pc.if_else(has_pair, pair[c], solo[c])
        level = pc.if_else(
            has_pair,
            "hs6_origin",
            pc.if_else(pc.is_valid(solo["uv_ref_median"]), "hs6", pa.scalar(None, pa.string())),
        )
        out["uv_ref_level"] = level
        out["uv_ref_n"] = pc.cast(out["uv_ref_n"], pa.int64())
        out["items_in_declaration"] = _items_in_declaration(items["declaration_id"])
        table = pa.table({c: out[c] for c in (*ITEM_FIELDS, *HISTORY_COLUMNS)})
        return table


def _keys_valid(items: pa.Table, keys: tuple[str, ...]) -> pa.Array:
    ok = None
    for k in keys:
        v = pc.is_valid(items[k])
        ok = v if ok is None else pc.and_(ok, v)
    return ok


def _items_in_declaration(ids: pa.ChunkedArray) -> pa.Array:
    if len(ids) <= SMALL_BATCH:
        ids_list = pa.array(ids).to_pylist()
        counts: dict = {}
        for i in ids_list:
            counts[i] = counts.get(i, 0) + 1
        return pa.array([counts[i] for i in ids_list], pa.int64())
    enc = (
        pc.dictionary_encode(ids).combine_chunks()
        if isinstance(ids, pa.ChunkedArray)
        else pc.dictionary_encode(ids)
    )
    codes = enc.indices.to_numpy(zero_copy_only=False)
    return pa.array(np.bincount(codes)[codes].astype(np.int64))
