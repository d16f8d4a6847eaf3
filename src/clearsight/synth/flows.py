"""Trade statistics of the synthetic world, for mirror analysis.

The administration's own import statistics (flow M) are compiled from what was *declared*: declared
origin, declared HS6, declared (CIF) value. Partners' export statistics (flow X, reported by the
partner, with the administration's country as partner) record what was *really* shipped: true origin,
true HS6, true value, FOB, dated at shipment (weeks before arrival by sea), with a little reporting
noise. So the two agree except where importers lied: under-invoicing hotspots, goods declared under a
cheaper code or from a false origin show up as mirror gaps. A couple of partners publish nothing.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.schema.tables import MODES, TRADE_FLOWS
from clearsight.synth.calendar import Calendar
from clearsight.synth.catalogue import Catalogue
from clearsight.synth.reference import PARTNERS
from clearsight.synth.sampling import take


def _periods(cal: Calendar, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    months = (np.datetime64(cal.start, "D") + day).astype("datetime64[M]").astype(np.int64)
    year = months // 12 + 1970
    return year * 100 + months % 12 + 1, year


def _aggregate(keys: dict[str, np.ndarray], values: dict[str, np.ndarray], by: list[str]) -> pa.Table:
    t = pa.table({**{k: keys[k] for k in by}, **values})
    out = t.group_by(by, use_threads=False).aggregate([(v, "sum") for v in values])
    return out.rename_columns([*by, *values]).sort_by([(k, "ascending") for k in by])


def build_trade_flows(
    rng: np.random.Generator,
    cal: Calendar,
    reporter: str,
    partners: list[str],
    cat: Catalogue,
    *,
    m_origin: np.ndarray,
    m_product: np.ndarray,
    day: np.ndarray,
    mode: np.ndarray,
    m_usd: np.ndarray,
    m_mass: np.ndarray,
    m_qty: np.ndarray,
    x_origin: np.ndarray,
    x_product: np.ndarray,
    x_day: np.ndarray,
    x_usd: np.ndarray,
    x_mass: np.ndarray,
    x_qty: np.ndarray,
) -> tuple[pa.Table, list[str]]:
    """Monthly (YYYYMM) and yearly (YYYY) flows M by mode, and X as partners report them (no mode)."""
    hs6 = cat.hs6
    parts: list[pa.Table] = []
    ym, year = _periods(cal, day)
    keys = {"partner": m_origin, "product": m_product, "month": ym, "year": year, "mode": mode}
    values = {"value": m_usd, "mass": m_mass, "qty": m_qty}
    for period in ("month", "year"):
        agg = _aggregate(keys, values, ["partner", "product", period, "mode"])
        parts.append(
            _rows(
                agg,
                period,
                flow="M",
                reporter=pa.array([reporter] * len(agg), pa.string()),
                partner=take(partners, agg["partner"].to_numpy()),
                hs6=hs6,
                cat=cat,
                mode=take(MODES, agg["mode"].to_numpy()),
            )
        )
    # partners that do not publish: two small ones
    small = [i for i, c in enumerate(partners) if PARTNERS[c] < 0.5]
    silent = sorted(rng.choice(small, size=min(2, len(small)), replace=False).tolist()) if small else []
    keep = ~np.isin(x_origin, silent)
    xm, xy = _periods(cal, x_day)
    keys = {"partner": x_origin[keep], "product": x_product[keep], "month": xm[keep], "year": xy[keep]}
    values = {"value": x_usd[keep], "mass": x_mass[keep], "qty": x_qty[keep]}
    bias = np.exp(rng.normal(0, 0.02, len(partners)))  # each partner's statistics lean a little
    for period in ("month", "year"):
        agg = _aggregate(keys, values, ["partner", "product", period])
        p = agg["partner"].to_numpy()
        noise = bias[p] * np.exp(rng.normal(0, 0.03, len(agg)))
        weight_noise = np.exp(rng.normal(0, 0.03, len(agg)))
        agg = agg.set_column(
            agg.schema.get_field_index("value"), "value", pa.array(agg["value"].to_numpy() * noise)
        )
        agg = agg.set_column(
            agg.schema.get_field_index("mass"), "mass", pa.array(agg["mass"].to_numpy() * weight_noise)
        )
        agg = agg.set_column(
            agg.schema.get_field_index("qty"), "qty", pa.array(agg["qty"].to_numpy() * weight_noise)
        )
        parts.append(
            _rows(
                agg,
                period,
                flow="X",
                reporter=take(partners, p),
                partner=pa.array([reporter] * len(agg), pa.string()),
                hs6=hs6,
                cat=cat,
                mode=pa.nulls(len(agg), pa.string()),
            )
        )
    table = pa.concat_tables(parts)
    names = [f.name for f in TRADE_FLOWS.fields if not f.derived]
    return table.select(names), [partners[i] for i in silent]


def _rows(
    agg: pa.Table,
    period: str,
    *,
    flow: str,
    reporter: pa.Array,
    partner: pa.Array,
    hs6: np.ndarray,
    cat: Catalogue,
    mode: pa.Array,
) -> pa.Table:
    product = agg["product"].to_numpy()
    counted = np.isin(cat.unit[product], ["u", "pr"])
    qty = agg["qty"].to_numpy()
    return pa.table(
        {
            "reporter": reporter,
            "partner": partner,
            "flow": pa.array([flow] * len(agg), pa.string()),
            "hs_code": take(hs6, product),
            "period": pc.cast(agg[period], pa.string()).combine_chunks(),
            "value_usd": pa.array(np.round(agg["value"].to_numpy(), 0), pa.float64()),
            "net_weight_kg": pa.array(np.round(agg["mass"].to_numpy(), 1), pa.float64()),
            "quantity": pa.array(np.where(counted, np.round(qty), np.round(qty, 2)), pa.float64()),
            "quantity_unit": take(cat.unit, product),
            "mode": mode,
        }
    )
