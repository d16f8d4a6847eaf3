"""`clearsight synth`: write a synthetic customs world to a folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit
from clearsight.console import console, fail, progress

OPTIONS = {
    "items",
    "fraud_rate",
    "critical_rate",
    "inspection_rate",
    "random_share",
    "days",
    "reporter",
    "scheme_at",
}


def register(app: typer.Typer) -> None:
    """Add ``clearsight synth`` to the main app."""
    app.command(name="synth")(synth)


@command
def synth(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the files to (created if missing).")
    ],
    items: Annotated[
        int, typer.Option("--items", "-n", help="Goods items (declaration lines) to generate.")
    ] = 10_000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same files.")
    ] = 42,
    fmt: Annotated[str, typer.Option("--format", "-f", help="File format: csv or parquet.")] = "csv",
    start: Annotated[str, typer.Option("--start", help="First lodgement day (YYYY-MM-DD).")] = "2023-01-01",
    days: Annotated[int, typer.Option("--days", help="Days of lodgements.")] = 731,
    reporter: Annotated[
        str, typer.Option("--reporter", help="The administration's country (ISO alpha-2).")
    ] = "KE",
    fraud_rate: Annotated[
        float, typer.Option("--fraud-rate", help="Share of items that are fraudulent.")
    ] = 0.04,
    critical_rate: Annotated[
        float, typer.Option("--critical-rate", help="Share of items hiding prohibited goods.")
    ] = 0.001,
    inspection_rate: Annotated[
        float, typer.Option("--inspection-rate", help="Share of items controlled (documentary or physical).")
    ] = 0.07,
    random_share: Annotated[
        float,
        typer.Option("--random-share", help="Share of declarations picked at random for a physical check."),
    ] = 0.015,
    scheme_at: Annotated[
        float,
        typer.Option("--scheme-at", help="When the new fraud scheme starts, as a fraction of the period."),
    ] = 0.6,
    as_json: Annotated[bool, typer.Option("--json", help="Print the world's parameters as JSON.")] = False,
) -> None:
    """Generate a synthetic customs world: every data table, ready for `clearsight ingest`, plus a
    ground-truth file (the true status of every item) that only simulators and benchmarks read."""
    from clearsight.synth.world import check_settings, generate_world
    from clearsight.synth.write import FORMATS, write_world

    fmt = fmt.lower()
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    try:
        start_day = date.fromisoformat(start)
    except ValueError:
        fail(f"--start must be a date such as 2023-01-01, got {start!r}")
    if out.exists() and not out.is_dir():
        fail(f"--out {out} exists and is not a folder")
    try:
        check_settings(
            items, fraud_rate, critical_rate, inspection_rate, random_share, days, reporter, scheme_at
        )
    except ValueError as exc:
        # generate_world names its keyword arguments; the user typed options
        first, _, rest = str(exc).partition(" ")
        fail(f"--{first.replace('_', '-')} {rest}" if first in OPTIONS else str(exc))
    try:
        with progress(transient=True) as bar:
            world = generate_world(
                items,
                seed,
                start=start_day,
                days=days,
                reporter=reporter,
                fraud_rate=fraud_rate,
                critical_rate=critical_rate,
                inspection_rate=inspection_rate,
                random_share=random_share,
                scheme_at=scheme_at,
                progress=bar,
            )
            paths = write_world(world, out, fmt, progress=bar)
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    params = {**world.params, "out": str(out), "files": [p.name for p in paths]}
    emit(params, as_json, lambda _: _print_world(world, out, paths, items))


def _print_world(world, out: Path, paths: list[Path], items: int) -> None:
    rows = {**world.data_tables(), "ground_truth": world.ground_truth, "tariff": world.tariff}
    console.print(f"synthetic world written to {out}", highlight=False)
    grid = RichTable()
    grid.add_column("file")
    grid.add_column("rows", justify="right")
    for path in paths:
        n = rows.get(path.stem)
        grid.add_row(path.name, f"{n.num_rows:,}" if n is not None else "")
    console.print(grid)
    actual = world.params["actual"]
    console.print(
        f"{world.params['declarations']:,} declarations, {items:,} items, {world.params['start']} to "
        f"{world.params['end']}; fraud {actual['fraud_rate']:.1%} of items, inspected "
        f"{actual['inspection_rate']:.1%}; new scheme from {world.params['scheme']['start']}.\n"
        "ground_truth is for simulators and benchmarks only: never load it as a data table.",
        highlight=False,
    )
