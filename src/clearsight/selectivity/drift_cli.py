"""``clearsight drift``: weekly population stability of the scored population against the reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.commands import command, emit, open_warehouse, settings_of, workspace_of
from clearsight.console import console, err_console
from clearsight.selectivity.drift import ACT, WATCH, level

#: Weeks shown in the terminal (the HTML report has them all).
TERMINAL_WEEKS = 6


def register(app: typer.Typer) -> None:
    """Add the ``drift`` command to the main app."""
    app.command("drift")(drift_cmd)


@command
def drift_cmd(
    ctx: typer.Context,
    weeks: Annotated[
        int | None, typer.Option("--weeks", min=1, help="Show the last N weeks (default: all).")
    ] = None,
    scores: Annotated[
        bool,
        typer.Option(
            "--scores/--no-scores", help="Also score every item with the promoted model (slower)."
        ),
    ] = True,
    min_week_items: Annotated[
        int | None,
        typer.Option("--min-week-items", min=1, help="Leave out weeks with fewer items (default 500)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML report (default: <home>/reports/drift.html).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Population stability (PSI) of key features and the model's score, week by week."""
    from clearsight.selectivity.drift import MIN_WEEK_ITEMS, compute_drift, save_cached, state_key
    from clearsight.selectivity.drift_html import write_html

    settings = settings_of(ctx)
    with open_warehouse(ctx) as wh:
        with err_console.status("counting features per week" + (" and scoring items" if scores else "")):
            report = compute_drift(wh, settings, scores=scores, min_week_items=min_week_items or MIN_WEEK_ITEMS)
        if min_week_items is None:  # the portal's warnings use the default weeks
            save_cached(settings, state_key(wh, settings), report)
    shown = report.trimmed(weeks)
    path = write_html(shown, out or workspace_of(ctx).report("drift.html"))
    emit(shown.to_json_dict(), as_json, lambda data: _print_drift(report, shown, data), report=path)


def _print_drift(report, shown, data: dict) -> None:
    console.print(
        f"reference: {report.reference_source}, {report.reference_from} to {report.reference_to} "
        f"({report.reference_items:,} items); {len(report.weeks)} week(s) compared",
        highlight=False,
    )
    if shown.weeks:
        cols = list(range(max(0, len(shown.weeks) - TERMINAL_WEEKS), len(shown.weeks)))
        grid = RichTable(title="population stability index (PSI) per week", title_justify="left")
        grid.add_column("feature")
        for i in cols:
            grid.add_column(f"{shown.weeks[i][5:]}\n{shown.week_items[i]:,}", justify="right")
        grid.add_column("reading")
        style = {"stable": "", "watch": "yellow", "act": "bold red"}
        for f in shown.features:
            cells = []
            for i in cols:
                s = style[level(f.psi[i])]
                cells.append(f"[{s}]{f.psi[i]:.3f}[/]" if s else f"{f.psi[i]:.3f}")
            grid.add_row(f.name, *cells, level(f.psi[-1]))
        console.print(grid)
        console.print(
            f"PSI below {WATCH} stable, {WATCH} to {ACT} watch (yellow), {ACT} or more act (red); "
            f"the last {len(cols)} week(s) here, every week in the report"
        )
    for w in data["warnings"]:
        console.print(f"[bold red]warning:[/] {w}", highlight=False)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
