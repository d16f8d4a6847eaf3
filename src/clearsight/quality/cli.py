"""``clearsight quality``: the data-quality report on the terminal, as JSON, and as an HTML page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, open_warehouse, workspace_of
from clearsight.console import console, fail

if TYPE_CHECKING:  # the report module pulls in Ibis: imported when the command runs, not at CLI start-up
    from clearsight.quality.report import QualityReport


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of must be a date like 2024-06-30, not {value!r}")


def _print_summary(report: QualityReport) -> None:
    from clearsight.core.reports import pct

    if report.empty:
        console.print(f"[yellow]{report.message}[/]")
    grid = RichTable(title=f"Data quality as of {report.as_of} ({report.engine})", title_justify="left")
    for col, justify in (
        ("table", "left"),
        ("rows", "right"),
        ("batches", "right"),
        ("quarantined", "right"),
        ("dup. rows", "right"),
        ("latest", "left"),
        ("days", "right"),
        ("warned", "right"),
    ):
        grid.add_column(col, justify=justify, no_wrap=col in ("table", "latest"))
    incomplete: list[str] = []
    for t in report.tables:
        incomplete += [
            f"{t.table}.{f.field} {pct(f.completeness)}" for f in t.fields if f.incomplete_required
        ]
        grid.add_row(
            t.table,
            f"{t.rows:,}",
            str(t.batches),
            f"{t.quarantined:,}",
            f"[red]{t.duplicate_rows:,}[/]" if t.duplicate_rows else "0",
            (t.latest or "—")[:10],
            "—" if t.days_since_latest is None else str(t.days_since_latest),
            f"{t.rows_with_warnings:,}",
        )
    console.print(grid)
    if incomplete:
        console.print(f"[red]required fields below 100 %:[/] {', '.join(incomplete)}")
    cov, uv = report.inspections, report.unit_values
    console.print(
        f"inspected items: {cov.inspected_items:,} of {cov.items:,} ({pct(cov.share_inspected)})"
        + (
            f"; {cov.inspections_without_declaration:,} inspections match no item"
            if cov.inspections_without_declaration
            else ""
        )
    )
    console.print(
        f"quarantined rows: {report.quarantine.total:,}; "
        f"unit-value outliers: {uv.outliers:,} of {uv.items_assessed:,} items in {uv.hs6_assessed} HS6 "
        f"({pct(uv.outlier_share)}, robust z > {uv.threshold:g})"
    )
    for g in uv.top[:5]:
        if g.outliers:
            console.print(f"  HS6 {g.hs6}: {g.outliers} of {g.items} ({pct(g.outlier_share)})")


def register(app: typer.Typer) -> None:
    """Add the ``quality`` command to the main app."""
    app.command("quality")(quality)


@command
def quality(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the HTML report (default: <home>/reports/quality.html)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Report date YYYY-MM-DD, for freshness (default: today, UTC)."),
    ] = None,
    min_count: Annotated[
        int,
        typer.Option("--min-count", min=2, help="Items an HS6 needs before its unit values are judged."),
    ] = 20,
    top: Annotated[int, typer.Option("--top", min=1, help="HS6 subheadings listed by outlier share.")] = 20,
) -> None:
    """Report data quality: completeness, validity, duplicates, freshness, warnings, quarantine, outliers."""
    from clearsight.quality.html import write_html
    from clearsight.quality.report import build_report

    report_date = _parse_date(as_of)
    with open_warehouse(ctx) as warehouse:
        report = build_report(warehouse, report_date, min_count=min_count, top=top)
    html_path = write_html(report, out or workspace_of(ctx).report("quality.html"), workspace_of(ctx).currency)
    emit(report.to_json_dict(), as_json, lambda _: _print_summary(report), report=html_path)
