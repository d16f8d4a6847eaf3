"""``clearsight pmc``: performance measurement contracts; ``clearsight integrity``: integrity indicators."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

from clearsight.cli_kit import command, emit, group, open_app_store, open_warehouse, workspace_of
from clearsight.console import console

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object on stdout.")]


def register(app: typer.Typer) -> None:
    """Add ``integrity`` and the ``pmc`` group to the main app."""
    app.command("integrity")(integrity_command)
    pmc = group(app, "pmc", "Performance measurement contracts: save, list, and track them against their targets.")
    pmc.command("save")(save_command)
    pmc.command("list")(list_command)
    pmc.command("status")(status_command)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@command
def save_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The contract, a YAML file.")],
    as_json: JsonOption = False,
) -> None:
    """Check a contract and save it in the workspace (the version it replaces is kept; the change is audited)."""
    from clearsight.core.errors import UserError
    from clearsight.performance import save_contract

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{file}: cannot read it ({exc.strerror or exc})") from None
    with open_app_store(ctx) as store:
        contract, path = save_contract(workspace_of(ctx).contracts_dir, text, str(file), store=store,
                                       actor=_actor(), role="cli", client="cli")
    emit({"saved": contract.to_json_dict(), "path": str(path)}, as_json,
         lambda d: console.print(f"saved contract {d['saved']['id']} ({d['saved']['scope']}, "
                                 f"{len(d['saved']['indicators'])} indicators): {d['path']}", highlight=False))


@command
def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The contracts saved in the workspace."""
    from clearsight.performance import list_contracts

    contracts = [c.to_json_dict() for c in list_contracts(workspace_of(ctx).contracts_dir)]

    def show(rows: list[dict[str, Any]]) -> None:
        if not rows:
            console.print("no contracts yet: clearsight pmc save FILE")
        for c in rows:
            console.print(f"{c['id']}: {c['title']} · {c['scope']} · {c['period']['from']} to {c['period']['to']} · "
                          f"{len(c['indicators'])} indicators", highlight=False)

    emit(contracts, as_json, show)


def decisions_for(wh: Any, store: Any) -> Any:
    """The stored lane decisions (batch and real time), or None when none was ever stored."""
    from clearsight.selectivity import lane_decisions

    if store is None and not wh.has_table("selections"):
        return None
    return lane_decisions(wh, store)


@command
def status_command(
    ctx: typer.Context,
    contract_id: Annotated[str | None, typer.Argument(help="A contract's id (default: every contract).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Each contract's indicators per month and over its period, against their targets; writes the
    report a director signs (<home>/reports/pmc-<id>.html)."""
    from clearsight.core.errors import UserError
    from clearsight.performance import contract_status, get_contract, list_contracts, write_contract_html

    workspace = workspace_of(ctx)
    folder = workspace.contracts_dir
    contracts = [get_contract(folder, contract_id)] if contract_id else list_contracts(folder)
    if not contracts:
        raise UserError("no contracts yet: write one as YAML (see docs/performance.md) and clearsight pmc save FILE")
    with open_app_store(ctx) as store, open_warehouse(ctx) as wh:
        decisions = decisions_for(wh, store)
        statuses = [contract_status(wh, c, decisions) for c in contracts]
    paths = [write_contract_html(s, workspace.report(f"pmc-{s['contract']['id']}.html"), workspace.currency)
             for s in statuses]
    emit(statuses if contract_id is None else statuses[0], as_json, lambda _: [_print_status(s) for s in statuses],
         report=paths[0] if len(paths) == 1 else paths[0].parent, indent=None)


def _print_status(status: dict[str, Any]) -> None:
    from clearsight.performance.html import value_text

    c = status["contract"]
    console.print(f"[bold]{c['id']}[/] {c['title']} ({c['scope']}, {c['period']['from']} to {c['period']['to']}): "
                  f"{status['met']} met, {status['missed']} missed, {status['no_data']} without data", highlight=False)
    for i in status["indicators"]:
        target = f"{'≤' if i['direction'] == 'at_most' else '≥'} {value_text(i['target'], i['unit'])}"
        console.print(f"  {i['label']}: {value_text(i['value'], i['unit'])} (target {target}) {i['status']}"
                      f"{'; ' + i['trend'] if i['trend'] else ''}; {i['months_met']} of {i['months_measured']} months met",
                      highlight=False)


@command
def integrity_command(
    ctx: typer.Context,
    date_from: Annotated[str | None, typer.Option("--from", help="First day of inspections, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day of inspections, YYYY-MM-DD.")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="False-discovery rate (Benjamini–Hochberg).")] = 0.05,
    min_controls: Annotated[int, typer.Option("--min-controls", help="Controls a unit needs to be tested.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Integrity indicators: officers and offices whose lane changes, results, red-control durations or
    traders differ from their peers' beyond chance. For managers, auditors and integrity units; a flag
    is a reason to look, not a finding; every run is recorded in the audit log."""
    from clearsight.access import record
    from clearsight.performance import IntegrityOptions, integrity_report, write_integrity_html
    options = IntegrityOptions(_date(date_from, "--from"), _date(date_to, "--to"), alpha=alpha,
                               min_controls=min_controls)
    with open_app_store(ctx) as store:
        with open_warehouse(ctx) as wh:
            report = integrity_report(wh, options, decisions=decisions_for(wh, store))
        record(store, actor=_actor(), role="cli", action="integrity.read", resource="integrity",
               filter={"from": date_from, "to": date_to, "alpha": alpha}, rows=len(report["flags"]), client="cli")
    path = write_integrity_html(report, workspace_of(ctx).report("integrity.html"))
    emit(report, as_json, _print_integrity, report=path, indent=None)


def _date(value: str | None, option: str) -> dt.date | None:
    from clearsight.core.errors import UserError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{option} must be a date like 2024-06-30, not {value!r}") from None


def _print_integrity(report: dict[str, Any]) -> None:
    for i in report["indicators"]:
        console.print(f"{i['label']} ({i['level']}s): {i['tested']} tested, {i['flagged']} flagged"
                      + (f" — {i['note']}" if i["note"] else ""), highlight=False)
    for f in report["flags"]:
        who = " ".join(x for x in (f.get("office_id"), f.get("officer_id"), f.get("importer_id")) if x)
        console.print(f"  [bold]flag[/] {f['label']}: {who}: {f['detail']} (q = {f['q_value']:.2g})", highlight=False)
    console.print(report["caution"], highlight=False)
