"""`clearsight ingest` and `clearsight quarantine`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, group, json_line, open_warehouse, settings_of
from clearsight.console import console, err_console, fail, progress
from clearsight.core.errors import UserError
from clearsight.core.workspace import Workspace


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and the ``quarantine`` group to the main app."""
    app.command(name="ingest")(ingest)
    quarantine = group(app, "quarantine", "Rows refused by the quality gate: list, show, export.")
    quarantine.command("list")(quarantine_list)
    quarantine.command("show")(quarantine_show)
    quarantine.command("export")(quarantine_export)


@command
def ingest(
    ctx: typer.Context,
    table: Annotated[
        str,
        typer.Argument(
            help="Canonical table: declarations, inspections, events, trade_flows, seizures, parties."
        ),
    ],
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet or JSON lines files, gzipped or not.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", "-m", help="YAML mapping of source columns to canonical fields."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            help="A packaged mapping for a known layout (trade_flows: comtrade, comtrade-bulk, comtrade-api; seizures: cen-seizures; seizure_parties: cen-persons).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per file.")] = False,
) -> None:
    """Load files into a canonical table through the quality gate; refused rows go to quarantine."""
    from clearsight.ingest.load import ingest_file
    from clearsight.schema import get_table

    try:
        get_table(table)
    except ValueError as exc:
        fail(str(exc))
    if preset is not None and mapping is not None:
        fail("give --preset or --mapping, not both")
    settings = settings_of(ctx)
    any_ingested, any_refused = False, False
    with open_warehouse(ctx) as warehouse, progress(transient=True) as bar:
        task = bar.add_task(f"ingesting into {table}", total=len(files))
        for path in files:
            bar.update(task, description=f"{table} ← {path.name}")
            try:
                result = ingest_file(
                    warehouse,
                    table,
                    path,
                    _preset_mapping(preset, table, path) if preset else mapping,
                    tmp_dir=Workspace(settings).duckdb_spill_dir,
                    memory_limit=settings.ingest_memory_limit,
                )
            except UserError as exc:
                any_refused = True
                err_console.print(f"[bold red]refused:[/] {exc}", highlight=False, soft_wrap=True)
                bar.advance(task)
                continue
            bar.advance(task)
            for note in result.notes:
                err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
            any_ingested = any_ingested or result.skipped or result.accepted > 0
            emit(
                result.summary(),
                as_json,
                lambda _, path=path, result=result: _print_ingested(path, table, result),
                indent=None,
            )
    if any_refused or not any_ingested:
        raise typer.Exit(1)


def _print_ingested(path: Path, table: str, result) -> None:
    if result.skipped:
        console.print(f"{path}: already ingested (batch {result.batch}), skipped")
        return
    extra = f", {result.inspections} control outcomes → inspections" if result.inspections else ""
    console.print(
        f"{path} → {table}: {result.rows_in:,} rows in, {result.accepted:,} accepted "
        f"({result.warnings:,} with warnings), {result.quarantined:,} quarantined{extra} "
        f"[dim]batch {result.batch}, {result.seconds:.1f}s[/]",
        highlight=False,
    )
    if result.corrects:
        console.print(f"  corrects the quarantined rows of {result.corrects}", highlight=False)
    if result.quarantined:
        console.print(f"  see why: clearsight quarantine show {result.batch}", highlight=False)


def _preset_mapping(preset: str, table: str, path: Path) -> Path:
    """The mapping file a preset names for this file (the trade room owns the presets)."""
    from clearsight.trade import mapping_path

    return mapping_path(preset, table, path)


@command
def quarantine_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Batches with quarantined rows."""
    from clearsight.ingest.quarantine import summary

    with open_warehouse(ctx) as warehouse:
        data = summary(warehouse).to_pylist()
    emit(data, as_json, _print_quarantine_list, indent=None)


def _print_quarantine_list(data: list[dict]) -> None:
    if not data:
        console.print("quarantine is empty")
        return
    grid = RichTable("batch", "table", "file", "quarantined", "rows in", "loaded", "corrects", "corrected by")
    for r in data:
        grid.add_row(
            r["batch_id"],
            r["table_name"],
            r["source"],
            f"{r['rows']:,}",
            f"{r['rows_in'] or 0:,}",
            str(r["finished_at"]),
            (r["corrects_batch"] or "").replace(",", ", "),
            (r["corrected_by"] or "").replace(",", ", "),
        )
    console.print(grid)


@command
def quarantine_show(
    ctx: typer.Context,
    batch: Annotated[
        str | None, typer.Argument(help="Batch id (see `quarantine list`); all batches when omitted.")
    ] = None,
    table: Annotated[str | None, typer.Option("--table")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Quarantined rows: file, row number, fields at fault and why."""
    from clearsight.ingest.quarantine import rows

    with open_warehouse(ctx) as warehouse:
        data = rows(warehouse, batch, table, limit).to_pylist()
    if as_json:
        for r in data:
            json_line(r)
        return
    if not data:
        console.print("no quarantined rows" + (f" for batch {batch}" if batch else ""))
        return
    for r in data:
        console.print(
            f"[bold]{r['source']}[/], row {r['row_no']}: {r['reasons']}", highlight=False, soft_wrap=True
        )
        console.print(f"  [dim]{r['raw'][:300]}[/]", highlight=False, soft_wrap=True)


@command
def quarantine_export(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write: CSV, or .parquet, or .jsonl (JSON lines).")
    ],
    batch: Annotated[str | None, typer.Option("--batch")] = None,
    table: Annotated[str | None, typer.Option("--table")] = None,
) -> None:
    """Export quarantined rows in their file's layout, to correct and load again with `ingest`."""
    from clearsight.ingest.quarantine import export

    with open_warehouse(ctx) as warehouse:
        try:
            n = export(warehouse, out, batch, table)
        except OSError as exc:
            fail(f"{out}: cannot be written ({exc.strerror or exc})")
    if not n:
        console.print("no quarantined rows" + (f" for batch {batch}" if batch else "") + ": nothing written")
        return
    console.print(
        f"{n:,} quarantined rows written to {out}, with their reasons in the last columns; "
        "fix the cells and load the file again with `clearsight ingest`",
        highlight=False,
    )
