"""Generate a synthetic customs world: declarations, inspections, events, trade flows, seizures,
parties, and the ground truth that only simulators and benchmarks may read.

Everything is drawn from one numpy Generator, array by array, so a seed gives the same world every
time and a million items take seconds. The world is built in the order reality happens: traders
exist (``parties``), goods are shipped (``goods``) and declared, some falsely (``fraud``), a legacy
rule profile picks what to control and officers find some of the fraud (``control``), the clearance
clock runs (``events``), partners publish their export statistics (``flows``) and enforcement
records what was seized (``enforcement``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.schema.tables import DECLARATIONS, INSPECTIONS, MODES, PARTIES, RESULTS, Table
from clearsight.synth.calendar import Calendar, build_calendar
from clearsight.synth.catalogue import PROHIBITED, STYLES, VARIANTS, Catalogue, build_catalogue
from clearsight.synth.control import (
    DETECTION,
    METHODS,
    SCAN,
    SELECTED_BY,
    Control,
    control,
    legacy_profile,
    rule_hits,
)
from clearsight.synth.enforcement import build_seizures
from clearsight.synth.events import AGENCIES, DEFECTS, LANES, RED, Clearance, E, build_events
from clearsight.synth.flows import build_trade_flows
from clearsight.synth.fraud import ALL_FRAUD_TYPES, Declared, Fraud, declare, plant_fraud
from clearsight.synth.goods import Economy, Goods, build_economy, draw_declarations, draw_goods
from clearsight.synth.identities import plant_identities
from clearsight.synth.integrity import plant_integrity
from clearsight.synth.parties import RISK_CLASSES, Population, build_population
from clearsight.synth.reference import (
    PREFERENCES,
    PROCEDURES,
    SECTORS,
    TRANSIT_DAYS,
)
from clearsight.synth.revenue import close_port, effects_record, plan_closure, plan_tariff_change
from clearsight.synth.sampling import join, numbered, take

#: Fine for prohibited goods, as a share of the declared customs value.
CRITICAL_FINE_RATE = 1.0
#: Largest world generated in one go (memory grows linearly, about 1.4 GB per million items).
MAX_ITEMS = 20_000_000


@dataclass(frozen=True)
class World:
    """A generated world: the data tables an administration would hold, plus what only a simulator sees."""

    declarations: pa.Table
    inspections: pa.Table
    events: pa.Table
    trade_flows: pa.Table
    seizures: pa.Table
    parties: pa.Table
    ground_truth: pa.Table
    seizure_parties: pa.Table
    tariff: pa.Table
    params: dict[str, Any]
    catalogue: Catalogue = field(repr=False)

    def data_tables(self) -> dict[str, pa.Table]:
        """The canonical tables, ready for ``clearsight ingest`` (no ground truth among them)."""
        return {
            "declarations": self.declarations,
            "inspections": self.inspections,
            "events": self.events,
            "trade_flows": self.trade_flows,
            "seizures": self.seizures,
            "seizure_parties": self.seizure_parties,
            "parties": self.parties,
        }


class _Steps:
    """Advance a Rich progress task by one generation step (no-op without a progress bar)."""

    def __init__(self, progress: Any | None, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("generating world", total=total) if progress is not None else None

    def __call__(self, label: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=f"generating: {label}")


def check_settings(
    items: int,
    fraud_rate: float,
    critical_rate: float,
    inspection_rate: float,
    random_share: float,
    days: int,
    reporter: str,
    scheme_at: float,
) -> None:
    """Raise ValueError, naming the setting, when a setting is out of range."""
    import pycountry

    if items < 100:
        raise ValueError(f"items must be at least 100, got {items}")
    if items > MAX_ITEMS:
        raise ValueError(
            f"items must be at most {MAX_ITEMS:,} (a world takes about 1.4 GB of memory per million items), "
            f"got {items:,}"
        )
    if not 0.0 <= fraud_rate <= 0.5:
        raise ValueError(f"fraud_rate must be between 0 and 0.5, got {fraud_rate}")
    if not 0.0 <= critical_rate <= 0.05 or critical_rate > fraud_rate:
        raise ValueError(f"critical_rate must be between 0 and min(0.05, fraud_rate), got {critical_rate}")
    if not 0.0 < inspection_rate <= 0.9:
        raise ValueError(f"inspection_rate must be above 0 and at most 0.9, got {inspection_rate}")
    if not 0.0 <= random_share <= inspection_rate:
        raise ValueError(
            f"random_share must be between 0 and the inspection rate ({inspection_rate}), got {random_share}"
        )
    if days < 60:
        raise ValueError(f"days must be at least 60, got {days}")
    if not 0.05 <= scheme_at <= 0.95:
        raise ValueError(f"scheme_at must be between 0.05 and 0.95, got {scheme_at}")
    if len(reporter) != 2 or pycountry.countries.get(alpha_2=reporter.upper()) is None:
        raise ValueError(f"reporter must be an ISO 3166 alpha-2 country code, got {reporter!r}")


def generate_world(
    items: int = 10_000,
    seed: int = 42,
    *,
    start: date = date(2023, 1, 1),
    days: int = 731,
    reporter: str = "KE",
    fraud_rate: float = 0.04,
    critical_rate: float = 0.001,
    inspection_rate: float = 0.07,
    random_share: float = 0.015,
    scheme_at: float = 0.6,
    scheme_share: float = 0.004,
    vat_rate: float = 0.16,
    penalty_rate: float = 0.5,
    progress: Any | None = None,
) -> World:
    """Generate a world of ``items`` goods items lodged over ``days`` days from ``start``.

    ``fraud_rate``: share of items that are fraudulent (all types, critical included);
    ``critical_rate``: share carrying prohibited goods; ``inspection_rate``: share of items controlled
    (documentary or physical); ``random_share``: share of declarations picked at random for a physical
    control; ``scheme_at``: when the new scheme starts, as a fraction of the period; ``scheme_share``:
    its share of all items; ``penalty_rate``: penalty as a share of the duty evaded. ``progress``:
    a Rich Progress to report on (see ``clearsight.console.progress``).
    """
    reporter = reporter.upper()
    check_settings(items, fraud_rate, critical_rate, inspection_rate, random_share, days, reporter, scheme_at)
    if not 0.0 <= scheme_share <= 0.05:
        raise ValueError(f"scheme_share must be between 0 and 0.05, got {scheme_share}")
    scheme_share = min(scheme_share, fraud_rate / 4)  # the scheme is part of the fraud, never most of it
    rng = np.random.default_rng(seed)
    step = _Steps(progress, total=9)

    cat = build_catalogue(rng)
    cal = build_calendar(start, days)
    econ = build_economy(rng, cat, reporter, days, scheme_at)
    step("catalogue and calendar")
    pop = build_population(rng, items, cat, cal, econ, reporter, scheme_share)
    step("traders")
    closure = plan_closure(cal, pop.offices.code, pop.offices.kind, pop.offices.weight)
    d = close_port(draw_declarations(rng, items, cal, pop), closure)
    step("declarations")
    goods = draw_goods(rng, cat, econ, pop, d, items, cal)
    tariff_change = plan_tariff_change(cal, cat.line_code, cat.line_duty, econ.popularity, cat.line_product)
    step("goods items")
    fraud = plant_fraud(
        rng, cat, econ, pop, goods, fraud_rate=fraud_rate, critical_rate=critical_rate, vat_rate=vat_rate
    )
    step("fraud")
    declared = declare(
        rng, cat, econ, goods, fraud, d["mode"][goods.decl_of], vat_rate=vat_rate, tariff_change=tariff_change
    )
    hits = rule_hits(cat, econ, pop, d, goods, declared)
    ctl = control(
        rng, cal, pop, d, goods, fraud, hits, inspection_rate=inspection_rate, random_share=random_share
    )
    step("selection and detection")
    decl_id = _declaration_ids(pop, d["office"], d["lodged"])
    clearance = build_events(
        rng,
        cal,
        pop.offices,
        decl_id,
        d["office"],
        d["mode"],
        d["lodged"],
        ctl.lane,
        ctl.method == SCAN,
        pop.imp_aeo[d["importer"]],
        _agencies(rng, cat, goods),
    )
    step("clearance events")
    done_at = np.where(
        ctl.lane == RED, clearance.times[:, E["inspection_end"]], clearance.times[:, E["document_check"]]
    )
    additional = np.where(
        fraud.is_critical,
        np.round(CRITICAL_FINE_RATE * declared.customs_value, 2),
        np.round(declared.revenue_at_stake * (1 + penalty_rate), 2),
    )
    inspections = _inspections_table(pop, goods, fraud, ctl, decl_id, done_at, additional)
    declarations = _declarations_table(rng, cat, econ, pop, d, goods, declared, decl_id)
    ground_truth = _ground_truth_table(
        cat, econ, pop, goods, fraud, declared, ctl, clearance, declarations, additional
    )
    step("inspections and ground truth")
    export_day = goods.day - np.round(
        np.array([TRANSIT_DAYS.get(m, 5.0) for m in MODES])[d["mode"][goods.decl_of]]
        * np.exp(rng.normal(0, 0.3, items))
    ).astype(np.int64)
    m_usd = declared.customs_value / declared.fx
    trade_flows, non_reporting = build_trade_flows(
        rng,
        cal,
        reporter,
        econ.partners,
        cat,
        m_origin=declared.origin,
        m_product=declared.product,
        day=goods.day,
        mode=d["mode"][goods.decl_of],
        m_usd=m_usd,
        m_mass=declared.net_mass,
        m_qty=declared.quantity,
        # the exporter declares the true goods (prohibited goods stay under their cover)
        x_origin=goods.origin,
        x_product=goods.product,
        x_day=export_day,
        x_usd=np.where(fraud.is_critical, m_usd, goods.usd) / (1 + declared.freight),
        x_mass=goods.net_mass,
        x_qty=goods.quantity,
    )
    seizures = build_seizures(
        rng,
        cal,
        reporter,
        econ.partners,
        cat,
        pop,
        decl_id=decl_id,
        decl_of=goods.decl_of,
        office=d["office"],
        importer=goods.importer,
        declarant=goods.declarant,
        detected=ctl.detected,
        is_crit=fraud.is_critical,
        crit_kind=declared.hidden_kind,
        fraud_type=fraud.fraud_type,
        revenue=declared.revenue_at_stake,
        done_at=done_at,
        true_line=goods.line,
        product=goods.product,
        true_qty=ground_truth["true_quantity"].to_numpy(),
        origin=goods.origin,
        export_country=declared.export_country,
    )
    step("trade flows and seizures")
    params = _params(
        seed=seed,
        items=items,
        reporter=reporter,
        cal=cal,
        cat=cat,
        econ=econ,
        pop=pop,
        fraud=fraud,
        ctl=ctl,
        n_decl=len(d["importer"]),
        targets={
            "fraud_rate": fraud_rate,
            "critical_rate": critical_rate,
            "inspection_rate": inspection_rate,
            "random_share": random_share,
            "scheme_share": scheme_share,
        },
        vat_rate=vat_rate,
        penalty_rate=penalty_rate,
        non_reporting=non_reporting,
    )
    params["revenue_effects"] = effects_record(cal, [p.chapter for p in cat.products], tariff_change, closure)
    ids = plant_identities(
        seed,
        cal,
        reporter,
        _table(PARTIES, **{c: pop.parties[c] for c in pop.parties.column_names}, phone=None, email=None),
        seizures,
        declarations,
        inspections,
        high_risk_importers=pop.imp_id.filter(pa.array(pop.imp_risk_class == 2)).to_pylist(),
        network_importers=pop.imp_id.filter(pa.array(pop.imp_network)).to_pylist(),
        risky_brokers=pop.dec_id.filter(pa.array(pop.dec_risky)).to_pylist(),
    )
    params["identities"] = ids.truth
    planted = plant_integrity(seed, declarations, inspections, clearance.table)
    params["integrity"] = planted.truth
    return World(
        declarations=declarations,
        inspections=planted.inspections,
        events=planted.events,
        trade_flows=trade_flows,
        seizures=ids.seizures,
        parties=ids.parties,
        ground_truth=ground_truth,
        seizure_parties=ids.seizure_parties,
        tariff=cat.tariff(),
        params=params,
        catalogue=cat,
    )


def _agencies(rng: np.random.Generator, cat: Catalogue, goods: Goods) -> np.ndarray:
    """Who inspects: customs, or jointly with agriculture, health or standards for their goods."""
    n = len(goods.starts)
    agency = np.zeros(n, dtype=np.int64)
    first_sector = np.array(SECTORS)[cat.sector[goods.product[goods.starts]]]
    joint = rng.random(n) < 0.5
    agency[np.isin(first_sector, ["agri_food", "processed_food"]) & joint] = AGENCIES.index("agriculture")
    agency[(first_sector == "pharma_cosmetics") & joint] = AGENCIES.index("health")
    agency[(first_sector == "electronics") & joint & (rng.random(n) < 0.3)] = AGENCIES.index("standards")
    return agency


def _declaration_ids(pop: Population, office: np.ndarray, lodged: np.ndarray) -> pa.Array:
    """``<office>-<year>-C<serial>``: a serial number per office and year, in lodgement order."""
    year = lodged.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    order = np.lexsort((lodged, year, office))
    key = (office * 10_000 + year)[order]
    first = np.concatenate([[True], key[1:] != key[:-1]])
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
    serial = np.empty(len(key), dtype=np.int64)
    serial[order] = np.arange(len(key)) - group_start + 1
    office_code = take(pop.offices.code, office)
    return join(office_code, pc.cast(pa.array(year), pa.string()), numbered("C", serial, 6), sep="-")


def _inspections_table(
    pop: Population,
    goods: Goods,
    fraud: Fraud,
    ctl: Control,
    decl_id: pa.Array,
    done_at: np.ndarray,
    additional: np.ndarray,
) -> pa.Table:
    """One row per controlled item: what the officer recorded (found fraud only)."""
    rows = np.flatnonzero(ctl.inspected)
    decl = goods.decl_of[rows]
    found = ctl.detected[rows]
    result = np.where(found, np.where(fraud.is_critical[rows], 2, 1), 0)
    return _table(
        INSPECTIONS,
        declaration_id=decl_id.take(pa.array(decl)),
        item_no=pa.array(goods.item_no[rows], pa.int64()),
        lane=take(LANES, ctl.lane[decl]),
        method=take(METHODS, ctl.method[decl]),
        inspected_at=pa.array(done_at[decl].astype("datetime64[s]"), pa.timestamp("s")),
        result=take(RESULTS, result),
        fraud_type=take(ALL_FRAUD_TYPES, np.where(found, fraud.fraud_type[rows], -1)),
        additional_revenue=pa.array(np.where(found, additional[rows], 0.0), pa.float64()),
        officer_id=pop.offices.officer_id.take(pa.array(ctl.officer[decl])),
    )


def _declarations_table(
    rng: np.random.Generator,
    cat: Catalogue,
    econ: Economy,
    pop: Population,
    d: dict[str, np.ndarray],
    goods: Goods,
    declared: Declared,
    decl_id: pa.Array,
) -> pa.Table:
    """The goods items as lodged. The description is of the goods really shipped (or, for prohibited
    goods, of their cover), in the broker's favourite style most of the time."""
    items = len(goods.product)
    dec = goods.declarant
    style = np.where(
        rng.random(items) < 0.6,
        np.where(dec >= 0, pop.dec_style[np.maximum(dec, 0)], 0),
        rng.integers(0, len(STYLES), items),
    )
    description = (goods.product * len(STYLES) + style) * VARIANTS + rng.integers(0, VARIANTS, items)
    declarant_id = pc.if_else(
        pa.array(dec >= 0),
        pop.dec_id.take(pa.array(np.maximum(dec, 0))),
        pop.imp_id.take(pa.array(goods.importer)),
    )
    decl_of = goods.decl_of
    return _table(
        DECLARATIONS,
        declaration_id=decl_id.take(pa.array(decl_of)),
        item_no=pa.array(goods.item_no, pa.int64()),
        lodged_at=pa.array(d["lodged"][decl_of].astype("datetime64[s]"), pa.timestamp("s")),
        office_id=take(pop.offices.code, d["office"][decl_of]),
        procedure_code=take([p[0] for p in PROCEDURES], goods.procedure),
        declaration_type=take([p[1] for p in PROCEDURES], goods.procedure),
        mode_of_transport=take(MODES, d["mode"][decl_of]),
        declarant_id=declarant_id,
        importer_id=pop.imp_id.take(pa.array(goods.importer)),
        seller_id=pop.sel_id.take(pa.array(goods.seller)),
        carrier_id=take(pop.car_id, d["carrier"][decl_of]),
        country_of_origin=take(econ.partners, declared.origin),
        country_of_export=take(econ.partners, declared.export_country),
        hs_code=take(cat.line_code, declared.line),
        goods_description=cat.pool.take(pa.array(description)),
        quantity=pa.array(declared.quantity, pa.float64()),
        quantity_unit=take(cat.unit, declared.product),
        net_mass_kg=pa.array(declared.net_mass, pa.float64()),
        gross_mass_kg=pa.array(np.maximum(goods.gross_mass, declared.net_mass), pa.float64()),
        customs_value=pa.array(declared.customs_value, pa.float64()),
        invoice_amount=pa.array(declared.invoice_amount, pa.float64()),
        invoice_currency=take(declared.currencies, declared.invoice_currency),
        duty_rate=pa.array(declared.duty_rate, pa.float64()),
        duty_tax_amount=pa.array(np.round(declared.duty_tax, 2), pa.float64()),
        preference_code=take(econ.pref_codes, declared.preference - 1),
        aeo_status=pa.array(pop.imp_aeo[goods.importer], pa.bool_()),
    )


def _ground_truth_table(
    cat: Catalogue,
    econ: Economy,
    pop: Population,
    goods: Goods,
    fraud: Fraud,
    declared: Declared,
    ctl: Control,
    clearance: Clearance,
    declarations: pa.Table,
    additional: np.ndarray,
) -> pa.Table:
    """The true status of every item, inspected or not, and what a simulator needs to replay controls."""
    crit = np.flatnonzero(fraud.is_critical)
    quantity = goods.quantity.astype(np.float64).copy()
    mass = goods.net_mass.copy()
    quantity[crit] = declared.hidden_quantity
    mass[crit] = declared.hidden_mass
    true_hs = pc.if_else(
        pa.array(fraud.is_critical),
        take(cat.prohibited_code, declared.hidden_kind),
        take(cat.line_code, goods.line),
    )
    imp, dec, decl_of = goods.importer, goods.declarant, goods.decl_of
    return pa.table(
        {
            "declaration_id": declarations["declaration_id"],
            "item_no": declarations["item_no"],
            "is_fraud": pa.array(fraud.is_fraud, pa.bool_()),
            "is_critical": pa.array(fraud.is_critical, pa.bool_()),
            "fraud_type": take(ALL_FRAUD_TYPES, fraud.fraud_type),
            "true_hs_code": true_hs,
            "true_customs_value": pa.array(
                np.where(fraud.is_critical, declared.customs_value, declared.true_customs_value), pa.float64()
            ),
            "true_country_of_origin": take(econ.partners, goods.origin),
            "true_net_mass_kg": pa.array(mass, pa.float64()),
            "true_quantity": pa.array(quantity, pa.float64()),
            "true_duty_tax_amount": pa.array(np.round(declared.true_duty_tax, 2), pa.float64()),
            "revenue_at_stake": pa.array(declared.revenue_at_stake, pa.float64()),
            "prohibited_goods": take([g.kind for g in PROHIBITED], declared.hidden_kind),
            "importer_risk_class": take(RISK_CLASSES, pop.imp_risk_class[imp]),
            "importer_risk": pa.array(np.round(pop.imp_risk[imp], 4), pa.float64()),
            "declarant_risky": pa.array(
                np.where(dec >= 0, pop.dec_risky[np.maximum(dec, 0)], False), pa.bool_()
            ),
            "smuggling_network": pa.array(pop.imp_network[imp], pa.bool_()),
            "in_scheme": pa.array(fraud.in_scheme, pa.bool_()),
            "misinvoicing_hotspot": pa.array(fraud.in_hotspot, pa.bool_()),
            "lane": take(LANES, ctl.lane[decl_of]),
            "selected_by": take(SELECTED_BY, ctl.selected_by[decl_of]),
            "inspected": pa.array(ctl.inspected, pa.bool_()),
            "detected": pa.array(ctl.detected, pa.bool_()),
            "detection_probability": pa.array(np.round(ctl.detection_probability, 4), pa.float64()),
            "additional_revenue_if_detected": pa.array(
                np.where(fraud.is_fraud, additional, 0.0), pa.float64()
            ),
            "pre_arrival": pa.array(clearance.pre_arrival[decl_of], pa.bool_()),
            "event_defect": take(DEFECTS, np.where(clearance.defect > 0, clearance.defect, -1)[decl_of]),
        }
    )


def _params(
    *,
    seed: int,
    items: int,
    reporter: str,
    cal: Calendar,
    cat: Catalogue,
    econ: Economy,
    pop: Population,
    fraud: Fraud,
    ctl: Control,
    n_decl: int,
    targets: dict[str, float],
    vat_rate: float,
    penalty_rate: float,
    non_reporting: list[str],
) -> dict[str, Any]:
    """world.json: the settings, what came out, and the planted patterns a benchmark checks against."""
    n_fraud = int(fraud.is_fraud.sum())
    n_prod = len(cat.products)
    inspected_decl = (ctl.method >= 0).mean()
    return {
        "generator": "clearsight.synth",
        "seed": seed,
        "items": items,
        "declarations": n_decl,
        "reporter": reporter,
        "national_currency": econ.currency,
        "usd_rate_at_start": econ.fx0,
        "usd_rate_change_per_year": 0.04,
        "start": cal.start.isoformat(),
        "end": cal.end.isoformat(),
        "days": cal.days,
        "holidays": [h.isoformat() for h in cal.holidays],
        "vat_rate": vat_rate,
        "penalty_rate": penalty_rate,
        "critical_fine_rate": CRITICAL_FINE_RATE,
        "preferences": {
            c: {"origins": [o for o in PREFERENCES[c][0] if o != reporter], "duty_factor": PREFERENCES[c][1]}
            for c in econ.pref_codes
        },
        "targets": targets,
        "actual": {
            "fraud_rate": round(n_fraud / items, 5),
            "critical_rate": round(float(fraud.is_critical.mean()), 5),
            "inspection_rate": round(float(ctl.inspected.mean()), 5),
            "declaration_inspection_rate": round(float(inspected_decl), 5),
            "random_share": round(float((ctl.selected_by == 1).mean()), 5),
            "detected_share_of_fraud": round(float(ctl.detected.sum()) / max(n_fraud, 1), 5),
        },
        "scheme": {
            "start": (cal.start + timedelta(days=econ.scheme_day)).isoformat(),
            "hs6": cat.products[econ.scheme_product].hs6,
            "declared_origin": econ.partners[econ.scheme_origin],
            "true_origin": econ.partners[econ.scheme_true_origin],
            "fraud_type": "origin",
            "importers": int(pop.imp_scheme.sum()),
            "items": int(fraud.in_scheme.sum()),
        },
        "legacy_rules": legacy_profile(reporter=reporter, rule_scale=ctl.rule_scale),
        "detection": DETECTION,
        "misinvoicing_hotspots": [
            {"partner": econ.partners[int(p) // n_prod], "hs6": cat.products[int(p) % n_prod].hs6}
            for p in fraud.hot_pairs
        ],
        "non_reporting_partners": non_reporting,
        "fraud_types": list(ALL_FRAUD_TYPES),
    }


def _table(table_def: Table, **columns: pa.Array | None) -> pa.Table:
    """Columns in the canonical order, typed as the schema stores them (None: a column of nulls)."""
    n_rows = next(len(c) for c in columns.values() if c is not None)
    names = [f.name for f in table_def.fields if not f.derived]
    if set(names) != set(columns):
        raise AssertionError(f"{table_def.name}: {sorted(set(names) ^ set(columns))}")
    types = {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("s"),
    }
    arrays = [
        pa.nulls(n_rows, types[table_def.field(n).dtype])
        if columns[n] is None
        else pc.cast(columns[n], types[table_def.field(n).dtype])
        for n in names
    ]
    return pa.table(arrays, names=names)


__all__ = ["ALL_FRAUD_TYPES", "DETECTION", "World", "check_settings", "generate_world"]
