"""Fraud: which items lie, how, and what was therefore declared and paid.

Five mechanisms real targeting faces: under-valuation, misclassification to a cheaper line (the
description still tells the true goods), false origin to claim a preference, under-declared quantity
(and often mass), and prohibited goods hidden under an innocuous code (critical). Fraud comes from
risky importers and brokers (a fixed trait, so it persists), is likelier where duty is high, and is
topped up by two planted patterns: partner x product hotspots of under-invoicing (visible in mirror
statistics) and a new scheme that starts part-way through. Ground truth keeps the true values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clearsight.schema.tables import MODES
from clearsight.synth.catalogue import PROHIBITED, Catalogue
from clearsight.synth.goods import Economy, Goods, round_quantity
from clearsight.synth.parties import FRAUD_TYPES, Population
from clearsight.synth.reference import (
    FREIGHT_SHARE,
    FX_PER_USD,
    INVOICE_CURRENCY,
    SECTORS,
    VAT_EXEMPT_CHAPTERS,
)
from clearsight.synth.revenue import TariffChange
from clearsight.synth.sampling import row_cdf, sample_rows

#: Every fraud type the world plants, in ground truth's ``fraud_type``.
ALL_FRAUD_TYPES: tuple[str, ...] = (*FRAUD_TYPES, "prohibited")
VALUATION, CLASSIFICATION, ORIGIN, QUANTITY, PROHIBITED_GOODS = range(len(ALL_FRAUD_TYPES))
#: How often each type is chosen, before the importer's own habits and what is feasible.
TYPE_PRIOR = np.array([0.35, 0.3, 0.15, 0.2])
#: Partner x product pairs where under-invoicing is rife (seen as mirror gaps).
HOTSPOTS = 8
HOTSPOT_RATE = 0.45
#: At most this share of the fraud comes from the hotspots.
HOTSPOT_SHARE = 0.2
#: Upper bound of any item's chance to be fraudulent.
CAP = 0.9


@dataclass(frozen=True)
class Fraud:
    fraud_type: np.ndarray  # item -> index into ALL_FRAUD_TYPES, -1 = compliant
    hot_pairs: np.ndarray  # origin * products + product of each hotspot
    in_hotspot: np.ndarray
    hot_fraud: np.ndarray
    in_scheme: np.ndarray
    declared_quantity: np.ndarray  # what a quantity fraud declares

    @property
    def is_fraud(self) -> np.ndarray:
        return self.fraud_type >= 0

    @property
    def is_critical(self) -> np.ndarray:
        return self.fraud_type == PROHIBITED_GOODS

    def of_type(self, kind: int) -> np.ndarray:
        return self.fraud_type == kind


def vat_rate_of(cat: Catalogue, line: np.ndarray, vat_rate: float) -> np.ndarray:
    """VAT rate of each line: zero for the exempt chapters."""
    chapter = np.array([p.chapter for p in cat.products])[cat.line_product[line]]
    return np.where(np.isin(chapter, sorted(VAT_EXEMPT_CHAPTERS)), 0.0, vat_rate)


def plant_fraud(
    rng: np.random.Generator,
    cat: Catalogue,
    econ: Economy,
    pop: Population,
    goods: Goods,
    *,
    fraud_rate: float,
    critical_rate: float,
    vat_rate: float,
) -> Fraud:
    """Decide which items are fraudulent and how, so that about ``fraud_rate`` of items are."""
    items = len(goods.product)
    imp = goods.importer
    fraud_type = np.full(items, -1, dtype=np.int64)
    # prohibited goods: smuggling networks above all, a little among other risky importers
    weight = 0.02 + 40.0 * pop.imp_network[imp] + 2.0 * (pop.imp_risk_class[imp] == 2)
    is_crit = rng.random(items) < np.clip(critical_rate * weight / weight.mean(), 0, 0.5)
    fraud_type[is_crit] = PROHIBITED_GOODS
    line_duty = cat.line_duty[goods.line]
    # duties not suspended and some tax due (after the origin's preference): else lying gains nothing
    duty_due = line_duty * econ.pref_factor[econ.pref_of[goods.origin]] > 0
    eligible = ~goods.suspended & ~is_crit & (duty_due | (vat_rate_of(cat, goods.line, vat_rate) > 0))

    # hotspots: mid-sized non-preferential partner x product pairs where under-invoicing is rife
    n_prod = len(cat.products)
    pair = goods.origin * n_prod + goods.product
    counts = np.bincount(pair[eligible], minlength=len(econ.partners) * n_prod)
    ranked = np.argsort(-counts, kind="stable")[10:150]
    # (the scheme's product stays out: one planted pattern per pair)
    candidates = ranked[
        (counts[ranked] >= 25)
        & (econ.pref_of[ranked // n_prod] == 0)
        & (ranked % n_prod != econ.scheme_product)
    ]
    # as many as fit in their share of the fraud (a small world cannot afford eight)
    budget = HOTSPOT_SHARE * fraud_rate * items
    shuffled = rng.permutation(candidates)
    chosen = []
    for pair_, n_fraud in zip(shuffled, counts[shuffled] * HOTSPOT_RATE, strict=True):
        if len(chosen) == HOTSPOTS:
            break
        if n_fraud <= budget:
            chosen.append(pair_)
            budget -= n_fraud
    hot_pairs = np.sort(np.array(chosen, dtype=np.int64))
    in_hotspot = np.isin(pair, hot_pairs)
    hot_fraud = in_hotspot & eligible & (rng.random(items) < HOTSPOT_RATE)
    fraud_type[hot_fraud] = VALUATION
    in_scheme = goods.scheme_goods & eligible & ~hot_fraud
    fraud_type[in_scheme] = ORIGIN

    # the traders' own fraud: risky importer x risky broker x duty at stake, scaled to the target rate
    dec = goods.declarant
    dec_risk = np.where(dec >= 0, pop.dec_risk[np.maximum(dec, 0)], 1.0)
    propensity = pop.imp_risk[imp] * dec_risk * (0.25 + 0.06 * line_duty)
    open_ = eligible & ~hot_fraud & ~in_scheme
    target = fraud_rate * items - is_crit.sum() - hot_fraud.sum() - in_scheme.sum()
    k = _solve_scale(propensity[open_], max(target, 0.0), CAP)
    g = np.flatnonzero(open_ & (rng.random(items) < np.minimum(k * propensity, CAP)))
    true_origin = goods.origin[g]
    feasible = np.stack(
        [
            np.ones(len(g), bool),
            (cat.cheaper_count[goods.line[g]] > 0) & (econ.pref_factor[econ.pref_of[true_origin]] > 0),
            (econ.pref_of[true_origin] == 0) & (line_duty[g] > 0) & (len(econ.regional) > 0),
            np.ones(len(g), bool),
        ],
        axis=1,
    )
    fraud_type[g] = sample_rows(
        rng, row_cdf(pop.imp_modus[imp[g]] * TYPE_PRIOR * feasible), np.arange(len(g))
    )
    # under-declaring the quantity of a single unit is impossible: that fraud is on its value
    declared_quantity = round_quantity(goods.quantity * rng.uniform(0.4, 0.8, items), goods.counted)
    fraud_type[(fraud_type == QUANTITY) & (declared_quantity >= goods.quantity)] = VALUATION
    return Fraud(fraud_type, hot_pairs, in_hotspot, hot_fraud, in_scheme, declared_quantity)


@dataclass(frozen=True)
class Declared:
    """What the declaration says and what was paid, next to what should have been."""

    line: np.ndarray
    product: np.ndarray  # product of the declared line
    origin: np.ndarray
    export_country: np.ndarray
    quantity: np.ndarray
    net_mass: np.ndarray
    usd: np.ndarray  # declared CIF value in USD
    freight: np.ndarray  # freight and insurance share of FOB
    fx: np.ndarray  # national currency per USD on the lodgement day
    customs_value: np.ndarray
    true_customs_value: np.ndarray
    preference: np.ndarray  # 0 = none, else 1 + index into Economy.pref_codes
    duty_rate: np.ndarray
    duty_tax: np.ndarray
    true_duty_tax: np.ndarray
    revenue_at_stake: np.ndarray
    invoice_currency: np.ndarray  # index into currencies
    currencies: list[str]
    invoice_amount: np.ndarray
    # prohibited goods: what the consignment really held
    hidden_kind: np.ndarray  # item -> index into PROHIBITED, -1 = none
    hidden_quantity: np.ndarray  # for the critical items, in order
    hidden_mass: np.ndarray


def declare(
    rng: np.random.Generator,
    cat: Catalogue,
    econ: Economy,
    goods: Goods,
    fraud: Fraud,
    mode: np.ndarray,  # per item, index into MODES
    *,
    vat_rate: float,
    tariff_change: TariffChange | None = None,
) -> Declared:
    """Apply each fraud to the declaration, then compute values, duties, VAT and what was evaded
    (``tariff_change``: the duty of some headings rises from a day on)."""
    items = len(goods.product)
    ft = fraud.fraud_type
    line = goods.line.copy()
    cls = np.flatnonzero(ft == CLASSIFICATION)
    pick = (rng.random(len(cls)) * cat.cheaper_count[goods.line[cls]]).astype(np.int64)
    line[cls] = cat.cheaper[goods.line[cls], pick]
    product = cat.line_product[line]
    origin = goods.origin.copy()
    false_origin = (ft == ORIGIN) & ~fraud.in_scheme
    if len(econ.regional):
        origin[false_origin] = rng.choice(econ.regional, size=int(false_origin.sum()))
    origin[fraud.in_scheme] = econ.scheme_origin
    # the goods are shipped through the country they are falsely said to come from
    export_country = np.where(goods.scheme_goods, econ.scheme_origin, goods.export_country)
    export_country = np.where(false_origin & (rng.random(items) < 0.7), origin, export_country)
    factor = np.ones(items)
    val = ft == VALUATION
    factor[val] = np.where(
        fraud.hot_fraud[val], rng.uniform(0.3, 0.6, int(val.sum())), rng.uniform(0.25, 0.7, int(val.sum()))
    )
    qf = ft == QUANTITY
    quantity = np.where(qf, fraud.declared_quantity, goods.quantity)
    factor = np.where(qf, quantity / goods.quantity, factor)
    usd = goods.usd * factor
    net_mass = np.where(
        qf & (rng.random(items) < 0.5),
        np.round(np.maximum(goods.net_mass * factor, 0.001), 3),
        goods.net_mass,
    )
    # a cheaper line may count in another unit: express the quantity in the declared line's unit
    unit = cat.unit[product]
    quantity = np.where(
        unit != cat.unit[goods.product],
        np.where(
            unit == "kg",
            net_mass,
            round_quantity(net_mass / cat.kg_per_unit[product], np.isin(unit, ["u", "pr"])),
        ),
        quantity,
    )
    # prohibited goods: the declaration shows the cover goods; ground truth the goods themselves
    crit = np.flatnonzero(fraud.is_critical)
    cover = np.array([[s in g.cover_sectors for g in PROHIBITED] for s in SECTORS], dtype=float)
    hidden_kind = np.full(items, -1, dtype=np.int64)
    hidden_kind[crit] = sample_rows(rng, row_cdf(cover), cat.sector[goods.product[crit]])
    kinds = hidden_kind[crit]
    hidden_quantity = np.array([g.quantity_median for g in PROHIBITED])[kinds] * np.exp(
        rng.normal(0, 0.8, len(crit))
    )
    hidden_quantity = round_quantity(hidden_quantity, np.array([g.unit == "u" for g in PROHIBITED])[kinds])
    hidden_mass = np.round(
        np.maximum(hidden_quantity * np.array([g.kg_per_unit for g in PROHIBITED])[kinds], 0.001), 3
    )

    # money: customs value (CIF, national currency), preference claimed, duty and VAT
    fx = econ.fx(goods.day)
    regional_road = np.array([0.0 if c in ("UG", "TZ", "RW", "ET") else 0.01 for c in econ.partners])
    freight = np.array([FREIGHT_SHARE[m] for m in MODES])[mode] + regional_road[goods.origin]
    customs_value = np.round(usd * fx, 2)
    true_customs_value = np.round(goods.usd * fx, 2)
    claim = (econ.pref_of[origin] > 0) & ((rng.random(items) < 0.85) | (ft == ORIGIN))
    preference = np.where(claim, econ.pref_of[origin], 0)
    true_preference = np.where(ft == ORIGIN, 0, preference)
    line_duty, true_line_duty = cat.line_duty[line], cat.line_duty[goods.line]
    if tariff_change is not None:
        line_duty = line_duty + tariff_change.bump(line, goods.day)
        true_line_duty = true_line_duty + tariff_change.bump(goods.line, goods.day)
    duty_rate = np.round(line_duty * econ.pref_factor[preference], 2)
    true_rate = np.round(true_line_duty * econ.pref_factor[true_preference], 2)
    duty_tax = np.where(
        goods.suspended, 0.0, _taxes(customs_value, duty_rate, vat_rate_of(cat, line, vat_rate))
    )
    true_duty_tax = np.where(
        goods.suspended, 0.0, _taxes(true_customs_value, true_rate, vat_rate_of(cat, goods.line, vat_rate))
    )
    lied = fraud.is_fraud & ~fraud.is_critical
    true_duty_tax = np.where(lied, true_duty_tax, duty_tax)
    revenue = np.where(lied, np.maximum(np.round(true_duty_tax - duty_tax, 2), 0.0), 0.0)
    # the invoice: FOB, often in the seller's currency
    own = [INVOICE_CURRENCY.get(c, ("USD", 0.0)) for c in econ.partners]
    currencies = sorted({"USD", *[c for c, _ in own]})
    seller_currency = np.array([currencies.index(c) for c, _ in own])[goods.export_country]
    share = np.array([s for _, s in own])[goods.export_country]
    invoice_currency = np.where(rng.random(items) < share, seller_currency, currencies.index("USD"))
    rate = np.array([FX_PER_USD[c] for c in currencies])[invoice_currency]
    return Declared(
        line=line,
        product=product,
        origin=origin,
        export_country=export_country,
        quantity=quantity,
        net_mass=net_mass,
        usd=usd,
        freight=freight,
        fx=fx,
        customs_value=customs_value,
        true_customs_value=true_customs_value,
        preference=preference,
        duty_rate=duty_rate,
        duty_tax=duty_tax,
        true_duty_tax=true_duty_tax,
        revenue_at_stake=revenue,
        invoice_currency=invoice_currency,
        currencies=currencies,
        invoice_amount=np.round(usd / (1 + freight) * rate, 2),
        hidden_kind=hidden_kind,
        hidden_quantity=hidden_quantity,
        hidden_mass=hidden_mass,
    )


def _taxes(value: np.ndarray, rate_pct: np.ndarray, vat: np.ndarray) -> np.ndarray:
    """Customs duty plus VAT on the duty-paid value."""
    duty = value * rate_pct / 100.0
    return np.round(duty + (value + duty) * vat, 2)


def _solve_scale(propensity: np.ndarray, target: float, cap: float) -> float:
    """k such that sum(min(k * propensity, cap)) = target (bisection in log space)."""
    if target <= 0 or len(propensity) == 0:
        return 0.0
    if target >= cap * len(propensity):
        return float("inf")
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.minimum(np.exp(mid) * propensity, cap).sum() < target:
            lo = mid
        else:
            hi = mid
    return float(np.exp(hi))
