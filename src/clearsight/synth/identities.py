"""Who is who in the synthetic world: traders' contacts, the persons and companies of each seizure as
an officer records them, and the identity cases entity resolution must get right.

Real registers hold one company under several trader ids, companies that close after a fraud and
re-register under a new name (phoenix companies), and brokers that give their own telephone and
office to the importers they front for; seizure records name traders by another identifier, or by
name only, spelt as the officer heard it. This module plants each case and records the truth
(``world.json`` ``identities``: which records are one entity) so the entities room can be measured.

It draws from its own random generator, so the rest of the world is the same with or without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from clearsight.schema.tables import PARTIES, SEIZURE_PARTIES, SEIZURES
from clearsight.synth.calendar import Calendar

#: Share of importers registered under a second (or third) trader id.
MULTI_ID_SHARE = 0.02
#: Share of high-risk importers that re-register as a phoenix company.
PHOENIX_SHARE = 0.08
#: Importers of the ring that use their broker's telephone, e-mail and office.
RING_SIZE = 6

CALLING_CODES = {
    "KE": "254", "CN": "86", "IN": "91", "AE": "971", "DE": "49", "FR": "33", "GB": "44", "US": "1",
    "JP": "81", "TR": "90", "ZA": "27", "IT": "39", "NL": "31", "PK": "92", "SA": "966", "TH": "66",
}  # fmt: skip
FIRST_NAMES = (
    "John", "Mary", "Peter", "Grace", "David", "Fatuma", "Hassan", "Wanjiru", "Ali", "Amina", "Joseph",
    "Esther", "Mohamed", "Faith", "Samuel", "Aisha", "Ivan", "Olga", "Chen", "Ravi",
)  # fmt: skip
LAST_NAMES = (
    "Otieno", "Kamau", "Mwangi", "Omondi", "Hussein", "Njoroge", "Abdi", "Wekesa", "Petrov", "Wang",
    "Sharma", "Mutua", "Kiprono", "Achieng", "Yusuf", "Chebet",
)  # fmt: skip
VESSELS = (
    "MSC Leila",
    "Maersk Kensington",
    "CMA CGM Tage",
    "Ever Gentle",
    "Kota Lestari",
    "Safmarine Nokwanda",
)
AIRLINES = ("KQ", "EK", "ET", "QR", "TK", "CZ")
PLACES = {
    "sea": "container terminal",
    "air": "air cargo terminal",
    "road": "border post",
    "post": "postal sorting centre",
    "courier": "courier hub",
    "rail": "rail terminal",
}
STANDALONE_MODE = {
    "concealed in truck": "road",
    "undeclared goods in vehicle": "road",
    "false compartment in fuel tank": "road",
    "passenger baggage": "air",
    "body concealment": "air",
    "postal parcel": "post",
}
STANDALONE_DETECTION = ("sniffer dog", "X-ray scan", "intelligence", "random check", "passenger profiling")
#: CEN category of a commodity by its HS code's first digits (longest prefix first); anything else: revenue.
CATEGORY_BY_HS = (
    ("2939", "drugs"),
    ("2915", "drugs"),  # precursors
    ("1211", "drugs"),
    ("2402", "tobacco"),
    ("24", "tobacco"),
    ("22", "alcohol"),
    ("30", "medicines"),
    ("0507", "cites"),
    ("93", "weapons"),
)
LEGAL_FORM_SWAPS = (
    (r"\bLimited\b", "Ltd"),
    (r"\bLtd\b\.?", "Limited"),
    (r"\bCo\. Ltd\b", "Company Limited"),
    (r"\bEnterprises\b", "Enterprise"),
    (r"\bLLC\b", "L.L.C."),
    (r"\bSARL\b", "S.A.R.L."),
    (r"\bGmbH\b", "G.m.b.H."),
    (r"\bPvt Ltd\b", "Private Limited"),
    (r"\bInc\.", "Incorporated"),
    (r"\bCo\., Ltd\.", "Company Limited"),
    (r"&", "and"),
)
ACCENTS = str.maketrans({"e": "é", "a": "à", "o": "ö", "u": "ü", "c": "ç"})


@dataclass(frozen=True)
class Identities:
    """What this module adds to the world: the parties with contacts and aliases, the seizures with
    their CEN fields, the persons and companies of each seizure, and the truth."""

    parties: pa.Table
    seizures: pa.Table
    seizure_parties: pa.Table
    truth: dict


def spelling_variant(rng: np.random.Generator, name: str) -> str:
    """The name as another clerk or officer writes it: a legal form spelt out or cut, case, punctuation,
    an accent, a typo (one kind of change each time, sometimes two)."""
    out = name
    for _ in range(1 + int(rng.random() < 0.3)):
        kind = int(rng.integers(0, 6))
        if kind == 0:
            for pattern, repl in LEGAL_FORM_SWAPS:
                if re.search(pattern, out):
                    out = re.sub(pattern, repl, out, count=1)
                    break
            else:
                out = out + " Ltd"
        elif kind == 1:
            out = out.upper()
        elif kind == 2:
            out = out.replace(".", "").replace(",", "").replace("(", "").replace(")", "")
        elif kind == 3 and len(out) > 4:
            i = int(rng.integers(1, len(out) - 1))
            out = out[:i] + out[i + 1] + out[i] + out[i + 2 :]  # two letters swapped
        elif kind == 4:
            out = out.translate(ACCENTS) if rng.random() < 0.5 else out.replace("a", "à", 1)
        else:
            i = int(rng.integers(1, max(2, len(out) - 1)))
            out = out[:i] + out[i + 1 :]  # a letter dropped
    return re.sub(r"\s+", " ", out).strip()


def _address_variant(rng: np.random.Generator, address: str) -> str:
    swaps = (("Road", "Rd"), ("Street", "St."), ("Avenue", "Ave"), (", ", " "))
    for long, short in swaps:
        if long in address and rng.random() < 0.7:
            return address.replace(long, short, 1)
    return address.upper()


def _phone(rng: np.random.Generator, country: str) -> str:
    code = CALLING_CODES.get(country, "9" + str(int(rng.integers(10, 99))))
    digits = "".join(str(d) for d in rng.integers(0, 10, 9))
    return f"+{code} {digits[:3]} {digits[3:6]} {digits[6:]}"


def _phone_variant(rng: np.random.Generator, phone: str, country: str) -> str:
    """The same number as people write it: with or without the calling code, spaces or dashes."""
    digits = phone.split(" ", 1)[1].replace(" ", "")
    form = int(rng.integers(0, 3))
    if form == 0:
        return "0" + digits
    if form == 1:
        return f"00{CALLING_CODES.get(country, '')}{digits}"
    return f"+{phone[1:].split(' ')[0]}-{digits[:3]}-{digits[3:]}"


def _email(name: str, n: int) -> str:
    slug = re.sub(r"[^a-z]+", "", name.lower().split(" ")[0]) or "trade"
    return f"info@{slug}{n % 97}.example"


def _person(rng: np.random.Generator) -> str:
    return f"{FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))]} {LAST_NAMES[int(rng.integers(0, len(LAST_NAMES)))]}"


def plant_identities(
    seed: int,
    cal: Calendar,
    reporter: str,
    parties: pa.Table,
    seizures: pa.Table,
    declarations: pa.Table,
    inspections: pa.Table,
    *,
    high_risk_importers: list[str],
    network_importers: list[str],
    risky_brokers: list[str],
) -> Identities:
    """Contacts and planted identity cases for ``parties``; the CEN fields of ``seizures`` (the
    columns the enforcement step draws, in canonical order); and ``seizure_parties``."""
    rng = np.random.default_rng([seed, 5_171])
    rows = parties.to_pylist()
    by_id = {r["party_id"]: r for r in rows}
    for n, r in enumerate(rows):
        r["phone"] = _phone(rng, r["country"]) if rng.random() < 0.85 else None
        r["email"] = _email(r["name"], n) if rng.random() < 0.6 else None
    entity = {r["party_id"]: r["party_id"] for r in rows}  # record -> true entity (its first id)
    importers = [r["party_id"] for r in rows if r["role"] == "importer"]
    next_no = len(importers) + 1

    def alias_of(original: dict, name: str, registered: date | None, *, keep_address: float) -> dict:
        nonlocal next_no
        new_id = f"IM{next_no:06d}"
        next_no += 1
        alias = {
            **original,
            "party_id": new_id,
            "name": name,
            "address": original["address"]
            if rng.random() < keep_address
            else _address_variant(rng, original["address"]),
            "aeo_status": False,
            "registered_on": registered,
            "phone": original["phone"] if rng.random() < 0.8 else None,
            "email": original["email"] if rng.random() < 0.5 else None,
        }
        entity[new_id] = entity[original["party_id"]]
        by_id[new_id] = alias
        return alias

    # one company, several trader ids
    ring_pool = set(network_importers)
    candidates = [p for p in importers if p not in ring_pool]
    multi = _pick(rng, candidates, max(4, round(MULTI_ID_SHARE * len(importers))))
    aliases: dict[str, list[str]] = {}
    new_rows: list[dict] = []
    for pid in multi:
        for _ in range(1 + int(rng.random() < 0.3)):
            o = by_id[pid]
            a = alias_of(o, spelling_variant(rng, o["name"]), o["registered_on"], keep_address=0.6)
            new_rows.append(a)
            aliases.setdefault(pid, []).append(a["party_id"])
    # phoenix companies: a risky importer closes and re-registers, same people, phone and premises
    risky = [p for p in high_risk_importers if p not in aliases]
    phoenix = _pick(rng, risky, max(3, round(PHOENIX_SHARE * len(risky))))
    phoenix_of: dict[str, str] = {}
    for pid in phoenix:
        o = by_id[pid]
        words = o["name"].split(" ")
        reborn = (
            " ".join(["New", *words]) if rng.random() < 0.5 else " ".join([*words[:-1], "(2024)", words[-1]])
        )
        when = cal.start + timedelta(days=int(cal.days * rng.uniform(0.3, 0.9)))
        a = alias_of(o, reborn, when, keep_address=0.5)
        new_rows.append(a)
        phoenix_of[pid] = a["party_id"]
    # a ring fronted by one broker: the importers give the broker's phone, e-mail and building
    ring: dict[str, object] = {}
    pool = list(dict.fromkeys([*network_importers, *high_risk_importers]))  # the network first
    members = [p for p in pool if p not in aliases and p not in phoenix_of][:RING_SIZE]
    if risky_brokers and len(members) >= 2:
        broker = by_id[risky_brokers[0]]
        if broker["phone"] is None:
            broker["phone"] = _phone(rng, broker["country"])
        for k, pid in enumerate(members, start=1):
            by_id[pid]["phone"] = broker["phone"]
            by_id[pid]["email"] = broker["email"]
            by_id[pid]["address"] = f"Suite {k}, {broker['address']}"
        ring = {"broker": broker["party_id"], "importers": members}
    rows.extend(new_rows)

    seizures_full, seizure_parties, seizure_records = _seizure_records(
        rng, cal.start, reporter, seizures, declarations, inspections, by_id, aliases, phoenix_of, entity
    )
    groups: dict[str, list[str]] = {}
    for record, ent in [*((f"party:{k}", v) for k, v in entity.items()), *seizure_records.items()]:
        groups.setdefault(ent, []).append(record)
    truth = {
        "entities": sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0]),
        "multi_id": {k: v for k, v in sorted(aliases.items())},
        "phoenix": dict(sorted(phoenix_of.items())),
        "shared_broker_ring": ring,
        "note": "records are party:<party_id> and seizure:<seizure_id>:<party_no>; a record in no group is an "
        "entity on its own",
    }
    party_names = [f.name for f in PARTIES.fields if not f.derived]
    return Identities(
        parties=_typed(PARTIES, {n: [r[n] for r in rows] for n in party_names}),
        seizures=seizures_full,
        seizure_parties=seizure_parties,
        truth=truth,
    )


def _seizure_records(
    rng: np.random.Generator,
    start: date,
    reporter: str,
    seizures: pa.Table,
    declarations: pa.Table,
    inspections: pa.Table,
    by_id: dict[str, dict],
    aliases: dict[str, list[str]],
    phoenix_of: dict[str, str],
    entity: dict[str, str],
) -> tuple[pa.Table, pa.Table, dict[str, str]]:
    decl = declarations.select(["declaration_id", "mode_of_transport", "seller_id"]).to_pylist()
    first_item: dict[str, dict] = {}
    for d in decl:
        first_item.setdefault(d["declaration_id"], d)
    method = {
        r["declaration_id"]: r["method"] for r in inspections.select(["declaration_id", "method"]).to_pylist()
    }
    sz = seizures.to_pylist()
    extra: dict[str, list] = {k: [] for k in ("place", "mode_of_transport", "conveyance", "commodity_category",
                                               "detection_method", "country_of_origin", "country_of_departure",
                                               "country_of_destination")}  # fmt: skip
    sp: list[dict] = []
    records: dict[str, str] = {}
    couriers = [(_person(rng), f"P{int(rng.integers(1_000_000, 9_999_999))}") for _ in range(3)]
    for s in sz:
        d = first_item.get(s["declaration_id"]) if s["declaration_id"] else None
        route = (s["route"] or reporter).split(">")
        if d is not None:
            mode = d["mode_of_transport"] or "sea"
            detection = f"{method.get(s['declaration_id']) or 'physical'} inspection after risk selection"
        elif s["seized_on"] < start or s["concealment"] not in STANDALONE_MODE:
            mode, detection = "sea", "post-clearance audit"
        else:
            mode = STANDALONE_MODE[s["concealment"]]
            detection = STANDALONE_DETECTION[int(rng.integers(0, len(STANDALONE_DETECTION)))]
        extra["mode_of_transport"].append(mode)
        extra["place"].append(PLACES.get(mode, "customs office"))
        extra["conveyance"].append(_conveyance(rng, mode, route[0]))
        hs = s["hs_code"] or ""
        extra["commodity_category"].append(
            next((c for p, c in CATEGORY_BY_HS if hs.startswith(p)), "revenue")
        )
        extra["detection_method"].append(detection)
        extra["country_of_origin"].append(route[0])
        extra["country_of_departure"].append(route[-2] if len(route) > 1 else route[0])
        extra["country_of_destination"].append(route[-1])

        named: list[tuple[str, str, str | None, dict]] = []  # role, kind, true entity, fields

        def add(role: str, kind: str, truth: str | None, named: list = named, **fields: object) -> None:
            named.append((role, kind, truth, fields))

        linked = [p for p in (s["party_ids"] or "").split(";") if p]
        for pid in linked:
            p = by_id[pid]
            role = ("importer" if d is not None else "owner") if p["role"] == "importer" else p["role"]
            shown = pid
            if pid in aliases and rng.random() < 0.5:
                shown = aliases[pid][0]  # the trader under its other id
            elif pid in phoenix_of and s["seized_on"] >= by_id[phoenix_of[pid]]["registered_on"]:
                shown = phoenix_of[pid]
            u = rng.random()
            name = p["name"] if u < 0.4 else spelling_variant(rng, p["name"])
            add(
                role,
                "company",
                entity[pid],
                name=name,
                address=p["address"] if rng.random() < 0.5 else None,
                country=p["country"],
                identifier=shown if u < 0.7 else None,  # else: by name only
                identifier_type="trader_id" if u < 0.7 else None,
                phone=_phone_variant(rng, p["phone"], p["country"])
                if p["phone"] and rng.random() < 0.4
                else None,
                email=None,
            )
        if d is not None and d["seller_id"] in by_id:
            seller = by_id[d["seller_id"]]
            add(
                "consignor",
                "company",
                entity[seller["party_id"]],
                name=spelling_variant(rng, seller["name"]) if rng.random() < 0.5 else seller["name"],
                address=seller["address"] if rng.random() < 0.6 else None,
                country=seller["country"],
                identifier=None,
                identifier_type=None,
                phone=None,
                email=seller["email"] if rng.random() < 0.3 else None,
            )
        if d is None and mode in ("road", "air", "post"):
            role = {"road": "driver", "air": "passenger", "post": "sender"}[mode]
            if rng.random() < 0.15:  # a courier caught again
                k = int(rng.integers(0, len(couriers)))
                name, passport = couriers[k]
                truth = f"courier:{k}"
                name = spelling_variant(rng, name) if rng.random() < 0.5 else name
            else:
                name, passport, truth = _person(rng), f"P{int(rng.integers(1_000_000, 9_999_999))}", None
            add(
                role,
                "person",
                truth,
                name=name,
                address=None,
                country=route[0] if role == "sender" else reporter,
                identifier=passport,
                identifier_type="passport",
                phone=None,
                email=None,
            )
        for no, (role, kind, truth, fields) in enumerate(named, start=1):
            sp.append({"seizure_id": s["seizure_id"], "party_no": no, "role": role, "kind": kind, **fields})
            if truth is not None:
                records[f"seizure:{s['seizure_id']}:{no}"] = truth
    # a courier seen once is an entity on its own: only repeats are groups
    seen: dict[str, int] = {}
    for t in records.values():
        seen[t] = seen.get(t, 0) + 1
    records = {r: t for r, t in records.items() if not t.startswith("courier:") or seen[t] > 1}

    base = {name: seizures[name] for name in seizures.column_names}
    full = {**base, **{k: pa.array(v, pa.string()) for k, v in extra.items()}}
    seizures_full = pa.table({f.name: full[f.name] for f in SEIZURES.fields if not f.derived})
    names = [f.name for f in SEIZURE_PARTIES.fields if not f.derived]
    return seizures_full, _typed(SEIZURE_PARTIES, {n: [r[n] for r in sp] for n in names}), records


def _pick(rng: np.random.Generator, pool: list[str], n: int) -> list[str]:
    """``n`` distinct ids of ``pool`` (all of them when it is smaller), as plain strings."""
    return [str(x) for x in rng.choice(pool, size=min(n, len(pool)), replace=False)] if pool else []


def _conveyance(rng: np.random.Generator, mode: str, origin: str) -> str:
    if mode == "sea":
        return f"{VESSELS[int(rng.integers(0, len(VESSELS)))]} voyage {int(rng.integers(100, 999))}"
    if mode == "air":
        return f"flight {AIRLINES[int(rng.integers(0, len(AIRLINES)))]} {int(rng.integers(100, 999))}"
    if mode == "post":
        return f"RR{int(rng.integers(100_000_000, 999_999_999))}{origin}"
    letters = "".join(chr(65 + int(i)) for i in rng.integers(0, 26, 3))
    return f"K{letters[:2]} {int(rng.integers(100, 999))}{letters[2]}"


def _typed(table_def, columns: dict[str, list]) -> pa.Table:
    schema = {
        "string": pa.string(),
        "int64": pa.int64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "float64": pa.float64(),
    }
    arrays = [pa.array(columns[n], schema[table_def.field(n).dtype]) for n in columns]
    return pa.table(arrays, names=list(columns))


__all__ = ["Identities", "plant_identities", "spelling_variant"]
