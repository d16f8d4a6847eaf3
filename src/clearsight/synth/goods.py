"""The economy and the goods: partners, prices, preferences, declarations and their goods items.

What is drawn here is the truth: which importer lodged what, which goods really moved, from where,
how many, worth how much. Fraud (``fraud.py``) then changes what was *declared*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clearsight.schema.tables import MODES
from clearsight.synth.calendar import DAY, HOUR, Calendar
from clearsight.synth.catalogue import Catalogue
from clearsight.synth.economy import Economy
from clearsight.synth.parties import FOCUS_SHARE, Population
from clearsight.synth.reference import (
    CARRIERS,
    FX_PER_USD,
    HUBS,
    NATIONAL_CURRENCY,
    OFFICE_SECTOR_AFFINITY,
    PARTNERS,
    PREFERENCES,
    PRICE_INDEX,
    PROCEDURES,
    SECTOR_AFFINITY,
    SECTOR_VALUE_SCALE,
    SECTORS,
)
from clearsight.synth.revenue import season_factor
from clearsight.synth.sampling import choice, group_starts, row_cdf, sample_rows

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
#: Lodgement hour weights at offices with office hours, 00:00 .. 23:00 (24-hour offices flatter).
LODGEMENT_HOURS = np.array(
    [0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.2, 3, 6, 9, 10, 10, 8, 8, 9, 9, 8, 6, 4, 2.5, 1.5, 1, 0.7, 0.4]
)


def build_economy(
    rng: np.random.Generator, cat: Catalogue, reporter: str, days: int, scheme_at: float
) -> Economy:
    """Where each product comes from and at what price, which partners enjoy preferences, and which
    route (product x regional partner) the new scheme will use."""
    partners = [c for c in PARTNERS if c != reporter]
    n_par, n_prod = len(partners), len(cat.products)
    base_share = np.array([PARTNERS[c] for c in partners])
    sector_partner = np.array(
        [[base_share[j] * SECTOR_AFFINITY[s].get(c, 1.0) for j, c in enumerate(partners)] for s in SECTORS]
    )
    product_partner_cdf = row_cdf(sector_partner[cat.sector] * np.exp(rng.normal(0, 0.5, (n_prod, n_par))))
    pair_price = np.array([PRICE_INDEX.get(c, 1.0) for c in partners])[None, :] * np.exp(
        rng.normal(0, 0.2, (n_prod, n_par))
    )
    pref_codes = list(PREFERENCES)
    pref_of = np.zeros(n_par, dtype=np.int64)
    for k, code in enumerate(pref_codes, start=1):
        pref_of[[i for i, c in enumerate(partners) if c in PREFERENCES[code][0]]] = k
    pref_factor = np.array([1.0] + [PREFERENCES[c][1] for c in pref_codes])
    regional = np.flatnonzero(pref_of == 1) if (pref_of == 1).any() else np.flatnonzero(pref_of > 0)
    currency = NATIONAL_CURRENCY.get(reporter, "USD")
    popularity = np.exp(rng.normal(0, 1.0, n_prod))
    sector_product_cdf = row_cdf(
        (cat.sector[None, :] == np.arange(len(SECTORS))[:, None]) * popularity[None, :]
    )
    hs6_index = {p.hs6: i for i, p in enumerate(cat.products)}
    return Economy(
        partners=partners,
        sector_partner=sector_partner,
        product_partner_cdf=product_partner_cdf,
        pair_price=pair_price,
        pref_codes=pref_codes,
        pref_of=pref_of,
        pref_factor=pref_factor,
        regional=regional,
        currency=currency,
        fx0=FX_PER_USD.get(currency, 1.0),
        popularity=popularity,
        sector_product_cdf=sector_product_cdf,
        scheme_product=hs6_index[SCHEME_PRODUCTS[int(rng.integers(len(SCHEME_PRODUCTS)))]],
        scheme_origin=int(rng.choice(regional)),
        scheme_true_origin=partners.index("CN" if "CN" in partners else "VN"),
        scheme_day=int(days * scheme_at),
    )


def draw_declarations(
    rng: np.random.Generator, items: int, cal: Calendar, pop: Population
) -> dict[str, np.ndarray]:
    """Declaration headers, in lodgement order, drawn in chunks until they hold exactly ``items`` items.

    Importers lodge in proportion to their size while active; most use their home office; courier
    and postal declarations hold one or two items, others a skewed number.
    """
    offices = pop.offices
    weight = pop.imp_size * (cal.cdf[pop.imp_hi] - cal.cdf[pop.imp_lo])
    affinity = np.array(
        [[OFFICE_SECTOR_AFFINITY.get(k, {}).get(s, 1.0) for k in offices.kind] for s in SECTORS]
    )
    office_cdf = row_cdf(affinity * offices.weight[None, :])
    mode_cdf = row_cdf(np.array([[mix.get(m, 0.0) for m in MODES] for mix in offices.modes]))
    hour_cdf = row_cdf(np.stack([LODGEMENT_HOURS, LODGEMENT_HOURS + 2.5]))
    car_mode = np.array(pop.car_mode)
    # within a mode, the first carriers listed carry most
    rank_in_mode = np.array([np.sum(car_mode[:j] == car_mode[j]) for j in range(len(car_mode))])
    car_cdf = row_cdf(np.array([(car_mode == m) / (1 + rank_in_mode) for m in MODES]))
    has_carrier = np.array([m in CARRIERS for m in MODES])
    proc_share = np.array([p[2] for p in PROCEDURES])
    chunks: list[dict[str, np.ndarray]] = []
    total = 0
    while total < items:
        n = int((items - total) / 2.2) + 64
        imp = choice(rng, weight, n)
        office = np.where(
            rng.random(n) < 0.8, pop.imp_home_office[imp], sample_rows(rng, office_cdf, pop.imp_sector[imp])
        )
        small = np.isin(offices.kind[office], ["COU", "PST"])
        big = rng.random(n) < 0.1
        n_items = np.where(
            small, rng.geometric(0.8, n), np.where(big, rng.geometric(0.08, n), rng.geometric(0.5, n))
        )
        day = cal.sample_days(rng, pop.imp_lo[imp], pop.imp_hi[imp])
        hour = sample_rows(rng, hour_cdf, offices.always_open[office].astype(np.int64))
        lodged = (cal.epoch_day + day) * DAY + hour * HOUR + rng.integers(0, 60, n) * 60
        mode = sample_rows(rng, mode_cdf, office)
        chunk = {
            "importer": imp,
            "office": office,
            "n_items": np.minimum(n_items, 99),
            "day": day,
            "lodged": lodged,
            "mode": mode,
            "carrier": np.where(has_carrier[mode], sample_rows(rng, car_cdf, mode), -1),
            "seller": pop.imp_sellers[
                imp, (rng.random(n) ** 1.5 * pop.imp_seller_count[imp]).astype(np.int64)
            ],
            "declarant": pop.imp_broker[imp, (rng.random(n) < 0.25).astype(np.int64)],
            "procedure": np.where(small, 0, choice(rng, proc_share, n)),
        }
        chunks.append(chunk)
        total += int(chunk["n_items"].sum())
    out = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    cum = np.cumsum(out["n_items"])
    n_decl = int(np.searchsorted(cum, items)) + 1
    out = {k: v[:n_decl] for k, v in out.items()}
    out["n_items"][-1] -= int(cum[n_decl - 1] - items)
    order = np.argsort(out["lodged"], kind="stable")
    return {k: v[order] for k, v in out.items()}


@dataclass(frozen=True)
class Goods:
    """What really moved, item by item (declaration-level values repeated per item where useful)."""

    decl_of: np.ndarray  # item -> declaration
    item_no: np.ndarray
    starts: np.ndarray  # declaration -> its first item
    importer: np.ndarray
    declarant: np.ndarray  # -1: the importer lodged itself
    product: np.ndarray
    line: np.ndarray  # national tariff line
    seller: np.ndarray
    origin: np.ndarray
    export_country: np.ndarray
    scheme_goods: np.ndarray  # the scheme's product bought by a scheme importer
    quantity: np.ndarray
    usd: np.ndarray  # CIF value in USD
    net_mass: np.ndarray
    gross_mass: np.ndarray
    counted: np.ndarray  # quantity in whole units (u, pr)
    procedure: np.ndarray
    suspended: np.ndarray  # duties suspended (warehousing, temporary admission)
    day: np.ndarray


def draw_goods(
    rng: np.random.Generator,
    cat: Catalogue,
    econ: Economy,
    pop: Population,
    d: dict[str, np.ndarray],
    items: int,
    cal: Calendar | None = None,
) -> Goods:
    """Each importer mostly buys its regular products from its regular sellers; the seller's country
    is usually the origin, except for re-export hubs. Values are log-normal around a typical shipment
    of the office type, sector and importer size; unit values depend on product and origin."""
    n_decl = len(d["importer"])
    starts = group_starts(d["n_items"])
    decl_of = np.repeat(np.arange(n_decl), d["n_items"])
    imp = d["importer"][decl_of]
    sector = pop.imp_sector[imp]
    u = rng.random(items)
    focus = pop.imp_focus[imp, choice(rng, FOCUS_SHARE, items)]
    product = np.where(
        u < 0.68,
        focus,
        np.where(
            u < 0.93, sample_rows(rng, econ.sector_product_cdf, sector), choice(rng, econ.popularity, items)
        ),
    )
    scheme_imp = pop.imp_scheme[imp]
    product = np.where(scheme_imp & (u < 0.9), pop.imp_focus[imp, 0], product)
    line = cat.product_lines[product, sample_rows(rng, cat.product_line_cum, product)]
    seller = d["seller"][decl_of]
    seller_country = pop.sel_country[seller]
    hub = np.isin(np.array(econ.partners)[seller_country], list(HUBS))
    drawn_origin = sample_rows(rng, econ.product_partner_cdf, product)
    u = rng.random(items)
    origin = np.where(
        hub, np.where(u < 0.7, drawn_origin, seller_country), np.where(u < 0.88, seller_country, drawn_origin)
    )
    scheme_goods = scheme_imp & (product == econ.scheme_product)
    origin = np.where(scheme_goods, econ.scheme_true_origin, origin)
    day = d["day"][decl_of]
    unit_value = (
        cat.usd_per_unit[product]
        * econ.pair_price[product, origin]
        * np.exp(rng.normal(0, 0.25, items))
        * (1 + 0.03 * day / 365.25)  # prices creep up
    )
    kind_value = np.array([ITEM_VALUE_USD[k] for k in pop.offices.kind])[d["office"][decl_of]]
    sector_scale = np.array([SECTOR_VALUE_SCALE[s] for s in SECTORS])[cat.sector[product]]
    size_rank = np.argsort(np.argsort(-pop.imp_size)) / len(pop.imp_size)
    imp_scale = np.exp(0.8 * (0.5 - size_rank) + rng.normal(0, 0.4, len(pop.imp_size)))
    target = kind_value * sector_scale * imp_scale[imp] * np.exp(rng.normal(0, 1.0, items))
    if cal is not None:  # shipments are larger in their chapter's season (drawn from nothing: see revenue.py)
        target = target * season_factor(np.array([p.chapter for p in cat.products])[product], day, cal)
    counted = np.isin(cat.unit[product], ["u", "pr"])
    quantity = round_quantity(target / unit_value, counted)
    measured = np.maximum(quantity * cat.kg_per_unit[product] * np.exp(rng.normal(0, 0.08, items)), 0.001)
    net_mass = np.where(cat.unit[product] == "kg", quantity, np.round(measured, 3))
    procedure = d["procedure"][decl_of]
    return Goods(
        decl_of=decl_of,
        item_no=np.arange(items) - starts[decl_of] + 1,
        starts=starts,
        importer=imp,
        declarant=d["declarant"][decl_of],
        product=product,
        line=line,
        seller=seller,
        origin=origin,
        export_country=seller_country,
        scheme_goods=scheme_goods,
        quantity=quantity,
        usd=quantity * unit_value,
        net_mass=net_mass,
        gross_mass=np.round(net_mass * rng.uniform(1.03, 1.25, items), 3),
        counted=counted,
        procedure=procedure,
        suspended=np.array([p[3] for p in PROCEDURES])[procedure],
        day=day,
    )


def round_quantity(q: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Whole numbers for units and pairs, two decimals (at least 0.01) for measures."""
    return np.where(counted, np.maximum(np.round(q), 1.0), np.maximum(np.round(q, 2), 0.01))
