"""``clearsight rules``: rule profiles, criteria that send items to a lane (add, list, disable, stats)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, group, open_app_store, open_warehouse
from clearsight.console import console, fail
from clearsight.core.reports import pct

#: A rule with at least this many inspected hits and no fraud found is worth reviewing.
REVIEW_AFTER = 20


def register(app: typer.Typer) -> None:
    """Add the ``rules`` group to the main app."""
    rules = group(app, "rules", "Rule profiles: criteria that send items to a lane (add, list, disable, stats).")
    rules.command("add")(add_cmd)
    rules.command("list")(list_cmd)
    rules.command("disable")(disable_cmd)
    rules.command("stats")(stats_cmd)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return ""


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
    from clearsight.rules.profiles import load_rule_file, rule_of
    from clearsight.rules.store import add_rules

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
    from clearsight.rules.store import list_rules

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
    from clearsight.rules.store import disable_rule

    with open_app_store(ctx) as store:
        disable_rule(store, name)
    console.print(f"rule {name} disabled: selections from now on ignore it", highlight=False)


@command
def stats_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per rule: items hit, inspected, frauds found, hit rate, revenue found, last hit."""
    from clearsight.rules.store import list_rules, with_stats
    from clearsight.selectivity import rule_stats

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
