"""The data-quality report: a typed result computed from a warehouse with Ibis expressions only.

Every figure is an Ibis aggregate executed at the edge (``to_pyarrow``), so the same code runs on
DuckDB and Spark; Python only reshapes the small, already-aggregated results. Medians and quartiles are
exact (``percentile_cont`` on DuckDB, ``percentile`` on Spark: both interpolate linearly), never the
approximate functions, so both engines give the same report. The report date is a parameter, never
"today" read inside, so a report is reproducible.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, Field

from clearsight.core.warehouse import Warehouse
from clearsight.schema import DATA_TABLES, get_table
from clearsight.schema.measures import (
    MAD_SCALE,
    in_force,
    is_priced,
    log_unit_value,
    robust_log_unit_values,
    robust_z,
)
from clearsight.schema.tables import Table

#: The field whose latest value says how fresh a table is.
DATE_FIELDS: dict[str, str] = {
    "declarations": "lodged_at",
    "inspections": "inspected_at",
    "events": "at",
    "trade_flows": "period",
    "seizures": "seized_on",
    "parties": "registered_on",
    "seizure_parties": "",  # no date of its own: its seizure has it
}

#: Robust z above which a unit value is an outlier (the MAD is scaled to a sigma by ``MAD_SCALE``).
OUTLIER_Z = 3.5
OUTLIER_RULE = (
    "Unit value = customs_value / net_mass_kg (items with net_mass_kg > 0 and customs_value > 0). "
    "Per HS6 subheading with at least {min_count} such items: robust z = |ln(uv) − median ln(uv)| / "
    f"({MAD_SCALE} × MAD), where MAD is the median absolute deviation of ln(uv) from its median. "
    "An item is an outlier when robust z > {threshold}. When MAD = 0 (more than half the items share "
    "one unit value) z is undefined and no item of that HS6 is counted as an outlier."
)
EMPTY_MESSAGE = "The warehouse holds no data yet: load files with `clearsight ingest`, then run this again."


class FieldQuality(BaseModel):
    """Completeness, validity and cardinality of one field of one table."""

    field: str
    kind: str
    required: bool
    non_null: int
    #: share of rows where the field is not null (None for an empty table)
    completeness: float | None
    #: a required field that is not 100 % complete
    incomplete_required: bool
    #: non-null values whose row carries a warning flag for this field
    flagged: int
    #: share of non-null values without a warning flag for this field
    validity: float | None
    #: enum fields: non-null values within the allowed values, and their share of non-null values
    allowed: int | None = None
    allowed_share: float | None = None
    distinct: int


class CodeCount(BaseModel):
    """Warnings of one code on one field."""

    field: str
    code: str
    rows: int


class PeriodCount(BaseModel):
    """Rows in one month (``YYYY-MM``), or one year for annual trade statistics (``YYYY``)."""

    period: str
    rows: int


class TableQuality(BaseModel):
    """Everything the report says about one data table."""

    table: str
    rows: int
    #: ingestion batches recorded for this table in ``ingest_batches``
    batches: int
    #: rows rejected into ``quarantine`` for this table
    quarantined: int
    key: list[str]
    #: key values that occur on more than one row
    duplicate_keys: int
    #: rows beyond the first of each key value (rows − distinct keys)
    duplicate_rows: int
    date_field: str
    #: latest value of the date field: ISO date or timestamp, or the period (YYYY / YYYYMM)
    latest: str | None
    #: days from the latest date (end of the period for trade statistics) to the report date
    days_since_latest: int | None
    #: rows carrying at least one warning flag
    rows_with_warnings: int
    fields: list[FieldQuality]
    warnings: list[CodeCount]
    rows_by_period: list[PeriodCount]


class QuarantineCount(BaseModel):
    """Quarantined rows of one table with one field at fault."""

    table: str
    field: str
    rows: int
    #: one reason text for this table and field (the smallest, so it is stable)
    example: str | None = None


class QuarantineSummary(BaseModel):
    total: int
    by_table: dict[str, int]
    #: a row with several fields at fault counts once for each field
    by_field: list[QuarantineCount]


class HS6UnitValues(BaseModel):
    """Unit-value distribution and outliers of one HS6 subheading (logs are natural logs)."""

    hs6: str
    items: int
    median_log_uv: float
    q1_log_uv: float
    q3_log_uv: float
    mad_log_uv: float
    #: exp(median ln uv), in national currency per kg
    median_unit_value: float
    outliers: int
    outlier_share: float


class UnitValueOutliers(BaseModel):
    rule: str
    min_count: int
    threshold: float
    #: items with a computable unit value in HS6 that have at least ``min_count`` of them
    items_assessed: int
    hs6_assessed: int
    outliers: int
    outlier_share: float | None
    #: HS6 with the highest outlier share (ties: more outliers first, then by code)
    top: list[HS6UnitValues]


class InspectionCoverage(BaseModel):
    """How many declared items have a control outcome: the only labelled ones."""

    items: int
    inspected_items: int
    share_inspected: float | None
    inspections: int
    #: inspections whose (declaration_id, item_no) matches no declaration item
    inspections_without_declaration: int
    results: dict[str, int]


class QualityReport(BaseModel):
    """The whole report; ``model_dump(mode="json")`` is its JSON form."""

    as_of: dt.date
    engine: str
    empty: bool
    message: str | None = None
    tables: list[TableQuality]
    batches: int
    quarantine: QuarantineSummary
    unit_values: UnitValueOutliers
    inspections: InspectionCoverage
    generated_by: str = Field(default="clearsight quality")

    def table(self, name: str) -> TableQuality:
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(name)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --- helpers -------------------------------------------------------------------------------------


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    """Execute at the edge: an aggregated expression to a list of plain dicts."""
    return expr.to_pyarrow().to_pylist()


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _clean_flags(col: ir.StringValue) -> ir.StringValue:
    """Flags without blanks; an empty string counts as no flag."""
    cleaned = col.replace(" ", "")
    return ibis.ifelse(cleaned == "", ibis.null("string"), cleaned)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def period_end(period: str) -> dt.date | None:
    """Last day covered by a trade-statistics period (``YYYY`` or ``YYYYMM``); None when malformed."""
    if not period.isdigit():
        return None
    if len(period) == 4:
        return dt.date(int(period), 12, 31)
    if len(period) == 6 and 1 <= int(period[4:]) <= 12:
        year, month = int(period[:4]), int(period[4:])
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return None


def _period_label(period: str) -> str:
    return f"{period[:4]}-{period[4:]}" if len(period) == 6 and period.isdigit() else period


# --- per table -----------------------------------------------------------------------------------


def _table_quality(
    wh: Warehouse, spec: Table, as_of: dt.date, batches: int, quarantined: int
) -> TableQuality:
    t = wh.table(spec.name)
    flags = _clean_flags(t.quality_flags)
    tagged = ibis.literal(",") + flags  # ",field:code,..." so that ",name:" matches whole field names
    date_field = DATE_FIELDS[spec.name]

    aggs: dict[str, ir.Scalar] = {
        "rows": t.count(),
        "rows_with_warnings": t.count(where=flags.notnull()),
    }
    if date_field and spec.field(date_field).kind != "period":
        aggs["latest"] = t[date_field].max()
    for i, f in enumerate(spec.fields):
        col = t[f.name]
        aggs[f"nn_{i}"] = col.count()
        aggs[f"distinct_{i}"] = col.nunique()
        aggs[f"flagged_{i}"] = col.count(where=tagged.contains(f",{f.name}:"))
        if f.values:
            aggs[f"allowed_{i}"] = col.count(where=col.isin(list(f.values)))
    stats = _rows(t.aggregate(**aggs))[0]
    rows = stats["rows"] or 0

    fields = []
    for i, f in enumerate(spec.fields):
        nn = stats[f"nn_{i}"] or 0
        flagged = stats[f"flagged_{i}"] or 0
        allowed = stats.get(f"allowed_{i}") if f.values else None
        completeness = _share(nn, rows)
        fields.append(
            FieldQuality(
                field=f.name,
                kind=f.kind,
                required=f.required,
                non_null=nn,
                completeness=completeness,
                incomplete_required=f.required and completeness is not None and nn < rows,
                flagged=flagged,
                validity=_share(nn - flagged, nn),
                allowed=(allowed or 0) if f.values else None,
                allowed_share=_share(allowed or 0, nn) if f.values else None,
                distinct=stats[f"distinct_{i}"] or 0,
            )
        )

    duplicate_keys = duplicate_rows = 0
    warnings: list[CodeCount] = []
    by_period: list[PeriodCount] = []
    latest: str | None = None
    days: int | None = None
    if rows:
        # A corrected inspection result is not a duplicate: its correction stands in its place.
        counted = in_force(t) if spec.name == "inspections" else t
        duplicate_keys, duplicate_rows = _duplicates(counted, list(spec.key))
        if stats["rows_with_warnings"]:
            warnings = _warnings(t)
    if rows and date_field:
        by_period = _rows_by_period(t, date_field, spec.field(date_field).kind)
        if spec.field(date_field).kind == "period":
            ends = [(period_end(p.period.replace("-", "")), p.period) for p in by_period]
            ends = [(end, label) for end, label in ends if end is not None]
            if ends:
                end, label = max(ends)
                latest, days = label.replace("-", ""), (as_of - end).days
        else:
            latest = _iso(stats["latest"])
            latest_date = _as_date(stats["latest"])
            days = (as_of - latest_date).days if latest_date else None

    return TableQuality(
        table=spec.name,
        rows=rows,
        batches=batches,
        quarantined=quarantined,
        key=list(spec.key),
        duplicate_keys=duplicate_keys,
        duplicate_rows=duplicate_rows,
        date_field=date_field,
        latest=latest,
        days_since_latest=days,
        rows_with_warnings=stats["rows_with_warnings"] or 0,
        fields=fields,
        warnings=warnings,
        rows_by_period=by_period,
    )


def _duplicates(t: ir.Table, key: list[str]) -> tuple[int, int]:
    """(key values on more than one row, rows beyond the first of each key value)."""
    if not key:
        return 0, 0
    groups = t.group_by(key).aggregate(n=t.count())
    dup = groups.filter(groups.n > 1)
    out = _rows(dup.aggregate(keys=dup.count(), extra=(dup.n - 1).sum()))[0]
    return out["keys"] or 0, out["extra"] or 0


def _warnings(t: ir.Table) -> list[CodeCount]:
    """Counts of ``field:code`` entries in ``quality_flags`` (an entry without ``:`` has code '')."""
    entries = t.select(entry=_clean_flags(t.quality_flags).split(",").unnest())
    entries = entries.filter(entries.entry.notnull() & (entries.entry != ""))
    parts = entries.entry.split(":")
    pairs = entries.select(field=parts[0], code=ibis.ifelse(parts.length() > 1, parts[1], ""))
    counted = pairs.group_by(["field", "code"]).aggregate(rows=pairs.count())
    out = [CodeCount(**r) for r in _rows(counted)]
    return sorted(out, key=lambda c: (-c.rows, c.field, c.code))


def _rows_by_period(t: ir.Table, date_field: str, kind: str) -> list[PeriodCount]:
    dated = t.filter(t[date_field].notnull())
    col = dated[date_field]
    if kind == "period":
        counted = dated.group_by(period=col).aggregate(rows=dated.count())
        totals: dict[str, int] = {}
        for r in _rows(counted):
            label = _period_label(r["period"])
            totals[label] = totals.get(label, 0) + r["rows"]
        return [PeriodCount(period=p, rows=n) for p, n in sorted(totals.items())]
    counted = dated.group_by(year=col.year(), month=col.month()).aggregate(rows=dated.count())
    out = [PeriodCount(period=f"{r['year']:04d}-{r['month']:02d}", rows=r["rows"]) for r in _rows(counted)]
    return sorted(out, key=lambda p: p.period)


# --- lineage -------------------------------------------------------------------------------------


def reason_for(field: str, reasons: str | None) -> str | None:
    """The part of a '; '-separated reasons text about ``field`` (reasons read ``field ...: why``)."""
    if not reasons:
        return reasons
    for part in reasons.split("; "):
        head = part.split(":", 1)[0]
        if field in re.split(r"[\s,()]+", head):
            return part
    return reasons


def _batches_by_table(wh: Warehouse) -> dict[str, int]:
    b = wh.table("ingest_batches")
    return {r["table_name"]: r["n"] for r in _rows(b.group_by("table_name").aggregate(n=b.count()))}


def _quarantine(wh: Warehouse) -> QuarantineSummary:
    q = wh.table("quarantine")
    by_table = {
        r["table_name"]: r["n"]
        for r in _rows(q.group_by("table_name").aggregate(n=q.count()))
        if r["table_name"] is not None
    }
    by_field: list[QuarantineCount] = []
    if by_table:
        exploded = q.select("table_name", "reasons", field=q.fields.split(",").unnest())
        exploded = exploded.mutate(field=exploded.field.strip())
        exploded = exploded.filter(exploded.field != "")
        counted = exploded.group_by(["table_name", "field"]).aggregate(
            rows=exploded.count(), example=exploded.reasons.min()
        )
        by_field = [
            QuarantineCount(
                table=r["table_name"],
                field=r["field"],
                rows=r["rows"],
                example=reason_for(r["field"], r["example"]),
            )
            for r in _rows(counted)
        ]
        by_field.sort(key=lambda c: (c.table, -c.rows, c.field))
    return QuarantineSummary(
        total=sum(by_table.values()), by_table=dict(sorted(by_table.items())), by_field=by_field
    )


# --- declarations: unit values and inspections -----------------------------------------------------


def unit_value_outliers(
    wh: Warehouse, min_count: int = 20, threshold: float = OUTLIER_Z, top: int = 20
) -> UnitValueOutliers:
    """Robust z-scores of log unit values per HS6 (see ``OUTLIER_RULE``)."""
    d = wh.table("declarations")
    hs6 = ibis.coalesce(d.hs6, d.hs_code.substr(0, 6))
    items = d.filter(is_priced(d), hs6.notnull()).select(hs6=hs6, log_uv=log_unit_value(d))
    stats = robust_log_unit_values(items, ["hs6"], min_count=min_count, quartiles=True).rename(
        median="median_log_unit_value",
        q1="q1_log_unit_value",
        q3="q3_log_unit_value",
        mad="mad_log_unit_value",
    )
    scored = items.join(stats, "hs6")
    # Guarded explicitly: x / 0 is +inf on DuckDB but NULL on Spark.
    scored = scored.mutate(
        outlier=(robust_z(scored.log_uv, scored.median, scored.mad).abs() > threshold).fill_null(False)
    )
    per_hs6 = scored.group_by(["hs6", "items", "median", "q1", "q3", "mad"]).aggregate(
        outliers=scored.count(where=scored.outlier)
    )
    # One row per HS6 subheading: bounded by the nomenclature (about 5,600), so sorted here.
    groups = [
        HS6UnitValues(
            hs6=r["hs6"],
            items=r["items"],
            median_log_uv=r["median"],
            q1_log_uv=r["q1"],
            q3_log_uv=r["q3"],
            mad_log_uv=r["mad"],
            median_unit_value=math.exp(r["median"]),
            outliers=r["outliers"],
            outlier_share=r["outliers"] / r["items"],
        )
        for r in _rows(per_hs6)
    ]
    groups.sort(key=lambda g: (-g.outlier_share, -g.outliers, g.hs6))
    assessed = sum(g.items for g in groups)
    outliers = sum(g.outliers for g in groups)
    return UnitValueOutliers(
        rule=OUTLIER_RULE.format(min_count=min_count, threshold=threshold),
        min_count=min_count,
        threshold=threshold,
        items_assessed=assessed,
        hs6_assessed=len(groups),
        outliers=outliers,
        outlier_share=_share(outliers, assessed),
        top=groups[:top],
    )


def inspection_coverage(wh: Warehouse) -> InspectionCoverage:
    """Share of declared items with an inspection row (joined on declaration_id, item_no)."""
    key = ["declaration_id", "item_no"]
    d = wh.table("declarations")
    i = wh.table("inspections")
    inspected_keys = i.select(*key).distinct().mutate(hit=ibis.literal(1))
    joined = d.select(*key).left_join(inspected_keys, key)
    cover = _rows(joined.aggregate(items=joined.count(), inspected=joined.hit.count()))[0]
    counts = _rows(i.group_by("result").aggregate(n=i.count()))
    orphan_count = 0
    if counts:
        orphans = i.anti_join(d, key)
        orphan_count = _rows(orphans.aggregate(n=orphans.count()))[0]["n"]
    items = cover["items"] or 0
    inspected = cover["inspected"] or 0
    results = {r["result"] if r["result"] is not None else "(none)": r["n"] for r in counts}
    return InspectionCoverage(
        items=items,
        inspected_items=inspected,
        share_inspected=_share(inspected, items),
        inspections=sum(results.values()),
        inspections_without_declaration=orphan_count or 0,
        results=dict(sorted(results.items())),
    )


# --- the report ----------------------------------------------------------------------------------


def build_report(
    wh: Warehouse,
    as_of: dt.date,
    *,
    min_count: int = 20,
    threshold: float = OUTLIER_Z,
    top: int = 20,
) -> QualityReport:
    """Compute the data-quality report of ``wh`` as of ``as_of`` (freshness is counted to that date)."""
    batches = _batches_by_table(wh)
    quarantine = _quarantine(wh)
    tables = [
        _table_quality(wh, get_table(name), as_of, batches.get(name, 0), quarantine.by_table.get(name, 0))
        for name in DATA_TABLES
    ]
    has_declarations = tables[DATA_TABLES.index("declarations")].rows > 0
    unit_values = (
        unit_value_outliers(wh, min_count=min_count, threshold=threshold, top=top)
        if has_declarations
        else UnitValueOutliers(
            rule=OUTLIER_RULE.format(min_count=min_count, threshold=threshold),
            min_count=min_count,
            threshold=threshold,
            items_assessed=0,
            hs6_assessed=0,
            outliers=0,
            outlier_share=None,
            top=[],
        )
    )
    empty = all(t.rows == 0 for t in tables) and quarantine.total == 0 and not batches
    return QualityReport(
        as_of=as_of,
        engine=wh.kind,
        empty=empty,
        message=EMPTY_MESSAGE if empty else None,
        tables=tables,
        batches=sum(batches.values()),
        quarantine=quarantine,
        unit_values=unit_values,
        inspections=inspection_coverage(wh),
    )
