"""Who trades: customs offices, importers, brokers, foreign sellers and carriers.

Importer sizes are skewed (a few lodge a large share), each importer has a sector, a home office, a
handful of regular products and suppliers, one or two brokers, and a latent risk that never changes:
most traders are compliant, a minority commit most of the fraud, year after year. Brokers serve many
importers and risky importers gravitate to risky brokers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.synth.calendar import Calendar
from clearsight.synth.catalogue import STYLES, Catalogue
from clearsight.synth.economy import Economy
from clearsight.synth.reference import (
    CARRIERS,
    CITIES,
    FOREIGN_SUFFIX,
    FOREIGN_TRADES,
    FOREIGN_WORDS,
    GENERIC_CITIES,
    LOCAL_SUFFIXES,
    NAME_WORDS,
    OFFICE_SECTOR_AFFINITY,
    OFFICE_TYPES,
    SECTOR_NAME_WORDS,
    SECTOR_WEIGHTS,
    SECTORS,
    STREETS,
)
from clearsight.synth.sampling import choice, join, numbered, row_cdf, sample_rows, take

FOCUS = 6  # regular products per importer
SLOTS = 6  # regular suppliers per importer
FOCUS_SHARE = np.array([0.34, 0.22, 0.15, 0.12, 0.1, 0.07])
RISK_CLASSES = ("low", "medium", "high")
#: Fraud types an importer may favour (its modus operandi); prohibited goods are handled apart.
FRAUD_TYPES = ("valuation", "classification", "origin", "quantity")


@dataclass(frozen=True)
class Offices:
    code: np.ndarray  # str
    kind: np.ndarray  # office type (SEA, AIR, ...)
    always_open: np.ndarray  # bool
    scanner: np.ndarray  # bool
    weight: np.ndarray  # share of declarations
    modes: list[dict[str, float]]
    officers: np.ndarray  # officers per office
    officer_offset: np.ndarray  # first officer of each office in the officer list
    officer_id: pa.Array
    officer_skill: np.ndarray
    efficiency: np.ndarray  # > 1: slower than average


@dataclass(frozen=True)
class Population:
    """Every party, as arrays; importer arrays are indexed by importer number."""

    offices: Offices
    # importers
    imp_id: pa.Array
    imp_size: np.ndarray
    imp_sector: np.ndarray
    imp_home_office: np.ndarray
    imp_focus: np.ndarray  # (importers, FOCUS) product index
    imp_sellers: np.ndarray  # (importers, SLOTS) seller index
    imp_seller_count: np.ndarray
    imp_broker: np.ndarray  # (importers, 2) declarant index; -1 = self-declared
    imp_risk_class: np.ndarray
    imp_risk: np.ndarray  # fraud propensity multiplier
    imp_modus: np.ndarray  # (importers, 4) preference over FRAUD_TYPES
    imp_aeo: np.ndarray
    imp_registered: np.ndarray  # day index relative to the start (negative: before)
    imp_lo: np.ndarray  # first active day index
    imp_hi: np.ndarray  # one past the last active day index
    imp_network: np.ndarray  # part of a smuggling network (prohibited goods)
    imp_scheme: np.ndarray  # runs the new scheme
    imp_prior_seizures: np.ndarray  # seizures recorded before the start
    # declarants (brokers)
    dec_id: pa.Array
    dec_risk: np.ndarray
    dec_risky: np.ndarray
    dec_style: np.ndarray  # favourite description style
    dec_aeo: np.ndarray
    # sellers
    sel_id: pa.Array
    sel_country: np.ndarray  # partner index
    # carriers
    car_id: pa.Array
    car_mode: list[str]
    parties: pa.Table


def build_offices(rng: np.random.Generator, reporter: str) -> Offices:
    """The administration's offices (codes such as ``KESEA01``), their hours, scanners, volume,
    officers (more at busier offices, each with a skill) and speed."""
    codes, kinds, open24, scan, weight, modes = [], [], [], [], [], []
    for kind, (count, share, always, scanner, mix) in OFFICE_TYPES.items():
        zipf = 1.0 / np.arange(1, count + 1)
        for k in range(count):
            codes.append(f"{reporter}{kind}{k + 1:02d}")
            kinds.append(kind)
            open24.append((always and k == 0) or kind in ("COU", "SEA"))
            scan.append(scanner and k < 2)
            weight.append(share * zipf[k] / zipf.sum())
            modes.append(mix)
    w = np.array(weight)
    officers = np.maximum(3, np.round(300 * w)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(officers)[:-1]])
    office_of = np.repeat(np.arange(len(codes)), officers)
    number = np.arange(officers.sum()) - offset[office_of] + 1
    officer_id = join(take(codes, office_of), numbered("-O", number, 3))
    return Offices(
        code=np.array(codes),
        kind=np.array(kinds),
        always_open=np.array(open24),
        scanner=np.array(scan),
        weight=w,
        modes=modes,
        officers=officers,
        officer_offset=offset,
        officer_id=officer_id,
        officer_skill=np.clip(rng.normal(1.0, 0.12, officers.sum()), 0.65, 1.25),
        efficiency=np.exp(rng.normal(0, 0.25, len(codes))),
    )


def build_population(
    rng: np.random.Generator,
    items: int,
    cat: Catalogue,
    cal: Calendar,
    econ: Economy,
    reporter: str,
    scheme_share: float,
) -> Population:
    """Draw the trader population of a world of ``items`` goods items.

    The last few importers run the new scheme: registered just before it starts, active only after,
    buying the scheme's product from new sellers in the country they will falsely declare as origin.
    """
    partners = econ.partners
    scheme_day, scheme_product, scheme_origin = econ.scheme_day, econ.scheme_product, econ.scheme_origin
    offices = build_offices(rng, reporter)
    n_sec = len(SECTORS)
    n_imp = max(40, round(items / 60))
    n_scheme = max(2, round(0.003 * n_imp))
    n_reg = n_imp - n_scheme
    n_dec = max(10, round(n_imp / 14))
    days = cal.days

    # --- importers: size, sector, registration, activity window
    size = (np.arange(1, n_imp + 1) ** -0.85) * np.exp(rng.normal(0, 0.3, n_imp))
    size = rng.permutation(size)  # identifiers say nothing about size
    size[n_reg:] = 0.0  # scheme importers get their weight below
    pct = np.argsort(np.argsort(-size)) / n_imp  # 0 = largest
    sector = choice(rng, [SECTOR_WEIGHTS[s] for s in SECTORS], n_imp)
    sector[n_reg:] = cat.sector[scheme_product]
    new = rng.random(n_imp) < 0.18
    new[n_reg:] = True
    registered = np.where(new, rng.integers(0, max(1, days - 30), n_imp), -rng.integers(30, 15 * 365, n_imp))
    registered[n_reg:] = scheme_day - rng.integers(5, 60, n_scheme)
    lo = np.where(new, np.maximum(registered, 0) + rng.integers(0, 10, n_imp), 0)
    lo[n_reg:] = scheme_day
    lo = np.clip(lo, 0, days - 1)
    ceases = rng.random(n_imp) < 0.08
    hi = np.where(
        ceases, lo + 60 + (rng.random(n_imp) * np.maximum(days - lo - 60, 0)).astype(np.int64), days
    )
    hi = np.clip(hi, lo + 1, days)
    hi[n_reg:] = days

    # --- AEO and latent risk (fixed for the life of the trader)
    aeo = np.where(pct < 0.03, rng.random(n_imp) < 0.5, rng.random(n_imp) < 0.004) & ~new
    p_high = np.where(new, 0.08, 0.035) * np.where(pct < 0.02, 0.3, 1.0)
    u = rng.random(n_imp)
    risk_class = np.where(u < p_high, 2, np.where(u < p_high + 0.12, 1, 0))
    risk_class[aeo] = 0
    risk_class[n_reg:] = 2
    risk = np.choose(
        risk_class,
        [
            np.exp(rng.normal(np.log(0.3), 0.6, n_imp)),
            np.exp(rng.normal(np.log(1.6), 0.35, n_imp)),
            np.exp(rng.normal(np.log(6.0), 0.4, n_imp)),
        ],
    )
    risk = np.where(aeo, risk * 0.3, risk)
    modus = rng.dirichlet(np.full(len(FRAUD_TYPES), 0.6), n_imp)
    n_network = max(2, round(0.004 * n_imp))
    network_pool = np.flatnonzero(risk_class[:n_reg] == 2)
    if len(network_pool) < n_network:
        network_pool = np.arange(n_reg)
    network = np.zeros(n_imp, dtype=bool)
    network[rng.choice(network_pool, size=min(n_network, len(network_pool)), replace=False)] = True
    prior_p = np.choose(risk_class, [0.004, 0.06, 0.45]) + network * 0.4
    prior = np.where(rng.random(n_imp) < prior_p, rng.integers(1, 4, n_imp), 0)
    prior[n_reg:] = 0

    # --- scheme importers: their weight gives the scheme its intended share of items
    mass = cal.cdf[hi] - cal.cdf[lo]
    regular_mass = float((size * mass).sum())
    per_scheme = scheme_share * regular_mass / max(float(mass[n_reg:].sum()), 1e-9)
    size[n_reg:] = per_scheme

    # --- brokers: concentrated, a risky minority, each with a writing style
    dec_pop = (np.arange(1, n_dec + 1) ** -1.0)[rng.permutation(n_dec)]
    dec_risky = rng.random(n_dec) < 0.12
    dec_risky[np.argmax(dec_pop * ~dec_risky)] = False
    if not dec_risky.any():
        dec_risky[np.argmin(dec_pop)] = True
    dec_risk = np.where(
        dec_risky, np.exp(rng.normal(np.log(3.0), 0.3, n_dec)), np.exp(rng.normal(np.log(0.75), 0.3, n_dec))
    )
    dec_style = choice(rng, [0.3, 0.3, 0.2, 0.1, 0.1], n_dec)
    dec_aeo = (rng.random(n_dec) < 0.08) & ~dec_risky
    honest = dec_pop * ~dec_risky
    shady = dec_pop * dec_risky
    risky_imp = risk_class == 2
    primary = np.where(
        risky_imp & (rng.random(n_imp) < 0.6),
        choice(rng, shady, n_imp),
        choice(rng, honest + 0.3 * shady, n_imp),
    )
    secondary = np.where(rng.random(n_imp) < 0.25, choice(rng, dec_pop, n_imp), primary)
    self_declares = (pct < 0.015) & (rng.random(n_imp) < 0.7)
    broker = np.stack([np.where(self_declares, -1, primary), np.where(self_declares, -1, secondary)], axis=1)

    # --- home office: volume x how much the importer's sector uses that kind of office
    affinity = np.array(
        [[OFFICE_SECTOR_AFFINITY.get(k, {}).get(s, 1.0) for k in offices.kind] for s in SECTORS]
    )  # (sectors, offices)
    office_cdf = row_cdf(affinity * offices.weight[None, :])
    home = sample_rows(rng, office_cdf, sector)

    # --- regular products: popular products of the sector
    focus = sample_rows(rng, econ.sector_product_cdf, np.repeat(sector, FOCUS)).reshape(n_imp, FOCUS)
    focus[n_reg:, :] = scheme_product

    # --- sellers: each of a sector, in a country that makes that kind of goods; shared by importers
    n_sel = max(40, round(n_imp * 1.3))
    sel_sector = choice(rng, [SECTOR_WEIGHTS[s] for s in SECTORS], n_sel)
    sel_sector[:n_sec] = np.arange(n_sec)  # every sector has a seller
    sel_country = sample_rows(rng, row_cdf(econ.sector_partner), sel_sector)
    sel_pop = np.exp(rng.normal(0, 1.2, n_sel))
    sel_cdf = row_cdf((sel_sector[None, :] == np.arange(n_sec)[:, None]) * sel_pop[None, :])
    n_slots = 1 + np.minimum(SLOTS - 1, rng.poisson(0.5 + 3.0 * (1 - pct)))
    sellers = sample_rows(rng, sel_cdf, np.repeat(sector, SLOTS)).reshape(n_imp, SLOTS)
    # the scheme's sellers are new firms in the scheme's (declared) origin country
    scheme_sellers = n_sel + np.arange(n_scheme)
    sellers[n_reg:, :] = scheme_sellers[:, None]
    n_slots[n_reg:] = 1
    sel_country = np.concatenate([sel_country, np.full(n_scheme, scheme_origin)])
    sel_sector = np.concatenate([sel_sector, np.full(n_scheme, cat.sector[scheme_product])])
    n_sel += n_scheme

    # --- carriers
    car_names, car_countries, car_mode = [], [], []
    for mode, rows in CARRIERS.items():
        for name, country in rows:
            car_names.append(name)
            car_countries.append(reporter if country == "KE" else country)
            car_mode.append(mode)

    imp_id = numbered("IM", np.arange(1, n_imp + 1), 6)
    dec_id = numbered("DC", np.arange(1, n_dec + 1), 5)
    sel_id = numbered("SL", np.arange(1, n_sel + 1), 6)
    car_id = numbered("CR", np.arange(1, len(car_names) + 1), 3)

    parties = _parties_table(
        rng,
        cal,
        reporter,
        partners,
        imp_id,
        sector,
        aeo,
        registered,
        dec_id,
        dec_aeo,
        sel_id,
        sel_country,
        registered_sellers=_seller_registration(rng, n_sel, n_scheme, scheme_day),
        car_id=car_id,
        car_names=car_names,
        car_countries=car_countries,
    )
    return Population(
        offices=offices,
        imp_id=imp_id,
        imp_size=size,
        imp_sector=sector,
        imp_home_office=home,
        imp_focus=focus,
        imp_sellers=sellers,
        imp_seller_count=n_slots,
        imp_broker=broker,
        imp_risk_class=risk_class,
        imp_risk=risk,
        imp_modus=modus,
        imp_aeo=aeo,
        imp_registered=registered,
        imp_lo=lo,
        imp_hi=hi,
        imp_network=network,
        imp_scheme=np.arange(n_imp) >= n_reg,
        imp_prior_seizures=prior,
        dec_id=dec_id,
        dec_risk=dec_risk,
        dec_risky=dec_risky,
        dec_style=dec_style,
        dec_aeo=dec_aeo,
        sel_id=sel_id,
        sel_country=sel_country,
        car_id=car_id,
        car_mode=car_mode,
        parties=parties,
    )


def _seller_registration(rng: np.random.Generator, n_sel: int, n_scheme: int, scheme_day: int) -> np.ndarray:
    reg = -rng.integers(1, 10 * 365, n_sel)
    reg[n_sel - n_scheme :] = scheme_day - rng.integers(10, 90, n_scheme)
    return reg


def _dates(cal: Calendar, day_index: np.ndarray) -> pa.Array:
    return pa.array((np.datetime64(cal.start, "D") + day_index).astype("datetime64[D]"), pa.date32())


def _addresses(rng: np.random.Generator, countries: list[str], country_index: np.ndarray) -> pa.Array:
    """``<number> <street>, <city>`` with a city of the party's country."""
    n = len(country_index)
    city_lists = [CITIES.get(c, GENERIC_CITIES) for c in countries]
    flat = [c for cities in city_lists for c in cities]
    offset = np.concatenate([[0], np.cumsum([len(c) for c in city_lists])[:-1]])
    count = np.array([len(c) for c in city_lists])
    city = offset[country_index] + (rng.random(n) * count[country_index]).astype(np.int64)
    number = pc.cast(pa.array(rng.integers(1, 400, n)), pa.string())
    street = take(STREETS, rng.integers(0, len(STREETS), n))
    return join(join(number, street, sep=" "), take(flat, city), sep=", ")


def _parties_table(
    rng: np.random.Generator,
    cal: Calendar,
    reporter: str,
    partners: list[str],
    imp_id: pa.Array,
    imp_sector: np.ndarray,
    imp_aeo: np.ndarray,
    imp_registered: np.ndarray,
    dec_id: pa.Array,
    dec_aeo: np.ndarray,
    sel_id: pa.Array,
    sel_country: np.ndarray,
    registered_sellers: np.ndarray,
    car_id: pa.Array,
    car_names: list[str],
    car_countries: list[str],
) -> pa.Table:
    n_imp, n_dec, n_sel = len(imp_id), len(dec_id), len(sel_id)
    # local names: "<Word> <Sector word> <Suffix>"
    sector_words = [w for s in SECTORS for w in SECTOR_NAME_WORDS[s]]
    sw_offset = np.concatenate([[0], np.cumsum([len(SECTOR_NAME_WORDS[s]) for s in SECTORS])[:-1]])
    sw_count = np.array([len(SECTOR_NAME_WORDS[s]) for s in SECTORS])
    sw = sw_offset[imp_sector] + (rng.random(n_imp) * sw_count[imp_sector]).astype(np.int64)
    imp_name = join(
        take(NAME_WORDS, rng.integers(0, len(NAME_WORDS), n_imp)),
        take(sector_words, sw),
        take(LOCAL_SUFFIXES, rng.integers(0, len(LOCAL_SUFFIXES), n_imp)),
        sep=" ",
    )
    dec_name = join(
        take(NAME_WORDS, rng.integers(0, len(NAME_WORDS), n_dec)),
        take(
            ("Clearing & Forwarding", "Customs Agency", "Logistics", "Freight Services", "Clearing Agents"),
            rng.integers(0, 5, n_dec),
        ),
        take(LOCAL_SUFFIXES, rng.integers(0, len(LOCAL_SUFFIXES), n_dec)),
        sep=" ",
    )
    # foreign names: "<Word> <Trade> <Suffix of the country>"
    country_codes = np.array(partners)[sel_country]
    suffix = pa.array([FOREIGN_SUFFIX.get(c, "Ltd") for c in partners], pa.string()).take(
        pa.array(sel_country)
    )
    sel_name = join(
        take(FOREIGN_WORDS, rng.integers(0, len(FOREIGN_WORDS), n_sel)),
        take(FOREIGN_TRADES, rng.integers(0, len(FOREIGN_TRADES), n_sel)),
        suffix,
        sep=" ",
    )
    all_countries = [*partners, reporter]
    local = len(partners)
    n_car = len(car_id)
    car_country_index = np.array(
        [all_countries.index(c) if c in all_countries else local for c in car_countries]
    )
    address = pa.concat_arrays(
        [
            _addresses(rng, all_countries, np.full(n_imp, local)),
            _addresses(rng, all_countries, np.full(n_dec, local)),
            _addresses(rng, all_countries, sel_country),
            _addresses(rng, all_countries, car_country_index),
        ]
    )
    country = pa.concat_arrays(
        [
            pa.array([reporter] * (n_imp + n_dec), pa.string()),
            pa.array(country_codes, pa.string()),
            pa.array(car_countries, pa.string()),
        ]
    )
    aeo = np.concatenate([imp_aeo, dec_aeo, np.zeros(n_sel, bool), np.arange(n_car) % 3 == 0])
    registered = np.concatenate(
        [
            imp_registered,
            -rng.integers(100, 20 * 365, n_dec),
            registered_sellers,
            -rng.integers(1000, 30 * 365, n_car),
        ]
    )
    return pa.table(
        {
            "party_id": pa.concat_arrays([imp_id, dec_id, sel_id, car_id]),
            "role": pa.array(
                ["importer"] * n_imp + ["declarant"] * n_dec + ["seller"] * n_sel + ["carrier"] * n_car,
                pa.string(),
            ),
            "name": pa.concat_arrays([imp_name, dec_name, sel_name, pa.array(car_names, pa.string())]),
            "address": address,
            "country": country,
            "aeo_status": pa.array(aeo, pa.bool_()),
            "registered_on": _dates(cal, registered),
        }
    )


__all__ = ["FRAUD_TYPES", "RISK_CLASSES", "STYLES", "Offices", "Population", "build_population"]
