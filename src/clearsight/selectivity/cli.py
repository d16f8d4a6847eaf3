"""``clearsight select`` (lanes for a window of declarations) and ``clearsight rules`` (rule profiles)."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from clearsight.commands import (
    command,
    emit,
    group,
    open_app_store,
    open_warehouse,
    settings_of,
    workspace_of,
)
from clearsight.console import console, err_console, fail
from clearsight.core.errors import UserError
from clearsight.core.reports import pct

#: A rule with at least this many inspected hits and no fraud found is worth reviewing.
REVIEW_AFTER = 20
PER_OFFICE = "percent of each office's items"


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date like 2024-06-30, not {value!r}")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return ""


def _policy_message(message: str) -> str:
    """Policy errors name the command-line option rather than the field."""
    from clearsight.selectivity.select import PERCENT_FIELDS

    for name in (*PERCENT_FIELDS, "seed"):
        message = message.replace(name, "--" + name.replace("_", "-"))
    return message


def register(app: typer.Typer) -> None:
    """Add ``select`` and the ``rules`` group to the main app."""
    app.command("select")(select_cmd)
    rules = group(app, "rules", "Rule profiles: criteria that send items to a lane (add, list, disable, stats).")
    rules.command("add")(add_cmd)
    rules.command("list")(list_cmd)
    rules.command("disable")(disable_cmd)
    rules.command("stats")(stats_cmd)


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
    path = write_html(result, out or workspace_of(ctx).report("selection.html"), warnings)
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


@command
def add_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Option("--file", help="YAML file holding one rule or a list of rules.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Unique rule name.")] = None,
    lane: Annotated[str | None, typer.Option("--lane", help="red, yellow, blue or green.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the rule exists.")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Who answers for it (default: you).")
    ] = None,
    valid_from: Annotated[str | None, typer.Option("--valid-from", help="First day it applies.")] = None,
    valid_to: Annotated[str | None, typer.Option("--valid-to", help="Last day it applies.")] = None,
    hs: Annotated[str | None, typer.Option("--hs", help="HS code prefixes, comma-separated.")] = None,
    origin: Annotated[
        str | None, typer.Option("--origin", help="Countries of origin (ISO alpha-2).")
    ] = None,
    export: Annotated[
        str | None, typer.Option("--export-country", help="Countries of export (ISO alpha-2).")
    ] = None,
    importer: Annotated[str | None, typer.Option("--importer", help="Importer ids.")] = None,
    declarant: Annotated[str | None, typer.Option("--declarant", help="Declarant ids.")] = None,
    office: Annotated[str | None, typer.Option("--office", help="Office ids.")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="Modes of transport.")] = None,
    min_value: Annotated[
        float | None, typer.Option("--min-value", help="Customs value at least.")
    ] = None,
    max_value: Annotated[float | None, typer.Option("--max-value", help="Customs value at most.")] = None,
    min_unit_value: Annotated[
        float | None, typer.Option("--min-unit-value", help="Customs value per kg at least.")
    ] = None,
    max_unit_value: Annotated[
        float | None, typer.Option("--max-unit-value", help="Customs value per kg at most.")
    ] = None,
    where: Annotated[
        str | None, typer.Option("--where", help="SQL condition over declaration fields.")
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Store it disabled.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rules added as JSON.")] = False,
) -> None:
    """Add rules from a YAML file or from options; all of them or none."""
    from clearsight.selectivity.rule_store import add_rules
    from clearsight.selectivity.rules import load_rule_file, rule_of

    flags = {
        "name": name,
        "lane": lane,
        "reason": reason,
        "owner": owner,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "hs_codes": hs,
        "countries_of_origin": origin,
        "countries_of_export": export,
        "importers": importer,
        "declarants": declarant,
        "offices": office,
        "modes_of_transport": mode,
        "min_customs_value": min_value,
        "max_customs_value": max_value,
        "min_unit_value": min_unit_value,
        "max_unit_value": max_unit_value,
        "condition": where,
    }
    given = {k: v for k, v in flags.items() if v is not None}
    if disabled:
        given["enabled"] = False
    if file is not None and given:
        fail("give either --file or the rule's options, not both")
    found = load_rule_file(file) if file is not None else [rule_of({"owner": _user(), **given})]
    if file is not None:
        found = [r if r.owner else r.model_copy(update={"owner": _user()}) for r in found]
    with open_app_store(ctx) as store:
        added = add_rules(store, found)
    emit([r.to_json_dict() for r in added], as_json, lambda _: _print_added(added))


def _print_added(added: list) -> None:
    for r in added:
        state = "" if r.rule.enabled else " (disabled)"
        console.print(f"rule {r.name} → {r.rule.lane}{state}: {r.rule.describe()}", highlight=False)


@command
def list_cmd(
    ctx: typer.Context,
    enabled_only: Annotated[bool, typer.Option("--enabled", help="Only the enabled rules.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the rule profiles: criteria, lane, validity, owner, reason."""
    from clearsight.selectivity.rule_store import list_rules

    with open_app_store(ctx) as store:
        found = list_rules(store, include_disabled=not enabled_only)
    emit([r.to_json_dict() for r in found], as_json, lambda _: _print_rules(found))


def _print_rules(found: list) -> None:
    if not found:
        console.print("no rules yet: add one with `clearsight rules add`")
        return
    grid = RichTable(title="rule profiles", title_justify="left")
    for col in ("name", "lane", "criteria", "valid", "owner", "enabled", "reason"):
        grid.add_column(col)
    for r in found:
        rule = r.rule
        valid = f"{rule.valid_from or '…'} – {rule.valid_to or '…'}"
        enabled = "yes" if rule.enabled else f"no (since {r.disabled_at:%Y-%m-%d})"
        grid.add_row(rule.name, rule.lane, rule.describe(), valid, rule.owner, enabled, rule.reason)
    console.print(grid)


@command
def disable_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The rule to stop applying.")],
) -> None:
    """Stop applying a rule (it stays listed, with its past hits)."""
    from clearsight.selectivity.rule_store import disable_rule

    with open_app_store(ctx) as store:
        disable_rule(store, name)
    console.print(f"rule {name} disabled: selections from now on ignore it", highlight=False)


@command
def stats_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per rule: items hit, inspected, frauds found, hit rate, revenue found, last hit."""
    from clearsight.selectivity.rule_store import list_rules, with_stats
    from clearsight.selectivity.selections import rule_stats

    with open_app_store(ctx) as store:
        stored = list_rules(store)
    with open_warehouse(ctx) as wh:
        stats = rule_stats(wh)
    emit(with_stats(stored, stats), as_json, _print_rule_stats)


def _print_rule_stats(rows: list[dict]) -> None:
    if not rows:
        console.print("no rules yet: add one with `clearsight rules add`")
        return
    grid = RichTable(title="rule hits (all selections, with inspection results)", title_justify="left")
    for col in (
        "rule",
        "lane",
        "enabled",
        "items hit",
        "inspected",
        "frauds",
        "hit rate",
        "revenue",
        "last hit",
    ):
        grid.add_column(col, justify="left" if col in ("rule", "lane", "enabled") else "right")
    for r in rows:
        grid.add_row(
            r["rule"],
            r["lane"],
            "yes" if r["enabled"] else "no",
            f"{r['items']:,}",
            f"{r['inspected']:,}",
            f"{r['frauds']:,}",
            pct(r["hit_rate"]),
            f"{r['revenue']:,.0f}",
            f"{r['last_hit']:%Y-%m-%d}" if r["last_hit"] else "—",
        )
    console.print(grid)
    for r in rows:
        if r["enabled"] and r["inspected"] >= REVIEW_AFTER and r["frauds"] == 0:
            console.print(
                f"[yellow]review:[/] {r['rule']} found nothing in {r['inspected']:,} inspections",
                highlight=False,
            )
