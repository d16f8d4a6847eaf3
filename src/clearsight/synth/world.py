"""Generate a synthetic customs world: declarations, inspections, events, trade flows, seizures,
parties, and the ground truth that only simulators and benchmarks may read.

Everything is drawn from one numpy Generator, array by array, so a seed gives the same world every
time and a million items take seconds. The world is built in the order reality happens: traders
exist, goods are shipped and declared (some falsely), a legacy rule profile picks what to control,
officers find some of the fraud, the clearance clock runs, partners publish their export statistics
and enforcement records what was seized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.schema.tables import DECLARATIONS, INSPECTIONS, MODES, PARTIES
from clearsight.synth.calendar import DAY, HOUR, Calendar, build_calendar
from clearsight.synth.catalogue import PROHIBITED, STYLES, VARIANTS, Catalogue, build_catalogue
from clearsight.synth.enforcement import build_seizures
from clearsight.synth.events import AGENCIES, BLUE, DEFECTS, GREEN, LANES, RED, YELLOW, E, build_events
from clearsight.synth.flows import build_trade_flows
from clearsight.synth.parties import FOCUS_SHARE, FRAUD_TYPES, RISK_CLASSES, Population, build_population
from clearsight.synth.reference import (
    FREIGHT_SHARE,
    FX_PER_USD,
    HUBS,
    INVOICE_CURRENCY,
    NATIONAL_CURRENCY,
    PARTNERS,
    PREFERENCES,
    PRICE_INDEX,
    PROCEDURES,
    SECTOR_AFFINITY,
    SECTOR_VALUE_SCALE,
    SECTORS,
    VAT_EXEMPT_CHAPTERS,
    WATCH_CHAPTERS,
    WATCH_ORIGINS,
)
from clearsight.synth.sampling import choice, group_starts, join, numbered, row_cdf, sample_rows, take

#: Every fraud type the world plants, in ground truth's ``fraud_type``.
ALL_FRAUD_TYPES: tuple[str, ...] = (*FRAUD_TYPES, "prohibited")
#: Chance an inspection finds a fraud, by fraud type and control method (before officer skill).
DETECTION: dict[str, dict[str, float]] = {
    "valuation": {"documentary": 0.45, "physical": 0.65, "scan": 0.35},
    "classification": {"documentary": 0.4, "physical": 0.85, "scan": 0.5},
    "origin": {"documentary": 0.3, "physical": 0.35, "scan": 0.1},
    "quantity": {"documentary": 0.15, "physical": 0.9, "scan": 0.7},
    "prohibited": {"documentary": 0.05, "physical": 0.85, "scan": 0.75},
}
METHODS: tuple[str, ...] = ("documentary", "physical", "scan")
#: Legacy selectivity rules: (name, chance a hit is controlled before scaling, share sent to red).
LEGACY_RULES: tuple[tuple[str, float, float], ...] = (
    ("watched_chapter", 0.05, 0.5),
    ("watched_origin", 0.07, 0.6),
    ("high_value", 0.12, 0.4),
    ("new_importer", 0.15, 0.5),
    ("known_offender", 0.5, 0.8),
)
#: The scheme is one of these products, falsely declared as from a regional partner.
SCHEME_PRODUCTS: tuple[str, ...] = ("401110", "852872", "690721", "940360")
#: Typical item value in USD by office type (before sector and importer scale).
ITEM_VALUE_USD: dict[str, float] = {
    "SEA": 9000,
    "INL": 8000,
    "LND": 4000,
    "AIR": 3000,
    "COU": 180,
    "PST": 60,
    "RAL": 9000,
    "WAT": 5000,
}
NEW_IMPORTER_DAYS = 180
HOTSPOTS = 8


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
    rng = np.random.default_rng(seed)
    step = _Steps(progress, total=9)

    # ---- the economy: goods, partners, prices, calendar, preferences
    cat = build_catalogue(rng)
    cal = build_calendar(start, days)
    partners = [c for c in PARTNERS if c != reporter]
    n_par, n_prod = len(partners), len(cat.products)
    base_share = np.array([PARTNERS[c] for c in partners])
    sector_partner = np.array(
        [[base_share[j] * SECTOR_AFFINITY[s].get(c, 1.0) for j, c in enumerate(partners)] for s in SECTORS]
    )
    prod_partner_cdf = row_cdf(sector_partner[cat.sector] * np.exp(rng.normal(0, 0.5, (n_prod, n_par))))
    pair_price = np.array([PRICE_INDEX.get(c, 1.0) for c in partners])[None, :] * np.exp(
        rng.normal(0, 0.2, (n_prod, n_par))
    )
    pref_codes = list(PREFERENCES)
    pref_of = np.zeros(n_par, dtype=np.int64)  # 0 = none, k = pref_codes[k - 1]
    for k, code in enumerate(pref_codes, start=1):
        pref_of[[i for i, c in enumerate(partners) if c in PREFERENCES[code][0]]] = k
    pref_factor = np.array([1.0] + [PREFERENCES[c][1] for c in pref_codes])
    regional = np.flatnonzero(pref_of == 1) if (pref_of == 1).any() else np.flatnonzero(pref_of > 0)
    currency = NATIONAL_CURRENCY.get(reporter, "USD")
    fx0 = FX_PER_USD.get(currency, 1.0)
    popularity = np.exp(rng.normal(0, 1.0, n_prod))
    sector_prod_cdf = row_cdf((cat.sector[None, :] == np.arange(len(SECTORS))[:, None]) * popularity[None, :])

    # the scheme: a product falsely declared from a regional partner, from part-way through
    hs6_index = {p.hs6: i for i, p in enumerate(cat.products)}
    scheme_product = hs6_index[SCHEME_PRODUCTS[int(rng.integers(len(SCHEME_PRODUCTS)))]]
    scheme_origin = int(rng.choice(regional))
    scheme_true_origin = partners.index("CN" if "CN" in partners else "VN")
    scheme_day = int(days * scheme_at)
    step("catalogue and calendar")

    pop = build_population(
        rng,
        items,
        cat,
        cal,
        partners,
        sector_partner,
        reporter,
        sector_prod_cdf,
        scheme_day,
        scheme_product,
        scheme_origin,
        scheme_share,
    )
    offices = pop.offices
    step("traders")

    # ---- declarations (headers), until they hold exactly `items` goods items
    d = _draw_declarations(rng, items, cal, pop)
    n_decl = len(d["importer"])
    imp = d["importer"]
    office = d["office"]
    lodged = d["lodged"]
    day = d["day"]
    n_items = d["n_items"]
    starts = group_starts(n_items)
    decl_of = np.repeat(np.arange(n_decl), n_items)
    item_no = np.arange(items) - starts[decl_of] + 1
    step("declarations")

    # ---- goods items: product, line, origin, quantities, values
    i_imp = imp[decl_of]
    i_sector = pop.imp_sector[i_imp]
    u = rng.random(items)
    slot = choice(rng, FOCUS_SHARE, items)
    focus = pop.imp_focus[i_imp, slot]
    product = np.where(
        u < 0.68,
        focus,
        np.where(u < 0.93, sample_rows(rng, sector_prod_cdf, i_sector), choice(rng, popularity, items)),
    )
    scheme_imp = pop.imp_scheme[i_imp]
    product = np.where(scheme_imp & (u < 0.9), pop.imp_focus[i_imp, 0], product)
    line_slot = sample_rows(rng, cat.product_line_cum, product)
    true_line = cat.product_lines[product, line_slot]
    seller = d["seller"][decl_of]
    seller_country = pop.sel_country[seller]
    hub = np.isin(np.array(partners)[seller_country], list(HUBS))
    drawn_origin = sample_rows(rng, prod_partner_cdf, product)
    u = rng.random(items)
    true_origin = np.where(
        hub, np.where(u < 0.7, drawn_origin, seller_country), np.where(u < 0.88, seller_country, drawn_origin)
    )
    in_scheme_goods = scheme_imp & (product == scheme_product)
    true_origin = np.where(in_scheme_goods, scheme_true_origin, true_origin)
    export_country = seller_country
    years = (day[decl_of] / 365.25).astype(np.float64)
    unit_value = (
        cat.usd_per_unit[product]
        * pair_price[product, true_origin]
        * np.exp(rng.normal(0, 0.25, items))
        * (1 + 0.03 * years)
    )
    kind_value = np.array([ITEM_VALUE_USD[k] for k in offices.kind])[office[decl_of]]
    sector_scale = np.array([SECTOR_VALUE_SCALE[s] for s in SECTORS])[cat.sector[product]]
    size_rank = np.argsort(np.argsort(-pop.imp_size)) / len(pop.imp_size)
    imp_scale = np.exp(0.8 * (0.5 - size_rank) + rng.normal(0, 0.4, len(pop.imp_size)))
    target = kind_value * sector_scale * imp_scale[i_imp] * np.exp(rng.normal(0, 1.0, items))
    counted = np.isin(cat.unit[product], ["u", "pr"])
    true_qty = _round_qty(target / unit_value, counted)
    true_usd = true_qty * unit_value
    per_kg_unit = cat.unit[product] == "kg"
    true_mass = np.where(
        per_kg_unit,
        true_qty,
        np.round(
            np.maximum(true_qty * cat.kg_per_unit[product] * np.exp(rng.normal(0, 0.08, items)), 0.001), 3
        ),
    )
    gross_mass = np.round(true_mass * rng.uniform(1.03, 1.25, items), 3)
    proc = d["procedure"][decl_of]
    suspended = np.array([p[3] for p in PROCEDURES])[proc]
    step("goods items")

    # ---- fraud: prohibited goods, misinvoicing hotspots, the scheme, then the traders' own fraud
    fraud_type = np.full(items, -1, dtype=np.int64)  # index into ALL_FRAUD_TYPES
    crit_weight = 0.02 + 40.0 * pop.imp_network[i_imp] + 2.0 * (pop.imp_risk_class[i_imp] == 2)
    p_crit = np.clip(critical_rate * crit_weight / crit_weight.mean(), 0, 0.5)
    is_crit = rng.random(items) < p_crit
    fraud_type[is_crit] = ALL_FRAUD_TYPES.index("prohibited")
    exempt = np.array(sorted(VAT_EXEMPT_CHAPTERS))
    vat_true = np.where(np.isin(_chapter(cat, true_line), exempt), 0.0, vat_rate)
    line_duty = cat.line_duty[true_line]
    # no duty suspended and some tax due: otherwise lying gains nothing
    eligible = ~suspended & ~is_crit & ((line_duty > 0) | (vat_true > 0))

    pair = true_origin * n_prod + product
    counts = np.bincount(pair[eligible], minlength=n_par * n_prod)
    ranked = np.argsort(-counts, kind="stable")
    candidates = ranked[10:150][counts[ranked[10:150]] >= 25]
    candidates = (
        candidates[np.array([pref_of[c // n_prod] == 0 for c in candidates], dtype=bool)]
        if len(candidates)
        else candidates
    )
    hot_pairs = (
        np.sort(rng.choice(candidates, size=min(HOTSPOTS, len(candidates)), replace=False))
        if len(candidates)
        else np.array([], dtype=np.int64)
    )
    in_hotspot = np.isin(pair, hot_pairs)
    hot_fraud = in_hotspot & eligible & (rng.random(items) < 0.45)
    fraud_type[hot_fraud] = ALL_FRAUD_TYPES.index("valuation")
    in_scheme = in_scheme_goods & eligible & ~hot_fraud
    fraud_type[in_scheme] = ALL_FRAUD_TYPES.index("origin")

    dec = d["declarant"][decl_of]
    dec_risk = np.where(dec >= 0, pop.dec_risk[np.maximum(dec, 0)], 1.0)
    raw = pop.imp_risk[i_imp] * dec_risk * (0.25 + 0.06 * line_duty)
    open_ = eligible & ~hot_fraud & ~in_scheme
    target_count = fraud_rate * items - is_crit.sum() - hot_fraud.sum() - in_scheme.sum()
    k = _solve_scale(raw[open_], max(target_count, 0.0), cap=0.9)
    is_general = open_ & (rng.random(items) < np.minimum(k * raw, 0.9))
    g = np.flatnonzero(is_general)
    feasible = np.stack(
        [
            np.ones(len(g), bool),
            (cat.cheaper_count[true_line[g]] > 0) & (pref_factor[pref_of[true_origin[g]]] > 0),
            (pref_of[true_origin[g]] == 0) & (line_duty[g] > 0) & (len(regional) > 0),
            np.ones(len(g), bool),
        ],
        axis=1,
    )
    prior = np.array([0.35, 0.3, 0.15, 0.2])  # valuation, classification, origin, quantity
    fraud_type[g] = sample_rows(rng, row_cdf(pop.imp_modus[i_imp[g]] * prior * feasible), np.arange(len(g)))
    # under-declaring the quantity of a single unit is impossible: that fraud is on its value
    q_decl = _round_qty(true_qty * rng.uniform(0.4, 0.8, items), counted)
    fraud_type[(fraud_type == ALL_FRAUD_TYPES.index("quantity")) & (q_decl >= true_qty)] = (
        ALL_FRAUD_TYPES.index("valuation")
    )
    is_fraud = fraud_type >= 0
    ft = {name: fraud_type == i for i, name in enumerate(ALL_FRAUD_TYPES)}
    step("fraud")

    # ---- what was declared
    decl_line = true_line.copy()
    cls = np.flatnonzero(ft["classification"])
    pick = (rng.random(len(cls)) * cat.cheaper_count[true_line[cls]]).astype(np.int64)
    decl_line[cls] = cat.cheaper[true_line[cls], pick]
    decl_product = cat.line_product[decl_line]
    decl_origin = true_origin.copy()
    orig = ft["origin"] & ~in_scheme
    decl_origin[orig] = rng.choice(regional, size=int(orig.sum())) if len(regional) else decl_origin[orig]
    decl_origin[in_scheme] = scheme_origin
    export_country = np.where(in_scheme_goods, scheme_origin, export_country)
    export_country = np.where(orig & (rng.random(items) < 0.7), decl_origin, export_country)
    factor = np.ones(items)
    val = ft["valuation"]
    factor[val] = np.where(
        hot_fraud[val], rng.uniform(0.3, 0.6, int(val.sum())), rng.uniform(0.25, 0.7, int(val.sum()))
    )
    qf = ft["quantity"]
    decl_qty = np.where(qf, q_decl, true_qty)
    value_factor = np.where(qf, decl_qty / true_qty, factor)
    decl_usd = true_usd * value_factor
    decl_mass = np.where(
        qf & (rng.random(items) < 0.5), np.round(np.maximum(true_mass * value_factor, 0.001), 3), true_mass
    )
    other_unit = cat.unit[decl_product] != cat.unit[product]
    decl_counted = np.isin(cat.unit[decl_product], ["u", "pr"])
    decl_qty = np.where(
        other_unit,
        np.where(
            cat.unit[decl_product] == "kg",
            decl_mass,
            _round_qty(decl_mass / cat.kg_per_unit[decl_product], decl_counted),
        ),
        decl_qty,
    )
    # prohibited goods: the declaration shows the cover goods; ground truth the goods themselves
    crit_idx = np.flatnonzero(is_crit)
    cover = np.array([[s in g_.cover_sectors for g_ in PROHIBITED] for s in SECTORS], dtype=float)
    crit_kind = np.full(items, -1, dtype=np.int64)
    crit_kind[crit_idx] = sample_rows(rng, row_cdf(cover), cat.sector[product[crit_idx]])
    kinds = crit_kind[crit_idx]
    crit_qty = np.array([g_.quantity_median for g_ in PROHIBITED])[kinds] * np.exp(
        rng.normal(0, 0.8, len(crit_idx))
    )
    crit_qty = _round_qty(crit_qty, np.array([g_.unit == "u" for g_ in PROHIBITED])[kinds])
    crit_mass = np.round(
        np.maximum(crit_qty * np.array([g_.kg_per_unit for g_ in PROHIBITED])[kinds], 0.001), 3
    )

    # ---- money: customs value, invoice, duties, preference, VAT
    fx = fx0 * (1 + 0.04 * day / 365.25)  # the national currency slides slowly against the dollar
    fx_i = fx[decl_of]
    freight = (
        np.array([FREIGHT_SHARE[m] for m in MODES])[d["mode"]][decl_of]
        + np.array([0.0 if c in ("UG", "TZ", "RW", "ET") else 0.01 for c in partners])[true_origin]
    )
    customs_value = np.round(decl_usd * fx_i, 2)
    true_customs_value = np.round(true_usd * fx_i, 2)
    eligible_pref = pref_of[decl_origin] > 0
    claim = eligible_pref & ((rng.random(items) < 0.85) | ft["origin"])
    claimed = np.where(claim, pref_of[decl_origin], 0)
    true_pref = np.where(ft["origin"], 0, claimed)
    duty_rate = np.round(cat.line_duty[decl_line] * pref_factor[claimed], 2)
    true_rate = np.round(cat.line_duty[true_line] * pref_factor[true_pref], 2)
    vat_decl = np.where(np.isin(_chapter(cat, decl_line), exempt), 0.0, vat_rate)
    duty_tax = np.where(suspended, 0.0, _taxes(customs_value, duty_rate, vat_decl))
    true_duty_tax = np.where(suspended, 0.0, _taxes(true_customs_value, true_rate, vat_true))
    true_duty_tax = np.where(is_fraud & ~is_crit, true_duty_tax, duty_tax)
    revenue = np.where(is_fraud & ~is_crit, np.maximum(np.round(true_duty_tax - duty_tax, 2), 0.0), 0.0)
    cur_code = [INVOICE_CURRENCY.get(c, ("USD", 0.0)) for c in partners]
    cur_names = sorted({"USD", *[c for c, _ in cur_code]})
    own = np.array([cur_names.index(c) for c, _ in cur_code])[seller_country]
    share = np.array([s for _, s in cur_code])[seller_country]
    inv_cur = np.where(rng.random(items) < share, own, cur_names.index("USD"))
    inv_fx = np.array([FX_PER_USD[c] for c in cur_names])[inv_cur]
    invoice_amount = np.round(decl_usd / (1 + freight) * inv_fx, 2)

    # ---- selection by the legacy rule profile, random control, detection
    lane, selected_by, method, officer, rules_scale = _select(
        rng,
        cal,
        pop,
        d,
        starts,
        n_items,
        cat,
        decl_line,
        decl_origin,
        customs_value,
        partners,
        inspection_rate,
        random_share,
    )
    inspected_decl = (lane == YELLOW) | (lane == RED)
    inspected = inspected_decl[decl_of]
    method_i = method[decl_of]
    skill = offices.officer_skill[np.maximum(officer, 0)][decl_of]
    det_table = np.array([[DETECTION[t][m] for m in METHODS] for t in ALL_FRAUD_TYPES])
    p_detect = np.where(is_fraud, det_table[np.maximum(fraud_type, 0), np.maximum(method_i, 0)] * skill, 0.0)
    detected = inspected & is_fraud & (rng.random(items) < np.minimum(p_detect, 0.98))
    step("selection and detection")

    # ---- clearance events
    agency = np.zeros(n_decl, dtype=np.int64)
    first_sector = np.array(SECTORS)[cat.sector[product[starts]]]
    joint = rng.random(n_decl) < 0.5
    agency[np.isin(first_sector, ["agri_food", "processed_food"]) & joint] = AGENCIES.index("agriculture")
    agency[(first_sector == "pharma_cosmetics") & joint] = AGENCIES.index("health")
    agency[(first_sector == "electronics") & joint & (rng.random(n_decl) < 0.3)] = AGENCIES.index("standards")
    decl_id = _declaration_ids(pop, office, lodged)
    clearance = build_events(
        rng,
        cal,
        offices,
        decl_id,
        office,
        d["mode"],
        lodged,
        lane,
        method == METHODS.index("scan"),
        pop.imp_aeo[imp],
        agency,
    )
    step("clearance events")

    # ---- inspections (the labels)
    done_at = np.where(
        lane == RED, clearance.times[:, E["inspection_end"]], clearance.times[:, E["document_check"]]
    )
    rows = np.flatnonzero(inspected)
    result = np.where(detected, np.where(is_crit, 2, 1), 0)[rows]
    add_rev = np.where(is_crit, np.round(1.0 * customs_value, 2), np.round(revenue * (1 + penalty_rate), 2))
    inspections = _table(
        INSPECTIONS,
        declaration_id=decl_id.take(pa.array(decl_of[rows])),
        item_no=pa.array(item_no[rows], pa.int64()),
        lane=take(LANES, lane[decl_of[rows]]),
        method=take(METHODS, method_i[rows]),
        inspected_at=pa.array(done_at[decl_of[rows]].astype("datetime64[s]"), pa.timestamp("s")),
        result=take(("compliant", "fraud", "critical"), result),
        fraud_type=take(ALL_FRAUD_TYPES, np.where(detected, fraud_type, -1)[rows]),
        additional_revenue=pa.array(np.where(detected, add_rev, 0.0)[rows], pa.float64()),
        officer_id=offices.officer_id.take(pa.array(officer[decl_of[rows]])),
    )

    # ---- the declarations table
    style = np.where(
        rng.random(items) < 0.6,
        np.where(dec >= 0, pop.dec_style[np.maximum(dec, 0)], 0),
        rng.integers(0, len(STYLES), items),
    )
    desc_index = (product * len(STYLES) + style) * VARIANTS + rng.integers(0, VARIANTS, items)
    declarant_id = pa.array(
        np.where(
            dec >= 0,
            pa.array(pop.dec_id).to_numpy(zero_copy_only=False)[np.maximum(dec, 0)],
            pa.array(pop.imp_id).to_numpy(zero_copy_only=False)[i_imp],
        ),
        pa.string(),
    )
    item_decl = pa.array(decl_of)
    declarations = _table(
        DECLARATIONS,
        declaration_id=decl_id.take(item_decl),
        item_no=pa.array(item_no, pa.int64()),
        lodged_at=pa.array(lodged[decl_of].astype("datetime64[s]"), pa.timestamp("s")),
        office_id=take(offices.code, office[decl_of]),
        procedure_code=take([p[0] for p in PROCEDURES], proc),
        declaration_type=take([p[1] for p in PROCEDURES], proc),
        mode_of_transport=take(MODES, d["mode"][decl_of]),
        declarant_id=declarant_id,
        importer_id=pop.imp_id.take(pa.array(i_imp)),
        seller_id=pop.sel_id.take(pa.array(seller)),
        carrier_id=take(pop.car_id, d["carrier"][decl_of]),
        country_of_origin=take(partners, decl_origin),
        country_of_export=take(partners, export_country),
        hs_code=take(cat.line_code, decl_line),
        goods_description=cat.pool.take(pa.array(desc_index)),
        quantity=pa.array(decl_qty, pa.float64()),
        quantity_unit=take(cat.unit, decl_product),
        net_mass_kg=pa.array(decl_mass, pa.float64()),
        gross_mass_kg=pa.array(np.maximum(gross_mass, decl_mass), pa.float64()),
        customs_value=pa.array(customs_value, pa.float64()),
        invoice_amount=pa.array(invoice_amount, pa.float64()),
        invoice_currency=take(cur_names, inv_cur),
        duty_rate=pa.array(duty_rate, pa.float64()),
        duty_tax_amount=pa.array(np.round(duty_tax, 2), pa.float64()),
        preference_code=take(pref_codes, claimed - 1),
        aeo_status=pa.array(pop.imp_aeo[i_imp], pa.bool_()),
    )

    # ---- ground truth (simulators and benchmarks only)
    true_hs = take(cat.line_code, true_line)
    true_qty_out = true_qty.astype(np.float64).copy()
    true_mass_out = true_mass.copy()
    true_qty_out[crit_idx] = crit_qty
    true_mass_out[crit_idx] = crit_mass
    true_hs = pc.if_else(pa.array(is_crit), take(cat.prohibited_code, crit_kind), true_hs)
    hot_pair_list = [(partners[int(p) // n_prod], cat.products[int(p) % n_prod].hs6) for p in hot_pairs]
    ground_truth = pa.table(
        {
            "declaration_id": declarations["declaration_id"],
            "item_no": declarations["item_no"],
            "is_fraud": pa.array(is_fraud, pa.bool_()),
            "is_critical": pa.array(is_crit, pa.bool_()),
            "fraud_type": take(ALL_FRAUD_TYPES, fraud_type),
            "true_hs_code": true_hs,
            "true_customs_value": pa.array(
                np.where(is_crit, customs_value, true_customs_value), pa.float64()
            ),
            "true_country_of_origin": take(partners, true_origin),
            "true_net_mass_kg": pa.array(true_mass_out, pa.float64()),
            "true_quantity": pa.array(true_qty_out, pa.float64()),
            "true_duty_tax_amount": pa.array(np.round(true_duty_tax, 2), pa.float64()),
            "revenue_at_stake": pa.array(revenue, pa.float64()),
            "prohibited_goods": take([g_.kind for g_ in PROHIBITED], crit_kind),
            "importer_risk_class": take(RISK_CLASSES, pop.imp_risk_class[i_imp]),
            "importer_risk": pa.array(np.round(pop.imp_risk[i_imp], 4), pa.float64()),
            "declarant_risky": pa.array(
                np.where(dec >= 0, pop.dec_risky[np.maximum(dec, 0)], False), pa.bool_()
            ),
            "smuggling_network": pa.array(pop.imp_network[i_imp], pa.bool_()),
            "in_scheme": pa.array(in_scheme, pa.bool_()),
            "misinvoicing_hotspot": pa.array(in_hotspot, pa.bool_()),
            "lane": take(LANES, lane[decl_of]),
            "selected_by": take(("rule", "random"), selected_by[decl_of]),
            "inspected": pa.array(inspected, pa.bool_()),
            "detected": pa.array(detected, pa.bool_()),
            "detection_probability": pa.array(
                np.round(np.where(inspected, np.minimum(p_detect, 0.98), 0.0), 4), pa.float64()
            ),
            "additional_revenue_if_detected": pa.array(np.where(is_fraud, add_rev, 0.0), pa.float64()),
            "pre_arrival": pa.array(clearance.pre_arrival[decl_of], pa.bool_()),
            "event_defect": take(DEFECTS, np.where(clearance.defect > 0, clearance.defect, -1)[decl_of]),
        }
    )
    step("inspections and ground truth")

    # ---- trade statistics and enforcement records
    export_day = day[decl_of] - np.round(
        np.array([_transit(m) for m in MODES])[d["mode"][decl_of]] * np.exp(rng.normal(0, 0.3, items))
    ).astype(np.int64)
    x_product = product  # the exporter declares the true goods (prohibited goods stay under their cover)
    trade_flows, non_reporting = build_trade_flows(
        rng,
        cal,
        reporter,
        partners,
        cat,
        m_origin=decl_origin,
        m_product=decl_product,
        day=day[decl_of],
        mode=d["mode"][decl_of],
        m_usd=customs_value / fx_i,
        m_mass=decl_mass,
        m_qty=decl_qty,
        x_origin=true_origin,
        x_product=x_product,
        x_day=export_day,
        x_usd=np.where(is_crit, customs_value / fx_i, true_usd) / (1 + freight),
        x_mass=true_mass,
        x_qty=true_qty,
    )
    seizures = build_seizures(
        rng,
        cal,
        reporter,
        partners,
        cat,
        pop,
        decl_id=decl_id,
        decl_of=decl_of,
        office=office,
        importer=i_imp,
        declarant=dec,
        detected=detected,
        is_crit=is_crit,
        crit_kind=crit_kind,
        fraud_type=fraud_type,
        revenue=revenue,
        done_at=done_at,
        true_line=true_line,
        product=product,
        true_qty=true_qty_out,
        origin=true_origin,
        export_country=export_country,
    )
    step("trade flows and seizures")

    n_fraud = int(is_fraud.sum())
    params: dict[str, Any] = {
        "generator": "clearsight.synth",
        "seed": seed,
        "items": items,
        "declarations": n_decl,
        "reporter": reporter,
        "national_currency": currency,
        "usd_rate_at_start": fx0,
        "usd_rate_change_per_year": 0.04,
        "start": cal.start.isoformat(),
        "end": cal.end.isoformat(),
        "days": days,
        "holidays": [h.isoformat() for h in cal.holidays],
        "vat_rate": vat_rate,
        "penalty_rate": penalty_rate,
        "critical_fine_rate": 1.0,
        "preferences": {
            c: {"origins": [o for o in PREFERENCES[c][0] if o != reporter], "duty_factor": PREFERENCES[c][1]}
            for c in pref_codes
        },
        "targets": {
            "fraud_rate": fraud_rate,
            "critical_rate": critical_rate,
            "inspection_rate": inspection_rate,
            "random_share": random_share,
            "scheme_share": scheme_share,
        },
        "actual": {
            "fraud_rate": round(n_fraud / items, 5),
            "critical_rate": round(float(is_crit.mean()), 5),
            "inspection_rate": round(float(inspected.mean()), 5),
            "declaration_inspection_rate": round(float(inspected_decl.mean()), 5),
            "random_share": round(float((selected_by == 1).mean()), 5),
            "detected_share_of_fraud": round(float(detected.sum()) / max(n_fraud, 1), 5),
        },
        "scheme": {
            "start": (cal.start + timedelta(days=scheme_day)).isoformat(),
            "hs6": cat.products[scheme_product].hs6,
            "declared_origin": partners[scheme_origin],
            "true_origin": partners[scheme_true_origin],
            "fraud_type": "origin",
            "importers": int(pop.imp_scheme.sum()),
            "items": int(in_scheme.sum()),
        },
        "legacy_rules": {
            "watched_chapters": [f"{c:02d}" for c in WATCH_CHAPTERS],
            "watched_origins": [o for o in WATCH_ORIGINS if o != reporter],
            "high_value_quantile": 0.975,
            "new_importer_days": NEW_IMPORTER_DAYS,
            "rules": [
                {"name": n, "probability": round(min(p * rules_scale, 0.95), 4), "red_share": r}
                for n, p, r in LEGACY_RULES
            ],
            "aeo_exempt": True,
        },
        "detection": DETECTION,
        "misinvoicing_hotspots": [{"partner": p, "hs6": h} for p, h in hot_pair_list],
        "non_reporting_partners": non_reporting,
        "fraud_types": list(ALL_FRAUD_TYPES),
    }
    return World(
        declarations=declarations,
        inspections=inspections,
        events=clearance.table,
        trade_flows=trade_flows,
        seizures=seizures,
        parties=_table(PARTIES, **{c: pop.parties[c] for c in pop.parties.column_names}),
        ground_truth=ground_truth,
        tariff=cat.tariff(),
        params=params,
        catalogue=cat,
    )


def _transit(mode: str) -> float:
    from clearsight.synth.reference import TRANSIT_DAYS

    return TRANSIT_DAYS.get(mode, 5.0)


def _chapter(cat: Catalogue, line: np.ndarray) -> np.ndarray:
    return np.array([p.chapter for p in cat.products])[cat.line_product[line]]


def _taxes(value: np.ndarray, rate_pct: np.ndarray, vat: np.ndarray) -> np.ndarray:
    """Customs duty plus VAT on the duty-paid value."""
    duty = value * rate_pct / 100.0
    return np.round(duty + (value + duty) * vat, 2)


def _round_qty(q: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Whole numbers for units and pairs, two decimals (at least 0.01) for measures."""
    return np.where(counted, np.maximum(np.round(q), 1.0), np.maximum(np.round(q, 2), 0.01))


def _solve_scale(raw: np.ndarray, target: float, cap: float) -> float:
    """k such that sum(min(k * raw, cap)) = target (bisection in log space)."""
    if target <= 0 or len(raw) == 0:
        return 0.0
    if target >= cap * len(raw):
        return np.inf
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.minimum(np.exp(mid) * raw, cap).sum() < target:
            lo = mid
        else:
            hi = mid
    return float(np.exp(hi))


def _draw_declarations(
    rng: np.random.Generator, items: int, cal: Calendar, pop: Population
) -> dict[str, np.ndarray]:
    """Declaration headers, drawn in chunks until their goods items add up to ``items``."""
    offices = pop.offices
    mass = cal.cdf[pop.imp_hi] - cal.cdf[pop.imp_lo]
    weight = pop.imp_size * mass
    from clearsight.synth.reference import OFFICE_SECTOR_AFFINITY

    affinity = np.array(
        [[OFFICE_SECTOR_AFFINITY.get(k, {}).get(s, 1.0) for k in offices.kind] for s in SECTORS]
    )
    office_cdf = row_cdf(affinity * offices.weight[None, :])
    mode_cdf = row_cdf(np.array([[mix.get(m, 0.0) for m in MODES] for mix in offices.modes]))
    hours_day = np.array(
        [0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.2, 3, 6, 9, 10, 10, 8, 8, 9, 9, 8, 6, 4, 2.5, 1.5, 1, 0.7, 0.4]
    )
    hours_24 = hours_day + 2.5
    hour_cdf = row_cdf(np.stack([hours_day, hours_24]))
    car_mode = np.array(pop.car_mode)
    car_cdf = row_cdf(
        np.array(
            [
                [(car_mode == m)[j] / (1 + np.sum(car_mode[:j] == m)) for j in range(len(car_mode))]
                for m in MODES
            ]
        )
    )
    has_carrier = np.array([(car_mode == m).any() for m in MODES])
    proc_share = np.array([p[2] for p in PROCEDURES])
    chunks: list[dict[str, np.ndarray]] = []
    total = 0
    while total < items:
        n = int((items - total) / 2.2) + 64
        imp = choice(rng, weight, n)
        office = np.where(
            rng.random(n) < 0.8, pop.imp_home_office[imp], sample_rows(rng, office_cdf, pop.imp_sector[imp])
        )
        kind = offices.kind[office]
        small = np.isin(kind, ["COU", "PST"])
        big = rng.random(n) < 0.1
        n_items = np.where(
            small, rng.geometric(0.8, n), np.where(big, rng.geometric(0.08, n), rng.geometric(0.5, n))
        )
        n_items = np.minimum(n_items, 99)
        day = cal.sample_days(rng, pop.imp_lo[imp], pop.imp_hi[imp])
        hour = sample_rows(rng, hour_cdf, offices.always_open[office].astype(np.int64))
        lodged = (cal.epoch_day + day) * DAY + hour * HOUR + rng.integers(0, 60, n) * 60
        mode = sample_rows(rng, mode_cdf, office)
        carrier = np.where(has_carrier[mode], sample_rows(rng, car_cdf, mode), -1)
        slot = (rng.random(n) ** 1.5 * pop.imp_seller_count[imp]).astype(np.int64)
        seller = pop.imp_sellers[imp, slot]
        declarant = pop.imp_broker[imp, (rng.random(n) < 0.25).astype(np.int64)]
        procedure = np.where(small, 0, choice(rng, proc_share, n))
        chunks.append(
            dict(
                importer=imp,
                office=office,
                n_items=n_items,
                day=day,
                lodged=lodged,
                mode=mode,
                carrier=carrier,
                seller=seller,
                declarant=declarant,
                procedure=procedure,
            )
        )
        total += int(n_items.sum())
    out = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    cum = np.cumsum(out["n_items"])
    n_decl = int(np.searchsorted(cum, items)) + 1
    out = {k: v[:n_decl] for k, v in out.items()}
    out["n_items"][-1] -= int(cum[n_decl - 1] - items)
    order = np.argsort(out["lodged"], kind="stable")  # declarations in the order they were lodged
    return {k: v[order] for k, v in out.items()}


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


def _select(
    rng: np.random.Generator,
    cal: Calendar,
    pop: Population,
    d: dict[str, np.ndarray],
    starts: np.ndarray,
    n_items: np.ndarray,
    cat: Catalogue,
    decl_line: np.ndarray,
    decl_origin: np.ndarray,
    customs_value: np.ndarray,
    partners: list[str],
    inspection_rate: float,
    random_share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Lanes from the legacy rule profile (declared data only) plus a random physical control."""
    n = len(starts)
    imp = d["importer"]
    chapter = _chapter(cat, decl_line)
    watched_origin = np.isin(np.array(partners)[decl_origin], list(WATCH_ORIGINS))
    hits = (
        np.stack(
            [
                np.maximum.reduceat(np.isin(chapter, WATCH_CHAPTERS).astype(np.int8), starts) > 0,
                np.maximum.reduceat(watched_origin.astype(np.int8), starts) > 0,
                (total := np.add.reduceat(customs_value, starts)) >= np.quantile(total, 0.975),
                d["day"] - pop.imp_registered[imp] < NEW_IMPORTER_DAYS,
                pop.imp_prior_seizures[imp] > 0,
            ],
            axis=1,
        )
        & ~pop.imp_aeo[imp][:, None]
    )
    base = np.array([p for _, p, _ in LEGACY_RULES])
    red_share = np.array([r for _, _, r in LEGACY_RULES])

    def p_rules(scale: float) -> np.ndarray:
        p = np.minimum(base * scale, 0.95)
        return 1 - np.prod(np.where(hits, 1 - p, 1.0), axis=1)

    def share(scale: float) -> float:
        return float(((1 - (1 - p_rules(scale)) * (1 - random_share)) * n_items).sum() / n_items.sum())

    lo, hi = 0.0, 50.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(mid) < inspection_rate else (lo, mid)
    scale = hi
    by_rule = rng.random(n) < p_rules(scale)
    weights = hits * base
    red_p = np.where(
        weights.sum(axis=1) > 0,
        (weights * red_share).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-12),
        0.5,
    )
    by_random = rng.random(n) < random_share
    lane = np.full(n, GREEN, dtype=np.int64)
    lane[by_rule] = np.where(rng.random(n) < red_p, RED, YELLOW)[by_rule]
    lane[by_random] = RED
    lane[(lane == GREEN) & pop.imp_aeo[imp] & (rng.random(n) < 0.1)] = BLUE
    selected_by = np.where(by_random, 1, np.where(by_rule, 0, -1))
    scanner = pop.offices.scanner[d["office"]]
    method = np.where(
        lane == YELLOW, 0, np.where(lane == RED, np.where(scanner & (rng.random(n) < 0.3), 2, 1), -1)
    )
    officer = np.where(
        method >= 0,
        pop.offices.officer_offset[d["office"]]
        + (rng.random(n) * pop.offices.officers[d["office"]]).astype(np.int64),
        -1,
    )
    return lane, selected_by, method, officer, scale


def _table(table_def: Any, **columns: pa.Array) -> pa.Table:
    """Columns in the canonical order, typed as the schema stores them."""
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
    arrays = [pc.cast(columns[n], types[table_def.field(n).dtype]) for n in names]
    return pa.table(arrays, names=names)


__all__ = ["ALL_FRAUD_TYPES", "DETECTION", "World", "check_settings", "generate_world"]
