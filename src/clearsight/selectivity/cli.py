"""``clearsight select``: lanes for a window of declarations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import (
    command,
    emit,
    open_app_store,
    open_warehouse,
    settings_of,
    workspace_of,
)
from clearsight.console import console, err_console, fail
from clearsight.core.errors import UserError
from clearsight.core.reports import pct

PER_OFFICE = "percent of each office's items"


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date like 2024-06-30, not {value!r}")


def _policy_message(message: str) -> str:
    """Policy errors name the command-line option rather than the field."""
    from clearsight.selectivity.select import PERCENT_FIELDS

    for name in (*PERCENT_FIELDS, "seed"):
        message = message.replace(name, "--" + name.replace("_", "-"))
    return message


def register(app: typer.Typer) -> None:
    """Add ``select`` to the main app."""
    app.command("select")(select_cmd)


@command
def select_cmd(
    ctx: typer.Context,
    date: Annotated[
        str | None, typer.Option("--date", help="Decide the items lodged on this day.")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day of a window (with --to).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day of the window (included).")] = None,
    red_budget: Annotated[
        float | None, typer.Option("--red-budget", help=f"Red lane, {PER_OFFICE}.")
    ] = None,
    yellow_budget: Annotated[
        float | None, typer.Option("--yellow-budget", help=f"Yellow lane, {PER_OFFICE}.")
    ] = None,
    blue_budget: Annotated[
        float | None, typer.Option("--blue-budget", help=f"Blue lane, {PER_OFFICE}.")
    ] = None,
    random_rate: Annotated[
        float | None,
        typer.Option("--random-rate", help="Random control, percent of items (part of red)."),
    ] = None,
    explore_share: Annotated[
        float | None, typer.Option("--explore-share", help="Exploration, percent of the red budget.")
    ] = None,
    aeo_factor: Annotated[
        float | None,
        typer.Option("--aeo-factor", help="AEO traders' priority and random rate, percent of others'."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the random control.")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Decide again items a previous run decided.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML report (default: <home>/reports/selection.html).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Decide the lanes of a day's (or a window's) declarations and store them in `selections`.

    Policy defaults: red 5, yellow 10, blue 0, random 0.5, exploration 0, AEO factor 50 (percent),
    or CLEARSIGHT_SELECT_RED_BUDGET and the like.
    """
    from clearsight.selectivity.report import drift_lines, write_html
    from clearsight.selectivity.select import SelectSettings, select_batch

    if (date is None) == (date_from is None and date_to is None):
        fail("give --date DATE, or --from DATE --to DATE")
    if date is None and (date_from is None or date_to is None):
        fail("--from and --to go together")
    start = _day(date or date_from, "--date" if date else "--from")
    end = _day(date or date_to, "--date" if date else "--to")
    try:
        policy = SelectSettings().policy(
            red_budget=red_budget,
            yellow_budget=yellow_budget,
            blue_budget=blue_budget,
            random_rate=random_rate,
            explore_share=explore_share,
            aeo_factor=aeo_factor,
            seed=seed,
        )
    except UserError as exc:
        fail(_policy_message(str(exc)))
    settings = settings_of(ctx)
    with open_app_store(ctx) as store, open_warehouse(ctx) as wh:
        with err_console.status("scoring, matching rules and deciding lanes"):
            result = select_batch(settings, wh, store, start, end, policy, replace=replace)
        warnings = drift_lines(wh, settings)
    path = write_html(result, out or workspace_of(ctx).report("selection.html"), warnings, workspace_of(ctx).currency)
    data = {**result.to_json_dict(), "drift_warnings": warnings, "report": str(path)}
    emit(data, as_json, _print_selection)


def _print_selection(data: dict[str, Any]) -> None:
    lanes = data["lanes"]
    console.print(
        f"selection {data['selection_id']}: {data['items']:,} items lodged {data['from']} to {data['to']}, "
        f"model {data['model']} — red {lanes['red']:,}, yellow {lanes['yellow']:,}, blue {lanes['blue']:,}, "
        f"green {lanes['green']:,}",
        highlight=False,
    )
    grid = RichTable(title="lanes by office", title_justify="left")
    for col in ("office", "items", "red", "yellow", "blue", "green", "red share"):
        grid.add_column(col, justify="left" if col == "office" else "right")
    for office, counts in data["offices"].items():
        total = sum(counts.values())
        grid.add_row(
            office,
            f"{total:,}",
            *(f"{counts[x]:,}" for x in ("red", "yellow", "blue", "green")),
            pct(counts["red"] / total),
        )
    console.print(grid)
    for office, excess in data["over_budget"].items():
        console.print(
            f"[yellow]over budget:[/] {office}: rules and random controls send {excess:,} more items to red "
            "than its budget",
            highlight=False,
        )
    if data["replaced"]:
        console.print(f"replaced {data['replaced']:,} earlier decisions", highlight=False)
    for note in data["notes"]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    for line in data["drift_warnings"]:
        console.print(f"[yellow]drift:[/] {line}", highlight=False)
    console.print(f"report: {data['report']}", highlight=False, soft_wrap=True)
