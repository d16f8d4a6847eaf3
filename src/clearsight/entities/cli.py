"""``clearsight entities``: resolve traders into entities, list the pairs waiting for review, decide them."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

from clearsight.cli_kit import command, emit, group, open_app_store, open_warehouse, workspace_of
from clearsight.console import console

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def register(app: typer.Typer) -> None:
    entities = group(
        app, "entities", "Entity resolution of traders: who is who across ids, names and seizures."
    )
    entities.command("resolve")(resolve_command)
    entities.command("review")(review_command)
    entities.command("decide")(decide_command)
    # PCA = post-clearance audit ("audit" is the audit log's group)
    pca = group(
        app, "pca", "Post-clearance audit: traders ranked by the revenue an audit can be expected to recover."
    )
    pca.command("candidates")(candidates_command)


@command
def resolve_command(
    ctx: typer.Context,
    world: Annotated[
        Path | None,
        typer.Option(
            "--world",
            help="A synthetic world folder whose planted identities measure the result "
            "(default: the demo world, when it has them).",
        ),
    ] = None,
    backend: Annotated[str, typer.Option("--backend", help="duckdb or spark (local Spark).")] = "duckdb",
    accept: Annotated[
        float | None, typer.Option("--accept", help="Merge pairs at or above this probability.")
    ] = None,
    review: Annotated[
        float | None, typer.Option("--review", help="Queue pairs from this probability up.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Resolve parties and seizure parties into entities (pairs, entities, review queue)."""
    from clearsight.entities import resolve_warehouse

    truth = _truth(world if world is not None else workspace_of(ctx).demo_world_dir)
    with open_warehouse(ctx) as wh:
        resolution = resolve_warehouse(wh, backend=backend, accept=accept, review=review, truth_groups=truth)
    emit(resolution.summary(), as_json, _print_resolution)


def _truth(folder: Path) -> list[list[str]] | None:
    from clearsight.synth import read_world_params

    return read_world_params(folder).get("identities", {}).get("entities") if folder.is_dir() else None


def _print_resolution(data: dict[str, Any]) -> None:
    console.print(
        f"{data['records']:,} records, {data['pairs_scored']:,} pairs scored ({data['backend']}, "
        f"{data['seconds']:.1f}s): {data['accepted_pairs']:,} merged, {data['name_only_links']:,} seizure parties "
        f"known by name only linked, {data['review_pairs']:,} to review, "
        f"{data['decisions_applied']:,} decided by reviewers",
        highlight=False,
    )
    console.print(
        f"{data['entities']:,} entities, {data['multi_record_entities']:,} with more than one record "
        f"(largest: {data['largest_entity']})",
        highlight=False,
    )
    q = data.get("quality")
    if q:
        console.print(
            f"against the planted truth (pairwise): precision {q['precision']:.3f}, recall {q['recall']:.3f} "
            f"({q['correct_pairs']:,} of {q['predicted_pairs']:,} merged pairs right, "
            f"{q['true_pairs']:,} true pairs); entities exactly right: {q['entities_exact']:,} of "
            f"{q['true_entities']:,} true, {q['entities_found']:,} found",
            highlight=False,
        )
    if data["review_pairs"]:
        console.print("next: clearsight entities review", highlight=False)


@command
def review_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Pairs to show.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Pairs waiting for a decision, the most uncertain first."""
    from clearsight.entities import review_queue

    with open_warehouse(ctx) as wh:
        queue = review_queue(wh, limit=limit)
    emit(queue, as_json, _print_queue)


def _print_queue(queue: list[dict[str, Any]]) -> None:
    if not queue:
        console.print("no pair waits for review")
        return
    for item in queue:
        console.print(f"[bold]{item['match_probability']:.2f}[/]", highlight=False)
        for side in ("left", "right"):
            r = item[side]
            fields = [r.get("name"), r.get("address"), r.get("identifier"), r.get("phone"), r.get("email")]
            console.print(
                f"  {r['record_id']:<28} " + " | ".join(str(f) for f in fields if f), highlight=False
            )
    console.print("decide: clearsight entities decide LEFT RIGHT same|different --note WHY", highlight=False)


@command
def decide_command(
    ctx: typer.Context,
    left: Annotated[
        str, typer.Argument(help="A record: party:<party_id> or seizure:<seizure_id>:<party_no>.")
    ],
    right: Annotated[str, typer.Argument(help="The other record.")],
    decision: Annotated[str, typer.Argument(help="same or different.")],
    note: Annotated[str, typer.Option("--note", help="Why (kept with the decision).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record a decision on a pair (audited); the next resolve applies it."""
    from clearsight.entities import record_decision

    with open_warehouse(ctx) as wh, open_app_store(ctx) as store:
        d = record_decision(
            wh, store, left, right, decision, actor=f"cli:{getpass.getuser()}", role="analyst", note=note
        )
    emit(
        {"left_id": d.left_id, "right_id": d.right_id, "decision": d.decision},
        as_json,
        lambda x: console.print(
            f"recorded: {x['left_id']} and {x['right_id']} are {x['decision']}", highlight=False
        ),
    )


@command
def candidates_command(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help="Whole months, like 2024-01..2024-12.")],
    top: Annotated[int, typer.Option("--top", min=1, help="Traders listed.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Traders (entities) ranked for post-clearance audit by expected revenue at risk, with reasons."""
    from clearsight.entities import audit_candidates, hs_flags
    from clearsight.entities.html import write_candidates_html

    workspace = workspace_of(ctx)
    with open_warehouse(ctx) as wh:
        report = audit_candidates(wh, period, top=top, hs_flags=hs_flags(wh, workspace.models_dir, period))
    report["currency"] = workspace.currency
    path = write_candidates_html(report, workspace.report("pca-candidates.html"), workspace.currency)
    emit(report, as_json, _print_candidates, report=path)


def _print_candidates(report: dict[str, Any]) -> None:
    from clearsight.core.reports import money

    console.print(
        f"{report['entities_ranked']:,} traders lodged from {report['from']} to {report['to']}; the top "
        f"{len(report['candidates'])} by expected revenue at risk"
        + ("" if report["hs_checked"] else " (HS codes not checked: no classifier trained)"),
        highlight=False,
    )
    for n, c in enumerate(report["candidates"], start=1):
        console.print(
            f"{n:>3}. {c['name']} [{', '.join(c['party_ids'])}]  {money(c['expected_revenue_at_risk'], report.get('currency'))}",
            highlight=False,
        )
        for reason in c["reasons"]:
            console.print(f"       {reason}", highlight=False)
