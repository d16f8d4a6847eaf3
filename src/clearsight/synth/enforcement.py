"""Enforcement records (seizures) of the synthetic world.

Seizures come from four places, as in a real enforcement database: prohibited goods found at an
inspection, the largest commercial frauds detected (goods detained until the duty and penalty are
paid), seizures with no declaration (border patrols, passengers, parcels) sometimes linked to known
traders, and records from before the period, which mark traders as known offenders. They mostly
involve fraudulent traders, which is what makes them useful (and leaky, if misused) as a risk feature.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from clearsight.schema.tables import SEIZURES
from clearsight.synth.calendar import DAY, Calendar
from clearsight.synth.catalogue import PROHIBITED, Catalogue
from clearsight.synth.parties import FRAUD_TYPES, Population
from clearsight.synth.reference import PARTNERS
from clearsight.synth.sampling import choice, join, numbered, take

CONCEALMENT_BY_FRAUD: dict[str, str] = {
    "valuation": "false invoice (undervaluation)",
    "classification": "false description (misclassification)",
    "origin": "false certificate of origin",
    "quantity": "undeclared excess quantity",
}
#: Seizures without a declaration: (commodity, HS6, unit, typical quantity).
STANDALONE: tuple[tuple[str, str, str, float], ...] = (
    ("cannabis resin", "121190", "kg", 40),
    ("cigarettes", "240220", "u", 50_000),
    ("cocaine", "293972", "kg", 3),
    ("counterfeit medicines", "300490", "kg", 60),
    ("ivory", "050710", "kg", 80),
    ("sugar", "170199", "kg", 5_000),
    ("second hand clothing", "630900", "kg", 2_000),
)
STANDALONE_CONCEALMENT = (
    "concealed in truck",
    "passenger baggage",
    "body concealment",
    "postal parcel",
    "undeclared goods in vehicle",
    "false compartment in fuel tank",
)


def _route(partners: list[str], reporter: str, origin: np.ndarray, via: np.ndarray) -> pa.Array:
    """``origin>transit>reporter`` (the transit step only when the goods came through another country)."""
    o, v = take(partners, origin), take(partners, via)
    direct = join(o, reporter, sep=">")
    indirect = join(o, v, reporter, sep=">")
    return pa.array(
        np.where(
            origin == via, direct.to_numpy(zero_copy_only=False), indirect.to_numpy(zero_copy_only=False)
        )
    )


def build_seizures(
    rng: np.random.Generator,
    cal: Calendar,
    reporter: str,
    partners: list[str],
    cat: Catalogue,
    pop: Population,
    *,
    decl_id: pa.Array,
    decl_of: np.ndarray,
    office: np.ndarray,
    importer: np.ndarray,
    declarant: np.ndarray,
    detected: np.ndarray,
    is_crit: np.ndarray,
    crit_kind: np.ndarray,
    fraud_type: np.ndarray,
    revenue: np.ndarray,
    done_at: np.ndarray,
    true_line: np.ndarray,
    product: np.ndarray,
    true_qty: np.ndarray,
    origin: np.ndarray,
    export_country: np.ndarray,
) -> pa.Table:
    """The seizures table, oldest first (records before the period included), without its CEN fields."""
    parts: list[dict[str, pa.Array | np.ndarray]] = []
    imp_ids = np.asarray(pop.imp_id.to_numpy(zero_copy_only=False), dtype=object)
    dec_ids = np.asarray(pop.dec_id.to_numpy(zero_copy_only=False), dtype=object)

    # 1 and 2: found at an inspection (prohibited goods, and the largest commercial frauds)
    crit = np.flatnonzero(detected & is_crit)
    found = np.flatnonzero(detected & ~is_crit)
    if len(found):
        found = found[revenue[found] >= np.quantile(revenue[found], 0.9)]
    idx = np.concatenate([crit, found])
    k = crit_kind[idx]
    c = k >= 0
    flat = np.array([c for g in PROHIBITED for c in g.concealments], dtype=object)
    n_conceal = np.array([len(g.concealments) for g in PROHIBITED])
    first = np.concatenate([[0], np.cumsum(n_conceal)[:-1]])
    kk = np.maximum(k, 0)
    conceal_crit = flat[first[kk] + (rng.random(len(idx)) * n_conceal[kk]).astype(np.int64)]
    by_fraud = np.array([CONCEALMENT_BY_FRAUD[t] for t in FRAUD_TYPES] + [""], dtype=object)
    ftype = fraud_type[idx]
    conceal_fraud = by_fraud[np.where((ftype >= 0) & (ftype < len(FRAUD_TYPES)), ftype, len(FRAUD_TYPES))]
    line_codes = np.asarray(cat.line_code, dtype=object)
    parties = np.where(
        declarant[idx] >= 0,
        imp_ids[importer[idx]] + ";" + dec_ids[np.maximum(declarant[idx], 0)],
        imp_ids[importer[idx]],
    )
    parts.append(
        {
            "day": done_at[decl_of[idx]] // DAY - cal.epoch_day,
            "office_id": take(pop.offices.code, office[decl_of[idx]]),
            "hs_code": np.where(
                c, np.asarray(cat.prohibited_code, dtype=object)[np.maximum(k, 0)], line_codes[true_line[idx]]
            ),
            "commodity": np.where(
                c,
                np.array([g.commodity for g in PROHIBITED], dtype=object)[np.maximum(k, 0)],
                np.array([p.terms[0] for p in cat.products], dtype=object)[product[idx]],
            ),
            "quantity": true_qty[idx],
            "quantity_unit": np.where(
                c,
                np.array([g.unit for g in PROHIBITED], dtype=object)[np.maximum(k, 0)],
                np.asarray(cat.unit, dtype=object)[product[idx]],
            ),
            "concealment": np.where(c, conceal_crit, conceal_fraud),
            "route": _route(partners, reporter, origin[idx], export_country[idx]).to_numpy(
                zero_copy_only=False
            ),
            "declaration_id": decl_id.take(pa.array(decl_of[idx])).to_numpy(zero_copy_only=False),
            "party_ids": parties,
        }
    )

    # 3: seizures with no declaration, about a fifth of all, some linked to known risky traders
    n = max(3, round(0.25 * len(idx)))
    what = rng.integers(0, len(STANDALONE), n)
    border = np.flatnonzero(np.isin(pop.offices.kind, ["LND", "AIR", "PST", "COU"]))
    risky = np.flatnonzero(pop.imp_network | (pop.imp_risk_class == 2))
    u = rng.random(n)
    linked = np.where(
        u < 0.6,
        rng.choice(risky, n) if len(risky) else -1,
        np.where(u < 0.7, rng.integers(0, len(imp_ids), n), -1),
    )
    weights = np.array([PARTNERS[p] for p in partners])
    parts.append(
        {
            "day": rng.integers(0, cal.days, n),
            "office_id": take(pop.offices.code, rng.choice(border, n)),
            "hs_code": np.array([s[1] for s in STANDALONE], dtype=object)[what],
            "commodity": np.array([s[0] for s in STANDALONE], dtype=object)[what],
            "quantity": np.round(
                np.array([s[3] for s in STANDALONE])[what] * np.exp(rng.normal(0, 0.9, n)), 1
            ),
            "quantity_unit": np.array([s[2] for s in STANDALONE], dtype=object)[what],
            "concealment": np.array(STANDALONE_CONCEALMENT, dtype=object)[
                rng.integers(0, len(STANDALONE_CONCEALMENT), n)
            ],
            "route": _route(partners, reporter, (o := choice(rng, weights, n)), o).to_numpy(
                zero_copy_only=False
            ),
            "declaration_id": np.full(n, None, dtype=object),
            "party_ids": np.where(linked >= 0, imp_ids[np.maximum(linked, 0)], None),
        }
    )

    # 4: records from before the period: who was caught before (known offenders)
    hist = np.repeat(np.arange(len(imp_ids)), pop.imp_prior_seizures)
    n = len(hist)
    focus = pop.imp_focus[hist, 0]
    modus = pop.imp_modus[hist].argmax(axis=1)
    origin_h = np.array(pop.sel_country)[pop.imp_sellers[hist, 0]]
    line_h = cat.product_lines[focus, 0]
    parts.append(
        {
            "day": -rng.integers(1, 3 * 365, n),
            "office_id": take(pop.offices.code, pop.imp_home_office[hist]),
            "hs_code": line_codes[line_h],
            "commodity": np.array([p.terms[0] for p in cat.products], dtype=object)[focus],
            "quantity": np.round(np.exp(rng.normal(np.log(200), 1.0, n)), 0),
            "quantity_unit": np.asarray(cat.unit, dtype=object)[focus],
            "concealment": np.array([CONCEALMENT_BY_FRAUD[t] for t in FRAUD_TYPES], dtype=object)[modus],
            "route": _route(partners, reporter, origin_h, origin_h).to_numpy(zero_copy_only=False),
            "declaration_id": np.full(n, None, dtype=object),
            "party_ids": imp_ids[hist],
        }
    )

    cols = {
        key: np.concatenate(
            [np.asarray(p[key], dtype=object if key != "day" and key != "quantity" else None) for p in parts]
        )
        for key in parts[0]
    }
    order = np.argsort(cols["day"].astype(np.int64), kind="stable")
    day = cols["day"].astype(np.int64)[order]
    table = {
        "seizure_id": numbered("SZ", np.arange(1, len(order) + 1), 7),
        "seized_on": pa.array((np.datetime64(cal.start, "D") + day).astype("datetime64[D]"), pa.date32()),
        "office_id": pa.array(cols["office_id"][order], pa.string()),
        "hs_code": pa.array(cols["hs_code"][order], pa.string()),
        "commodity": pa.array(cols["commodity"][order], pa.string()),
        "quantity": pa.array(cols["quantity"].astype(np.float64)[order], pa.float64()),
        "quantity_unit": pa.array(cols["quantity_unit"][order], pa.string()),
        "concealment": pa.array(cols["concealment"][order], pa.string()),
        "route": pa.array(cols["route"][order], pa.string()),
        "declaration_id": pa.array(cols["declaration_id"][order], pa.string()),
        "party_ids": pa.array(cols["party_ids"][order], pa.string()),
    }
    # the CEN fields (place, mode, conveyance, category, detection, countries) come from identities.py
    return pa.table({n_: table[n_] for n_ in (f.name for f in SEIZURES.fields) if n_ in table})
