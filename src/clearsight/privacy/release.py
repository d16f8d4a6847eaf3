"""Build an anonymised transaction-level release of the declarations.

The plan is checked before any data is read (profile, k, quasi-identifiers, recipient key); the k
search and the final selection are Ibis expressions over the warehouse; pseudonyms are computed on the
small set of distinct identifiers; files are written into a hidden temporary folder next to the target
and moved into place only when every file is complete, so a failed run leaves no partial release.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse
from clearsight.privacy import keys
from clearsight.privacy.hierarchy import DROPPED, IDENTIFIERS, LADDERS, MISSING
from clearsight.privacy.kanon import OUTCOME, SearchResult, class_table, failing, generalise, search
from clearsight.privacy.profiles import PROFILES, Profile
from clearsight.privacy.risk import DisclosureRisk, assess
from clearsight.schema import get_table

RELEASABLE_TABLES = ("declarations",)
#: Inspection outcome columns a research release carries (the labels), and how.
LABELS = ("inspected", "result", "fraud_type", "additional_revenue")


@dataclass
class ReleaseOptions:
    """What the user asked for (CLI options), before checking."""

    table: str = "declarations"
    profile: str = "research"
    k: int | None = None
    quasi_identifiers: list[str] | None = None
    recipient: str | None = None
    new_key: bool = False
    l_diversity: int | None = None
    max_suppression: float = 0.5
    out: Path | None = None
    overwrite: bool = False
    utility: bool = True


@dataclass
class Plan:
    """A checked release plan: every name known, every level an index."""

    profile: Profile
    k: int
    l_diversity: int | None
    start: dict[str, int]
    highest: dict[str, int]
    attributes: dict[str, int]
    recipient: str | None
    max_suppression: float


@dataclass
class ReleaseResult:
    path: Path
    name: str
    manifest: dict
    risk: DisclosureRisk
    risk_before: DisclosureRisk
    search: SearchResult
    utility: dict = field(default_factory=dict)


def make_plan(options: ReleaseOptions) -> Plan:
    """Check the options (one-line UserError for each mistake) and resolve levels to indices."""
    if options.table not in RELEASABLE_TABLES:
        raise UserError(
            f"--table {options.table!r} cannot be released yet; releasable: {', '.join(RELEASABLE_TABLES)}"
        )
    if options.profile not in PROFILES:
        raise UserError(f"unknown --profile {options.profile!r}; known profiles: {', '.join(PROFILES)}")
    profile = PROFILES[options.profile]
    k = profile.k if options.k is None else options.k
    if k < 2:
        raise UserError(f"--k must be at least 2 (k = {k} protects nobody: every record is its own class)")
    if options.l_diversity is not None:
        if not profile.labels:
            raise UserError(
                f"--l-diversity needs inspection results, which the {profile.name} profile does not release"
            )
        if not 2 <= options.l_diversity <= 4:
            raise UserError(
                "--l-diversity must be 2, 3 or 4 (outcomes: not inspected, compliant, fraud, critical)"
            )
    if not 0 <= options.max_suppression <= 1:
        raise UserError("--max-suppression must be a share between 0 and 1")
    qis = options.quasi_identifiers if options.quasi_identifiers else list(profile.quasi_identifiers)
    allowed = sorted(LADDERS)
    for name in qis:
        if name in IDENTIFIERS:
            raise UserError(f"{name} is an identifier (pseudonymised or dropped), not a quasi-identifier")
        if name not in LADDERS:
            raise UserError(f"unknown quasi-identifier {name!r}; choose from: {', '.join(allowed)}")
    if len(set(qis)) != len(qis):
        raise UserError("a quasi-identifier is named twice in --quasi-identifiers")
    start, highest = {}, {}
    for name in qis:
        lo, hi = profile.levels_for(name)
        start[name] = LADDERS[name].names.index(lo)
        highest[name] = max(start[name], LADDERS[name].names.index(hi))
    attributes = {
        name: LADDERS[name].names.index(level)
        for name, level in profile.attributes.items()
        if name not in start
    }
    recipient = None
    if profile.pseudonymise:
        if not options.recipient:
            raise UserError("a research release needs --recipient NAME (pseudonyms are keyed per recipient)")
        recipient = keys.check_recipient(options.recipient)
    return Plan(
        profile, k, options.l_diversity, start, highest, attributes, recipient, options.max_suppression
    )


def source_table(warehouse: Warehouse) -> ir.Table:
    """Declarations with their inspection outcome (left join: most items were never inspected)."""
    d = warehouse.table("declarations")
    i = warehouse.table("inspections")
    i = i.select(
        i.declaration_id,
        i.item_no,
        result=i.result,
        fraud_type=i.fraud_type,
        additional_revenue=i.additional_revenue,
    )
    # one outcome per item even if an item was inspected twice: keep the worst (critical > fraud > compliant)
    rank = i.result.cases(("critical", 3), ("fraud", 2), else_=1)
    i = i.mutate(_rank=rank)
    best = i.group_by(["declaration_id", "item_no"]).aggregate(_top=i._rank.max())
    i = i.join(best, ["declaration_id", "item_no"]).filter(lambda t: t._rank == t._top).drop("_rank", "_top")
    i = i.distinct(on=["declaration_id", "item_no"], keep="first")
    joined = d.left_join(i, ["declaration_id", "item_no"]).select(
        *d.columns, "result", "fraud_type", "additional_revenue"
    )
    return joined.mutate(**{OUTCOME: joined.result.fill_null("not inspected")})


def _attribute(source: ir.Table, name: str, level: int) -> ir.Value:
    """A released non-quasi-identifier column: raw type at level 0, numbers stay numbers."""
    ladder = LADDERS[name]
    if level == 0 and ladder.names[0] == "value":
        return source[name]
    if ladder.names[level] == "2 significant figures":
        return ladder.levels[level](source[name]).cast("float64")
    return ladder.levels[level](source[name])


def _round2(value: ir.NumericValue) -> ir.NumericValue:
    return LADDERS["customs_value"].levels[0](value).cast("float64")


def release_expression(
    source: ir.Table, plan: Plan, levels: dict[str, int]
) -> tuple[ir.Table, ir.Table, list[str]]:
    """(rows to release, before pseudonyms; the class table; the quasi-identifier columns)."""
    qis = list(levels)
    g = generalise(source, levels)
    classes = class_table(g, qis, plan.l_diversity)
    passing = classes.filter(~failing(classes, plan.k, plan.l_diversity))
    kept = g.semi_join(passing, qis)
    cols: dict[str, ir.Value] = {}
    if plan.profile.pseudonymise:
        for name in IDENTIFIERS:
            cols[name] = kept[name]
        cols["item_no"] = kept.item_no
    for name in qis:
        cols[name] = kept[name]
    for name, level in plan.attributes.items():
        cols[name] = _attribute(kept, name, level)
    if plan.profile.labels:
        cols["inspected"] = kept.result.notnull()
        cols["result"] = kept.result
        cols["fraud_type"] = kept.fraud_type
        cols["additional_revenue"] = _round2(kept.additional_revenue)
    return kept.select(**cols), classes, qis


def _sizes(classes: ir.Table, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Sizes of the released classes (f) and of the same classes in the population (F)."""
    passing = classes.filter(~failing(classes, plan.k, plan.l_diversity))
    f = passing.n.to_pyarrow().to_numpy(zero_copy_only=False).astype(np.int64)
    # The release keeps whole classes of the source table, so each released class has F = f.
    return f, f.copy()


def _raw_sizes(source: ir.Table, qis: list[str]) -> np.ndarray:
    """Class sizes on the quasi-identifiers as stored (before any generalisation)."""
    g = generalise(source, dict.fromkeys(qis, 0))
    hist = g.group_by(qis).aggregate(n=g.count()).group_by("n").aggregate(c=lambda t: t.count()).to_pyarrow()
    return np.repeat(hist["n"].to_numpy(), hist["c"].to_numpy()).astype(np.int64)


def _pseudonymise(table: pa.Table, key: bytes) -> pa.Table:
    out = {}
    for name in table.column_names:
        if name in IDENTIFIERS:
            out[name.removesuffix("_id") + "_ref"] = keys.pseudonymise(table[name], key, IDENTIFIERS[name])
        else:
            out[name] = table[name]
    table = pa.table(out)
    return table.sort_by(
        [("lodged_at", "ascending"), ("declaration_ref", "ascending"), ("item_no", "ascending")]
    )


def _sorted_public(table: pa.Table) -> pa.Table:
    """Rows in an order that says nothing about the original order (every column, ascending)."""
    return table.sort_by([(c, "ascending") for c in table.column_names])


def data_dictionary(table: pa.Table, plan: Plan, levels: dict[str, int]) -> list[dict[str, str]]:
    """One row per released column: type, role, generalisation level and meaning."""
    schema = get_table("declarations")
    rows = []
    for name in table.column_names:
        base = name.removesuffix("_ref") + "_id" if name.endswith("_ref") else name
        if name.endswith("_ref"):
            role, level = "pseudonym", f"HMAC-SHA256 of {base} (recipient key), 16 hex characters"
        elif name in levels:
            role, level = "quasi-identifier", LADDERS[name].names[levels[name]]
        elif name in plan.attributes:
            role, level = "attribute", LADDERS[name].names[plan.attributes[name]]
        elif name in LABELS:
            role, level = (
                "inspection outcome",
                "2 significant figures" if name == "additional_revenue" else "value",
            )
        else:
            role, level = "attribute", "value"
        labels = {
            "inspected": "The item was inspected (it has an outcome)",
            "result": "Inspection result: compliant, fraud or critical (empty when not inspected)",
            "fraud_type": "Kind of offence found",
            "additional_revenue": "Additional duties and taxes recovered",
        }
        if name in labels:
            description = labels[name]
        else:
            try:
                description = schema.field(base).description
            except KeyError:
                description = ""
        if role == "quasi-identifier":
            shown = "as stored" if levels[name] == 0 else f"generalised to {level}"
            description += f"; {shown}; '{MISSING}' = missing, '*' = withheld"
        rows.append(
            {
                "column": name,
                "type": str(table.schema.field(name).type),
                "role": role,
                "level": level,
                "description": description,
            }
        )
    return rows


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _default_out(releases_dir: Path, plan: Plan, stamp: str) -> Path:
    """A new folder per release: two releases within the same second get ``-2``, ``-3``..."""
    who = plan.recipient or "public"
    base = releases_dir / f"declarations-{plan.profile.name}-{who}-{stamp}"
    out, n = base, 1
    while out.exists() and any(out.iterdir()):
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def build_release(
    warehouse: Warehouse,
    options: ReleaseOptions,
    secrets_dir: Path,
    releases_dir: Path,
    now: dt.datetime | None = None,
) -> ReleaseResult:
    """Check, search, suppress, pseudonymise, assess and write one release (all or nothing)."""
    plan = make_plan(options)
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    out = Path(options.out) if options.out else _default_out(releases_dir, plan, stamp)
    if out.exists() and any(out.iterdir()) and not options.overwrite:
        raise UserError(f"{out} already exists and is not empty: choose another --out or pass --overwrite")
    key, key_is_new = (
        keys.load_key(secrets_dir, plan.recipient, options.new_key) if plan.recipient else (None, False)
    )

    source = source_table(warehouse)
    result = search(
        source, plan.start, plan.highest, plan.k, plan.profile.target_suppression, plan.l_diversity
    )
    if not result.records:
        raise UserError(
            "the declarations table is empty: nothing to release (load data with `clearsight ingest`)"
        )
    if result.suppressed_share > plan.max_suppression:
        raise UserError(
            f"k={plan.k} needs suppressing {result.suppressed:,} of {result.records:,} rows "
            f"({result.suppressed_share:.0%}) even at the highest levels allowed "
            f"({', '.join(f'{c}: {v}' for c, v in result.level_names.items())}): no release written. "
            "Lower --k, choose fewer --quasi-identifiers, or raise --max-suppression to accept it"
        )
    expr, classes, qis = release_expression(source, plan, result.levels)
    released = expr.to_pyarrow()
    released = _pseudonymise(released, key) if key is not None else _sorted_public(released)
    f, F = _sizes(classes, plan)
    risk = assess(f, F, plan.k, plan.profile.max_marketer_risk)
    raw = _raw_sizes(source, qis)
    risk_before = assess(raw, raw, plan.k, plan.profile.max_marketer_risk)
    if risk.records != released.num_rows:  # the two counts come from different queries: they must agree
        raise RuntimeError(f"release has {released.num_rows} rows but its classes hold {risk.records}")

    utility: dict = {}
    if options.utility:
        from clearsight.privacy.utility import utility_report

        labelled = None
        if plan.profile.labels:  # the targeting use case needs the inspected items
            labelled = labelled_expression(source, plan, result.levels, classes).to_pyarrow()
        utility = utility_report(source, plan, result.levels, classes, labelled)

    name = out.name
    manifest = {
        "release": name,
        "table": options.table,
        "profile": plan.profile.name,
        "created_at": now.isoformat(timespec="seconds"),
        "recipient": plan.recipient,
        "key_fingerprint": keys.key_fingerprint(key) if key is not None else None,
        "k": plan.k,
        "l_diversity": plan.l_diversity,
        "quasi_identifiers": qis,
        "generalisation": result.level_names,
        "attributes": {c: LADDERS[c].names[i] for c, i in plan.attributes.items()},
        "pseudonymised": (
            {
                c.removesuffix("_id") + "_ref": f"HMAC-SHA256({c}), domain '{d}'"
                for c, d in IDENTIFIERS.items()
            }
            if key is not None
            else {}
        ),
        "dropped": {
            **({} if key is not None else {c: "identifier" for c in IDENTIFIERS} | {"item_no": "identifier"}),
            **{c: why for c, why in DROPPED.items()},
            **{
                c: "not in the profile"
                for c in get_table("declarations").field_names
                if c not in qis
                and c not in plan.attributes
                and c not in IDENTIFIERS
                and c not in DROPPED
                and c != "item_no"
            },
        },
        "rows": {
            "source": result.records,
            "released": released.num_rows,
            "suppressed": result.suppressed,
            "suppressed_share": result.suppressed_share,
        },
        "search": [{"levels": s.levels, "suppressed": s.suppressed} for s in result.steps],
        "rules": [
            "direct identifiers dropped (names and addresses are never read; goods descriptions dropped)",
            (
                f"identifiers pseudonymised with keyed HMAC-SHA256 (recipient {plan.recipient!r})"
                if key is not None
                else "identifiers dropped"
            ),
            "quasi-identifiers generalised along fixed ladders (greedy search within the profile's limits, "
            "buying the most suppression per cost)",
            f"records in classes of fewer than {plan.k} suppressed"
            + (
                f", and in classes with fewer than {plan.l_diversity} distinct outcomes"
                if plan.l_diversity
                else ""
            ),
            "rows sorted by released columns (original order not kept)",
        ],
        "source_batches": sorted(
            v
            for v in warehouse.table("declarations")
            .select("batch_id")
            .distinct()
            .batch_id.to_pyarrow()
            .to_pylist()
            if v
        ),
        "risk": risk.model_dump(),
        "risk_before": risk_before.model_dump(),
        "utility": utility,
        "files": {},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.partial-", dir=out.parent))
    try:
        pq.write_table(released, tmp / "declarations.parquet")
        pacsv.write_csv(released, tmp / "declarations.csv")
        dictionary = data_dictionary(released, plan, result.levels)
        pacsv.write_csv(pa.Table.from_pylist(dictionary), tmp / "data_dictionary.csv")
        for file in sorted(tmp.iterdir()):
            manifest["files"][file.name] = {"bytes": file.stat().st_size, "sha256": _sha256(file)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        if out.exists():
            old = out.with_name(f".{name}.old-{stamp}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if plan.recipient:
        if key_is_new:
            keys.save_key(secrets_dir, plan.recipient, key)
        keys.record_release(secrets_dir, plan.recipient, name)
    return ReleaseResult(out, name, manifest, risk, risk_before, result, utility)


def labelled_expression(source: ir.Table, plan: Plan, levels: dict[str, int], classes: ir.Table) -> ir.Table:
    """Inspected items with raw columns, released columns (prefixed ``rel_``) and whether they were released."""
    lab = source.filter(source.result.notnull())
    lab = lab.mutate(
        **{f"rel_{c}": LADDERS[c].apply(lab[c], lvl) for c, lvl in levels.items()},
        **{f"rel_{c}": _attribute(lab, c, lvl) for c, lvl in plan.attributes.items()},
    )
    bad = classes.filter(failing(classes, plan.k, plan.l_diversity)).select(
        *[classes[c].name(f"rel_{c}") for c in levels], _suppressed=ibis.literal(True)
    )
    joined = lab.left_join(bad, [f"rel_{c}" for c in levels])
    joined = joined.select([c for c in joined.columns if not c.endswith("_right")])
    items = source.group_by("declaration_id").aggregate(items_in_declaration=source.count())
    out = joined.mutate(released=~joined._suppressed.fill_null(False)).drop("_suppressed")
    out = out.join(items, "declaration_id")
    return out.select([c for c in out.columns if not c.endswith("_right")])
