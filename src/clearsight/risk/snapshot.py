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

Inspection results recorded after the snapshot was taken are folded in with :meth:`Snapshot.record`
(or :meth:`Snapshot.record_items`, which reads them from the warehouse): the label aggregates of the
item's keys are updated at once, so the next declaration of the same importer scores with its new
history, without reloading the whole snapshot. An item already counted is never counted twice.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis import dtype as ibis_dtype

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.risk.history import (
    HISTORY_COLUMNS,
    HISTORY_TYPES,
    ITEM_FIELDS,
    KEY,
    LABEL_KEYS,
    VOLUME_KEYS,
    labels,
    quiet,
    revenue_basis,
    unit_value_reference,
)
from clearsight.schema.items import ItemsUnreadable, canonical_items

SEP = "\x1f"
#: Batches at most this size are looked up with Python dicts (no per-call hash-table build).
SMALL_BATCH = 64
REQUIRED = ("declaration_id", "item_no", "importer_id", "country_of_origin", "customs_value")
#: Arrow type of each history column (first lodgements to the microsecond, as lodged_at).
_TYPES = {
    c: pa.timestamp("us") if t == "timestamp" else ibis_dtype(t).to_pyarrow() for c, t in HISTORY_TYPES.items()
}
#: Item fields that history keys are made of.
KEY_FIELDS = tuple(dict.fromkeys(k for keys in (*LABEL_KEYS.values(), *VOLUME_KEYS.values()) for k in keys))


def _key_array(table: pa.Table, keys: tuple[str, ...]) -> pa.ChunkedArray | pa.Array:
    """Each row's key (parts joined), NULL where a part is NULL."""
    if len(keys) == 1:
        return table[keys[0]]
    return pc.binary_join_element_wise(*[table[k] for k in keys], SEP)


class _Lookup:
    """One aggregate table keyed by some columns, answering for any batch of items with one ``take``.

    Its values are cast to their history types once, here. With ``default`` (values per column), a
    key that is valid but absent from the table gets a row of those values, appended after the
    table's rows; without, it gets NULL. An item with a NULL part in its key always gets NULL.
    """

    def __init__(
        self, table: pa.Table, keys: tuple[str, ...], types: dict[str, pa.DataType], default: dict | None = None
    ) -> None:
        self.keys = keys
        values = table.drop_columns(list(keys))
        cols = {c: pc.cast(values[c], types[c]) for c in values.column_names}
        if default is not None:  # found rows with a NULL aggregate read as the default too
            cols = {c: pc.fill_null(v, pa.scalar(default[c], types[c])) for c, v in cols.items()}
            cols = {c: pa.chunked_array([*v.chunks, pa.array([default[c]], types[c])]) for c, v in cols.items()}
        self.values = pa.table(cols, schema=pa.schema([(c, types[c]) for c in cols])).combine_chunks()
        self.missing = table.num_rows if default is not None else None
        self.index = pa.array(_key_array(table, keys)) if table.num_rows else pa.array([], pa.string())
        self._dict: dict[str, int] | None = None

    def indices(self, items: pa.Table, parts: dict[str, list] | None = None) -> pa.Array:
        """Per item, the row of its key (int64; NULL when the key has a NULL part or, without a
        default, is unknown). ``parts``: the key columns as Python lists, for a small batch."""
        if parts is not None:
            if self._dict is None:
                self._dict = {k: i for i, k in enumerate(self.index.to_pylist())}
            found = []
            for key in zip(*(parts[k] for k in self.keys), strict=True):
                if None in key:
                    found.append(None)
                else:
                    found.append(self._dict.get(key[0] if len(key) == 1 else SEP.join(key), self.missing))
            return pa.array(found, pa.int64())
        probe = _key_array(items, self.keys)
        found = pc.index_in(probe, value_set=self.index)
        if self.missing is not None:
            found = pc.if_else(pc.is_valid(probe), pc.fill_null(found, self.missing), pa.scalar(None, pa.int32()))
        return pc.cast(found, pa.int64())


def prepare_items(table: pa.Table, now: dt.datetime | None = None) -> tuple[pa.Table, list[str]]:
    """The columns history and features read, as the canonical goods item has them
    (:func:`clearsight.schema.items.canonical_items`): typed, missing optional ones as NULL (and said so).

    Raises UserError naming the required fields that are absent.
    """
    names = set(table.column_names)
    if "hs6" not in names and "hs_code" not in names:
        raise UserError("declarations to score need an hs_code (or hs6) column")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise UserError(f"declarations to score lack required field(s): {', '.join(missing)}")
    try:
        return canonical_items(table, ITEM_FIELDS, now=now)
    except ItemsUnreadable as exc:
        raise UserError(str(exc)) from None


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
        #: The offices the administration's declarations were lodged at: a declaration scored in real
        #: time must name one (``clearsight.schema.items.office_refusal``).
        offices = past.filter(past.office_id.notnull()).select("office_id").distinct().to_pyarrow()
        self.offices: frozenset[str] = frozenset(offices["office_id"].to_pylist())
        lab = labels(warehouse, self.basis)
        if as_of is not None:
            lab = lab.filter(lab.known_at < as_of)
        # A known key without labels has 0 inspections; a trader key without items, 0 items (and is
        # first seen at the item's own lodgement, filled in by ``history``).
        self.labels: dict[str, _Lookup] = {}
        self._label_tables: dict[str, pa.Table] = {}  # the aggregates themselves, for ``record``
        for name, keys in LABEL_KEYS.items():
            k = lab.filter(*[lab[c].notnull() for c in keys])
            agg = {f"hist_n_{name}": k.count(), f"hist_fraud_{name}": k.fraud.sum()}
            if name == "importer":
                agg["hist_revenue_importer"] = k.revenue.sum()
            table = k.group_by(list(keys)).aggregate(**agg).to_pyarrow()
            self._label_tables[name] = table
            self.labels[name] = _Lookup(table, keys, _TYPES, _label_defaults(table, keys))
        # The items whose labels are counted, so that ``record`` never counts one twice.
        self._counted = _item_keys(lab.select(*KEY).to_pyarrow())
        self._record_lock = threading.Lock()
        self.volume: dict[str, _Lookup] = {}
        for name, keys in VOLUME_KEYS.items():
            k = past.filter(*[past[c].notnull() for c in keys])
            agg = {f"prior_items_{name}": k.count(), f"first_seen_{name}": k.lodged_at.min()}
            table = k.group_by(list(keys)).aggregate(**agg).to_pyarrow()
            self.volume[name] = _Lookup(table, keys, _TYPES, {f"prior_items_{name}": 0, f"first_seen_{name}": None})
        by_pair, by_hs6 = unit_value_reference(past)
        pair = by_pair.to_pyarrow()
        pair = pair.filter(pc.is_valid(pair["uv_ref_median"]))
        solo = by_hs6.to_pyarrow()
        self.uv_pair = _Lookup(pair, ("hs6", "country_of_origin"), _TYPES)
        self.uv_hs6 = _Lookup(solo, ("hs6",), _TYPES)
        # One table for both levels: the HS6 × origin reference where there is one, else the HS6 one.
        level = pc.if_else(pc.is_valid(solo["uv_ref_median"]), "hs6", pa.scalar(None, pa.string()))
        self.uv = pa.concat_tables([
            self.uv_pair.values.append_column("uv_ref_level", pa.array(["hs6_origin"] * pair.num_rows, pa.string())),
            self.uv_hs6.values.append_column("uv_ref_level", level),
        ]).combine_chunks()

    def record(self, new_labels: pa.Table) -> int:
        """Fold labels that became known after the snapshot into its label aggregates; return how many
        items were folded in.

        ``new_labels``: rows of :func:`clearsight.risk.history.labels` (the item's key fields,
        ``declaration_id``, ``item_no``, ``known_at``, ``fraud``, ``revenue``), one per item. Items
        the snapshot already counts are skipped, and so are labels known at or after ``as_of``.
        Each aggregate is swapped whole, so a score running meanwhile reads the old or the new one.
        """
        with self._record_lock:
            table = new_labels
            if self.as_of is not None and table.num_rows:
                known = pc.cast(table["known_at"], pa.timestamp("us"))
                table = table.filter(pc.less(known, pa.scalar(self.as_of, pa.timestamp("us"))))
            ids = _item_keys(table)
            fresh = pc.invert(pc.is_in(ids, value_set=self._counted))
            table, ids = table.filter(fresh), ids.filter(fresh)
            if table.num_rows == 0:
                return 0
            for name, keys in LABEL_KEYS.items():
                rows = table.filter(_all_valid(table, keys))
                if rows.num_rows == 0:
                    continue
                old = self._label_tables[name]
                ones = pa.array(np.ones(rows.num_rows, dtype=np.int64))
                delta = rows.select(list(keys)).append_column(f"hist_n_{name}", ones)
                delta = delta.append_column(f"hist_fraud_{name}", pc.cast(rows["fraud"], pa.int64()))
                if name == "importer":
                    revenue = pc.fill_null(pc.cast(rows["revenue"], pa.float64()), 0.0)
                    delta = delta.append_column("hist_revenue_importer", revenue)
                delta = delta.cast(pa.schema([old.schema.field(c) for c in delta.column_names]))
                both = pa.concat_tables([old.select(delta.column_names), delta])
                values = [c for c in delta.column_names if c not in keys]
                merged = both.group_by(list(keys)).aggregate([(c, "sum") for c in values])
                merged = merged.rename_columns([c.removesuffix("_sum") for c in merged.column_names])
                merged = merged.select(old.column_names).cast(old.schema)
                look = _Lookup(merged, keys, _TYPES, _label_defaults(merged, keys))
                if self.labels[name]._dict is not None:  # warm it here, not in the next scoring call
                    look._dict = {k: i for i, k in enumerate(look.index.to_pylist())}
                self._label_tables[name] = merged
                self.labels[name] = look
            self._counted = pa.concat_arrays([self._counted, ids.unique()])
            return int(pc.count_distinct(ids).as_py())

    def record_items(self, warehouse: Warehouse, items: Iterable[tuple[str, int]]) -> int:
        """Read the labels of ``items`` (declaration_id, item_no) from the warehouse and :meth:`record`
        them: what the portal calls after saving an inspection result."""
        wanted = {(str(d), int(i)) for d, i in items}
        if not wanted:
            return 0
        lab = labels(warehouse, self.basis)
        found = lab.filter(lab.declaration_id.isin(sorted({d for d, _ in wanted}))).to_pyarrow()
        pairs = zip(found["declaration_id"].to_pylist(), found["item_no"].to_pylist(), strict=True)
        keep = [(d, i) in wanted for d, i in pairs]
        return self.record(found.filter(pa.array(keep, pa.bool_())))

    def history(self, items: pa.Table) -> pa.Table:
        """The history columns of ``items`` (prepared canonical columns), in their order."""
        out = {c: items[c] for c in ITEM_FIELDS}
        # A declaration's few items: their keys as Python values, looked up in dicts (an Arrow hash
        # table per look-up would cost more than the look-up).
        parts = {k: items[k].to_pylist() for k in KEY_FIELDS} if items.num_rows <= SMALL_BATCH else None
        for look in self.labels.values():
            found = look.values.take(look.indices(items, parts))
            out.update(zip(found.column_names, found.columns, strict=True))
        for name, look in self.volume.items():
            at = look.indices(items, parts)
            found = look.values.take(at)
            out[f"prior_items_{name}"] = found[f"prior_items_{name}"]
            first = found[f"first_seen_{name}"]
            if first.null_count > at.null_count:  # a valid key never seen before: first seen now
                first = pc.if_else(pc.and_(pc.is_valid(at), pc.is_null(first)), items["lodged_at"], first)
            out[f"first_seen_{name}"] = first
        pair, solo = self.uv_pair.indices(items, parts), self.uv_hs6.indices(items, parts)
        uv = self.uv.take(pc.coalesce(pair, pc.add(solo, self.uv_pair.values.num_rows)))
        out.update(zip(uv.column_names, uv.columns, strict=True))
        out["items_in_declaration"] = _items_in_declaration(items["declaration_id"])
        return pa.table({c: out[c] for c in (*ITEM_FIELDS, *HISTORY_COLUMNS)})


def _label_defaults(table: pa.Table, keys: tuple[str, ...]) -> dict[str, int | float]:
    """A known key without labels: 0 inspections, 0 frauds, 0 revenue."""
    return {c: 0.0 if c == "hist_revenue_importer" else 0 for c in table.column_names if c not in keys}


def _all_valid(table: pa.Table, keys: tuple[str, ...]) -> pa.Array:
    ok = pc.is_valid(table[keys[0]])
    for k in keys[1:]:
        ok = pc.and_(ok, pc.is_valid(table[k]))
    return ok


def _item_keys(table: pa.Table) -> pa.Array:
    """``declaration_id`` and ``item_no`` of each row as one string."""
    if table.num_rows == 0:
        return pa.array([], pa.string())
    joined = pc.binary_join_element_wise(
        pc.cast(table["declaration_id"], pa.string()), pc.cast(table["item_no"], pa.string()), SEP
    )
    return pa.array(joined) if isinstance(joined, pa.Array) else joined.combine_chunks()


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
