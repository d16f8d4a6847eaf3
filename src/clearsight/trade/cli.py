"""``clearsight mirror`` and ``clearsight valuation reference|flags``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, group, open_warehouse, workspace_of
from clearsight.console import console, err_console, fail
from clearsight.core.errors import UserError

if TYPE_CHECKING:  # imported when a command runs, not at CLI start-up
    from clearsight.core.warehouse import Warehouse
    from clearsight.trade.report import MirrorReport


def parse_mode_factors(items: list[str]) -> dict[str, float]:
    """``sea=1.08`` pairs -> {mode: factor}; a one-line error for anything else."""
    from clearsight.schema.tables import MODES

    out: dict[str, float] = {}
    for item in items:
        mode, sep, value = item.partition("=")
        try:
            factor = float(value)
        except ValueError:
            factor = None
        if not sep or mode not in MODES or factor is None:
            raise UserError(
                f"--mode-factor expects MODE=FACTOR with MODE one of {', '.join(MODES)}, not {item!r}"
            )
        out[mode] = factor
    return out


def _print_mirror(report: MirrorReport) -> None:
    from clearsight.trade.html import money, ratio

    revenue = "not estimated" if report.revenue_at_risk is None else money(report.revenue_at_risk)
    console.print(
        f"{report.pairs:,} pairs compared (HS{report.hs_level}, by {report.period_level}); median ratio "
        f"imports FOB / mirror exports {ratio(report.median_ratio, 3)}; {report.flagged:,} gaps flagged; "
        f"revenue at risk {revenue}",
        highlight=False,
    )
    console.print(
        "patterns: " + ", ".join(f"{p} {n:,}" for p, n in report.patterns.items() if n), highlight=False
    )
    if report.partners_not_reporting:
        console.print(f"partners reporting no exports: {', '.join(report.partners_not_reporting)}")
    console.print(f"largest gaps (by |robust z|): {report.ranking}", highlight=False, soft_wrap=True)
    grid = RichTable()
    for col in ("period", "reporter ← partner", "HS", "imports", "mirror", "z", "pattern", "at risk"):
        left = col in ("period", "reporter ← partner", "HS", "pattern")
        grid.add_column(col, justify="left" if left else "right", no_wrap=True)
    for r in report.rows:
        grid.add_row(
            r.period,
            f"{r.reporter} ← {r.partner}",
            r.hs_code,
            money(r.import_value),
            money(r.mirror_export_value),
            ratio(r.robust_z, 1),
            r.pattern,
            "not estimated" if r.revenue_at_risk is None else money(r.revenue_at_risk),
        )
    console.print(grid)
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)


@command
def mirror(
    ctx: typer.Context,
    reporter: Annotated[
        str | None,
        typer.Option(
            "--reporter",
            help="Reporter: ISO alpha-2 or alpha-3 code, numeric code or name; all reporters when omitted.",
        ),
    ] = None,
    hs_level: Annotated[int, typer.Option("--hs-level", help="Compare at 2, 4 or 6 digits.")] = 6,
    year_from: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    period: Annotated[str, typer.Option("--period", help="year or month.")] = "year",
    source: Annotated[
        str,
        typer.Option(
            "--source", help="Import side: trade_flows (statistics, flow M) or declarations (your own)."
        ),
    ] = "trade_flows",
    partner_field: Annotated[
        str,
        typer.Option("--by", help="With --source declarations: partner is the origin or export country."),
    ] = "origin",
    usd_rate: Annotated[
        float | None,
        typer.Option(
            "--usd-rate",
            help="With --source declarations: national currency per USD (default: estimated from USD invoices).",
        ),
    ] = None,
    cif_fob: Annotated[
        float, typer.Option("--cif-fob", help="CIF/FOB factor where the mode is unknown.")
    ] = 1.10,
    mode_factor: Annotated[
        list[str] | None,
        typer.Option("--mode-factor", help="CIF/FOB factor of a mode, e.g. sea=1.08 (repeatable)."),
    ] = None,
    no_mode_factors: Annotated[
        bool, typer.Option("--no-mode-factors", help="One factor (--cif-fob) for every mode.")
    ] = False,
    duty_rate: Annotated[
        float | None,
        typer.Option("--duty-rate", help="Duty rate (percent) where declarations give none for a product."),
    ] = None,
    z: Annotated[float, typer.Option("--z", help="|robust z| above which a gap is flagged.")] = 3.5,
    min_value: Annotated[
        float,
        typer.Option(
            "--min-value",
            min=0,
            help="Rank gaps only where the larger side reaches this many USD (0: every pair).",
        ),
    ] = 10_000,
    min_pairs: Annotated[
        int, typer.Option("--min-pairs", min=2, help="Pairs a product needs for its own median and MAD.")
    ] = 5,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Rows listed (largest |robust z| first).")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML report path (default: <home>/reports/mirror.html)."),
    ] = None,
) -> None:
    """Mirror analysis: imports against partners' exports, per product and period."""
    from clearsight.trade.html import write_html
    from clearsight.trade.mirror import MODE_CIF_FOB, MirrorSettings
    from clearsight.trade.report import build_mirror

    if source not in ("trade_flows", "declarations"):
        fail(f"--source must be trade_flows or declarations, not {source!r}")
    if partner_field not in ("origin", "export"):
        fail(f"--by must be origin or export, not {partner_field!r}")
    factors = {} if no_mode_factors else {**MODE_CIF_FOB, **parse_mode_factors(mode_factor or [])}
    settings_obj = MirrorSettings(
        cif_fob_factor=cif_fob,
        mode_factors=factors,
        z_threshold=z,
        min_pairs=min_pairs,
        duty_rate=duty_rate,
        min_value=min_value,
    )
    with open_warehouse(ctx) as warehouse:
        report = build_mirror(
            warehouse,
            reporter=reporter,
            hs_level=hs_level,
            period_level=period,
            year_from=year_from,
            year_to=year_to,
            source=source,  # type: ignore[arg-type]
            settings=settings_obj,
            usd_rate=usd_rate,
            partner_field=f"country_of_{partner_field}",
            limit=limit,
        )
    html_path = write_html(report, out or workspace_of(ctx).report("mirror.html"))
    if as_json:  # on the terminal, the notes follow the table
        for note in report.notes:
            err_console.print(f"note: {note}", highlight=False, soft_wrap=True)
    emit(report.to_json_dict(limit), as_json, lambda _: _print_mirror(report), report=html_path, indent=None)


def _write_table(data, path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        pq.write_table(data, path)
    else:
        pacsv.write_csv(data, path)


def _jsonable(rows: list[dict]) -> list[dict]:
    import math

    return [
        {k: (None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v) for k, v in r.items()}
        for r in rows
    ]


@command
def valuation_reference(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help="year, quarter or month.")] = "year",
    min_count: Annotated[int, typer.Option("--min-count", min=2, help="Items a group needs.")] = 10,
    hs6: Annotated[str | None, typer.Option("--hs6", help="Only this HS6 subheading.")] = None,
    origin: Annotated[str | None, typer.Option("--origin", help="Only this origin (ISO alpha-2).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Groups listed.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write every group to CSV or Parquet.")] = None,
) -> None:
    """Reference unit values per HS6 × origin × period (and per HS6 × period): median, quartiles, MAD."""
    from clearsight.trade.valuation import reference_unit_values

    with open_warehouse(ctx) as warehouse:
        ref = reference_unit_values(warehouse.table("declarations"), period, min_count)
        if hs6:
            ref = ref.filter(ref.hs6 == hs6)
        if origin:
            ref = ref.filter(ref.country_of_origin == origin.upper())
        ref = ref.order_by(ref.level.desc(), ref["items"].desc(), "hs6", "country_of_origin", "period")
        data = ref.to_pyarrow()
    if out:
        _write_table(data, out)
        err_console.print(f"{data.num_rows:,} reference groups written to {out}", highlight=False)
    rows = _jsonable(data.slice(0, limit).to_pylist())
    by_level = {lv: data.column("level").to_pylist().count(lv) for lv in ("hs6_origin", "hs6")}
    summary = {"groups": data.num_rows, "by_level": by_level, "min_count": min_count, "rows": rows}
    emit(summary, as_json, lambda _: _print_reference(data, by_level, min_count, period, rows), indent=None)


def _print_reference(data, by_level: dict[str, int], min_count: int, period: str, rows: list[dict]) -> None:
    console.print(
        f"{data.num_rows:,} reference groups ({by_level['hs6_origin']:,} HS6 × origin, "
        f"{by_level['hs6']:,} HS6 over all origins) of at least {min_count} items, by {period}",
        highlight=False,
    )
    grid = RichTable("HS6", "origin", "period", "items", "median", "Q1", "Q3", "MAD (log)")
    for r in rows:
        grid.add_row(
            r["hs6"],
            r["country_of_origin"] or "(all)",
            r["period"],
            f"{r['items']:,}",
            f"{r['median_unit_value']:,.2f}",
            f"{r['q1_unit_value']:,.2f}",
            f"{r['q3_unit_value']:,.2f}",
            f"{r['mad_log_unit_value']:.3f}",
        )
    console.print(grid)


@command
def valuation_flags_command(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help="year, quarter or month.")] = "year",
    min_count: Annotated[int, typer.Option("--min-count", min=2, help="Items a reference group needs.")] = 10,
    z: Annotated[float, typer.Option("--z", help="Flag items with robust z at or below minus this.")] = 3.0,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Items listed (largest duty at risk first).")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write every flagged item to CSV or Parquet.")
    ] = None,
) -> None:
    """Items priced far below their reference unit value, ranked by duty at risk."""
    with open_warehouse(ctx) as warehouse:
        summary, data = _flags(warehouse, period, min_count, z)
    if out:
        _write_table(data, out)
        err_console.print(f"{data.num_rows:,} flagged items written to {out}", highlight=False)
    rows = _jsonable(data.slice(0, limit).to_pylist())
    emit({**summary, "rows": rows}, as_json, _print_flags, indent=None)


def _print_flags(summary: dict) -> None:
    rows = summary["rows"]
    console.print(
        f"{summary['flagged']:,} of {summary['items_priced']:,} priced items flagged "
        f"({summary['items_without_reference']:,} without a reference); duty at risk "
        f"{summary['duty_at_risk']:,.0f} (national currency)",
        highlight=False,
    )
    grid = RichTable(
        "declaration", "item", "HS6", "origin", "unit value", "reference", "ratio", "z", "duty at risk"
    )
    for r in rows:
        grid.add_row(
            r["declaration_id"],
            str(r["item_no"]),
            r["hs6"],
            r["country_of_origin"],
            f"{r['unit_value']:,.2f}",
            f"{r['reference_unit_value']:,.2f} ({r['reference_level']})",
            f"{r['ratio_to_reference']:.2f}",
            "—" if r["robust_z"] is None else f"{r['robust_z']:.1f}",
            f"{r['duty_at_risk']:,.0f}",
        )
    console.print(grid)


def _flags(warehouse: Warehouse, period: str, min_count: int, z: float):
    from clearsight.trade.valuation import valuation_flags

    f = valuation_flags(warehouse.table("declarations"), period, min_count, z_below=z)
    agg = f.aggregate(
        items_priced=f.count(),
        items_without_reference=f.count(where=f.reference_level.isnull()),
        flagged=f.count(where=f.flagged),
        duty_at_risk=f.duty_at_risk.sum(),
    )
    summary = agg.to_pyarrow().to_pylist()[0]
    summary["duty_at_risk"] = summary["duty_at_risk"] or 0.0
    flagged = f.filter(f.flagged).order_by(f.duty_at_risk.desc(), "declaration_id", "item_no")
    return summary, flagged.to_pyarrow()


def register(app: typer.Typer) -> None:
    """Add ``mirror`` and the ``valuation`` group to the main app."""
    app.command("mirror")(mirror)
    valuation = group(
        app, "valuation", "Reference unit values from declarations, and items priced far below them."
    )
    valuation.command("reference")(valuation_reference)
    valuation.command("flags")(valuation_flags_command)
