"""Reasons in an officer's words, from each feature's contribution to the item's fraud log-odds.

LightGBM's ``pred_contrib`` splits every prediction into per-feature parts (SHAP values). The
features that pushed the item's risk up the most become sentences built from the item's own values
("unit value 78 % below the usual value for HS 610910 from CN"), never from feature names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa

#: An item's columns, read by name (``r[name]``, ``r.get(name)``).
Row = Any


def _pct_off(log_ratio: float) -> str:
    change = (np.exp(log_ratio) - 1) * 100
    return f"{abs(change):.0f} % {'below' if change < 0 else 'above'}"


def _count(n: object, f: object, who: str) -> str:
    n = int(n or 0)
    f = int(f or 0)
    if n == 0:
        return f"{who}: never inspected before"
    return f"{who}: {f} fraud{'s' if f != 1 else ''} in {n} past inspection{'s' if n != 1 else ''}"


WHO = {
    "importer": lambda r: f"importer {r['importer_id']}",
    "declarant": lambda r: f"declarant {r['declarant_id']}",
    "seller": lambda r: f"seller {r['seller_id']}",
    "hs6": lambda r: f"HS {r['hs6']}",
    "origin": lambda r: f"goods from {r['country_of_origin']}",
    "office": lambda r: f"office {r['office_id']}",
    "importer_hs6": lambda r: f"this importer with HS {r['hs6']}",
    "office_hs6": lambda r: f"HS {r['hs6']} at office {r['office_id']}",
    "hs6_origin": lambda r: f"HS {r['hs6']} from {r['country_of_origin']}",
}
FIRST = {
    "importer": "first declaration by this importer",
    "declarant": "first declaration by this declarant",
    "seller": "first shipment from this seller",
    "importer_hs6": "first time this importer declares HS {hs6}",
    "importer_origin": "first time this importer declares goods from {country_of_origin}",
    "importer_seller": "first shipment from this seller to this importer",
}


def _uv(r: Row, v: dict) -> str:
    level = r.get("uv_ref_level")
    where = f"HS {r['hs6']} from {r['country_of_origin']}" if level == "hs6_origin" else f"HS {r['hs6']}"
    return f"unit value {_pct_off(v['uv_log_ratio'])} the usual value for {where}"


def _sentence(name: str) -> Callable[[Row, dict], str | None]:
    if name in ("uv_log_ratio", "uv_robust_z"):
        return lambda r, v: None if np.isnan(v["uv_log_ratio"]) else _uv(r, v)
    if name.startswith(("rate_", "log_inspections_")):
        key = name.removeprefix("rate_").removeprefix("log_inspections_")
        return lambda r, v: _count(r.get(f"hist_n_{key}"), r.get(f"hist_fraud_{key}"), WHO[key](r))
    if name == "log_revenue_importer":
        return lambda r, v: (
            f"importer: {float(r.get('hist_revenue_importer') or 0):,.0f} recovered at past inspections"
        )
    if name.startswith(("first_time_", "log_prior_items_")):
        key = name.removeprefix("first_time_").removeprefix("log_prior_items_")

        def volume(r: Row, v: dict) -> str | None:
            n = r.get(f"prior_items_{key}")
            if n is None:
                return None
            if n == 0:
                return FIRST[key].format(**{k: r.get(k) for k in ("hs6", "country_of_origin")})
            return f"{key.replace('_', ' × ')}: {int(n):,} earlier items"

        return volume
    if name.startswith("age_days_"):
        who = name.removeprefix("age_days_")
        return lambda r, v: None if np.isnan(v[name]) else f"{who} first seen {v[name]:.0f} days before"
    simple: dict[str, Callable[[Row, dict], str]] = {
        "log_customs_value": lambda r, v: f"customs value {float(r['customs_value'] or 0):,.0f}",
        "log_value_per_kg": lambda r, v: f"value per kg {np.exp(v[name]):,.2f}",
        "log_value_per_unit": lambda r, v: f"value per unit {np.exp(v[name]):,.2f}",
        "log_net_mass_kg": lambda r, v: f"net mass {np.exp(v[name]):,.0f} kg",
        "gross_net_ratio": lambda r, v: f"gross mass {v[name]:.2f} × the net mass",
        "duty_rate": lambda r, v: f"duty rate {v[name]:g} %",
        "log_duty_at_stake": lambda r, v: f"duty at stake {np.expm1(v[name]):,.0f}",
        "preference_used": lambda r, v: (
            f"tariff preference {r['preference_code']} claimed" if v[name] else "no tariff preference claimed"
        ),
        "aeo": lambda r, v: "importer is an AEO" if v[name] == 1 else "importer is not an AEO",
        "items_in_declaration": lambda r, v: f"{v[name]:.0f} items in the declaration",
        "hs4_code": lambda r, v: f"HS heading {str(r['hs6'])[:4]}",
        "mode_of_transport": lambda r, v: f"transport by {r['mode_of_transport']}",
        "office_id": lambda r, v: f"lodged at office {r['office_id']}",
        "hs2": lambda r, v: f"HS chapter {str(r['hs6'])[:2]}",
        "country_of_origin": lambda r, v: f"origin {r['country_of_origin']}",
    }
    return simple.get(name, lambda r, v: f"{name} = {v[name]:g}")


def _finite(x: float) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x))


@cache
def _makers(feature_names: tuple[str, ...]) -> list[Callable[[Row, dict], str | None]]:
    return [_sentence(n) for n in feature_names]


class _Lists:
    """Some columns of a table as Python lists, each converted when a sentence first reads it (an
    item's reasons read a handful of the table's many columns)."""

    def __init__(self, table: pa.Table, names: list[str]) -> None:
        self.table, self.names, self.lists = table, set(names), {}

    def column(self, name: str) -> list | None:
        if name not in self.lists:
            self.lists[name] = self.table[name].to_pylist() if name in self.names else None
        return self.lists[name]


class _Row:
    """Item ``i`` of :class:`_Lists`, read like a dict (``r[name]``, ``r.get(name)``)."""

    __slots__ = ("i", "lists")

    def __init__(self, lists: _Lists, i: int) -> None:
        self.lists, self.i = lists, i

    def __getitem__(self, name: str) -> object:
        values = self.lists.column(name)
        if values is None:
            raise KeyError(name)
        return values[self.i]

    def get(self, name: str, default: object = None) -> object:
        values = self.lists.column(name)
        return default if values is None else values[self.i]


class _Values:
    """Item ``i``'s feature values as floats, read like a dict."""

    __slots__ = ("features", "i")

    def __init__(self, features: dict[str, np.ndarray], i: int) -> None:
        self.features, self.i = features, i

    def __getitem__(self, name: str) -> float:
        return float(self.features[name][self.i])


def reasons(
    table: pa.Table,
    features: dict[str, np.ndarray],
    contributions: np.ndarray,
    feature_names: list[str],
    top: int = 3,
) -> list[list[str]]:
    """Per item, up to ``top`` sentences for the features that raised its risk most (distinct sentences)."""
    context = ("importer_id", "declarant_id", "seller_id", "hs6", "country_of_origin", "office_id")
    names = table.column_names
    extra = [c for c in names if c.startswith(("hist_", "prior_items_")) or c in context]
    extra += [c for c in ("customs_value", "preference_code", "mode_of_transport", "uv_ref_level") if c in names]
    lists = _Lists(table, extra)
    makers = _makers(tuple(feature_names))
    contrib = contributions[:, : len(feature_names)]
    out: list[list[str]] = []
    for i in range(len(contrib)):
        row, values = _Row(lists, i), _Values(features, i)
        said: list[str] = []
        for j in np.argsort(-contrib[i], kind="stable"):
            if contrib[i, j] <= 0 or len(said) >= top:
                break
            text = makers[j](row, values)
            if text and text not in said:
                said.append(text)
        out.append(said)
    return out
