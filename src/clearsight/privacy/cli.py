"""``clearsight share`` (anonymised releases) and ``clearsight stats`` (public statistics)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clearsight.cli_kit import command, emit, group, open_warehouse, workspace_of
from clearsight.console import console, err_console, fail


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        fail("expected a comma-separated list of column names")
    return names


def register(app: typer.Typer) -> None:
    """Add the ``share`` and ``stats`` command groups to the main app."""
    share = group(app, "share", "Anonymised transaction-level releases: pseudonyms, k-anonymity, risk and utility.")
    stats = group(app, "stats", "Public statistics with cell suppression or differential privacy.")
    share.command("build")(build)
    share.command("recipients")(recipients)
    stats.command("publish")(publish_cmd)


@command
def build(
    ctx: typer.Context,
    table: Annotated[str, typer.Option("--table", help="Table to release.")] = "declarations",
    profile: Annotated[
        str, typer.Option("--profile", help="research (pseudonyms, outcomes) or public.")
    ] = "research",
    recipient: Annotated[
        str | None,
        typer.Option("--recipient", help="Who receives it (research): picks the pseudonym key."),
    ] = None,
    new_key: Annotated[
        bool, typer.Option("--new-key", help="Create the recipient's key if it does not exist.")
    ] = False,
    k: Annotated[
        int | None, typer.Option("--k", help="Smallest class size (default: the profile's).")
    ] = None,
    quasi_identifiers: Annotated[
        str | None,
        typer.Option(
            "--quasi-identifiers", help="Comma-separated columns to treat as quasi-identifiers."
        ),
    ] = None,
    l_diversity: Annotated[
        int | None,
        typer.Option("--l-diversity", help="Distinct inspection outcomes each class needs (2-4)."),
    ] = None,
    max_suppression: Annotated[
        float, typer.Option("--max-suppression", help="Refuse when more than this share of rows must go.")
    ] = 0.5,
    out: Annotated[
        Path | None, typer.Option("--out", help="Release folder (default: <home>/releases/...).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a non-empty --out folder.")
    ] = False,
    utility: Annotated[
        bool, typer.Option("--utility/--no-utility", help="Measure utility (trains two models).")
    ] = True,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="HTML report path (default: <home>/reports/share-<name>.html)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the manifest as one JSON object.")
    ] = False,
) -> None:
    """Build an anonymised release: Parquet, CSV, data dictionary, manifest, and the risk/utility report."""
    from clearsight.privacy.html import write_html
    from clearsight.privacy.release import ReleaseOptions, build_release, make_plan

    workspace = workspace_of(ctx)
    options = ReleaseOptions(
        table=table,
        profile=profile,
        k=k,
        quasi_identifiers=_names(quasi_identifiers),
        recipient=recipient,
        new_key=new_key,
        l_diversity=l_diversity,
        max_suppression=max_suppression,
        out=out,
        overwrite=overwrite,
        utility=utility,
    )
    make_plan(options)  # bad options fail before the warehouse is opened
    with (
        open_warehouse(ctx) as warehouse,
        err_console.status("searching generalisation levels, suppressing, writing..."),
    ):
        result = build_release(warehouse, options, workspace.secrets_dir, workspace.releases_dir)
    html = write_html(result.manifest, report or workspace.report(f"share-{result.name}.html"))
    manifest = result.manifest | {"path": str(result.path), "report": str(html)}
    emit(manifest, as_json, lambda _: _print_release(result, html))


def _print_release(result, html: Path) -> None:
    m = result.manifest
    rows = m["rows"]
    console.print(
        f"release {result.name}: {rows['released']:,} of {rows['source']:,} rows "
        f"({rows['suppressed']:,} suppressed, {rows['suppressed_share']:.1%}); k = {m['k']}; "
        + ", ".join(f"{c}: {v}" for c, v in m["generalisation"].items()),
        highlight=False,
    )
    verdict = "[green]PASS[/]" if result.risk.passed else "[red]FAIL[/]"
    console.print(
        f"risk {verdict}: highest prosecutor {result.risk.prosecutor_highest:.1%}, marketer "
        f"{result.risk.marketer:.1%} (stored values: {result.risk_before.sample_uniques:,} sample uniques)"
    )
    for check, ok in result.risk.checks.items():
        if not ok:
            console.print(f"  [red]failed:[/] {check}")
    model = m.get("utility", {}).get("model", {})
    for b, r in (model.get("budgets") or {}).items():
        kept = lambda v: "—" if v is None else f"{v:.0%}"  # noqa: E731
        console.print(
            f"utility at {b} % budget: precision kept {kept(r['precision_kept'])}, "
            f"revenue kept {kept(r['revenue_kept'])}"
        )
    if model.get("skipped"):
        console.print(f"utility: {model['skipped']}")
    console.print(f"files: {result.path}", highlight=False, soft_wrap=True)
    console.print(f"report: {html}", highlight=False, soft_wrap=True)


@command
def recipients(ctx: typer.Context) -> None:
    """List recipients with a key, and the releases built for them (never the keys)."""
    from clearsight.privacy.keys import key_folder, release_history

    secrets = workspace_of(ctx).secrets_dir
    history = release_history(secrets)
    folder = key_folder(secrets)
    names = sorted({p.stem for p in folder.glob("*.key")} | set(history)) if folder.exists() else []
    if not names:
        console.print(
            "no recipients yet (a research release with --recipient NAME --new-key creates one)"
        )
    for name in names:
        has_key = (folder / f"{name}.key").is_file()
        console.print(
            f"{name}: {'key present' if has_key else '[red]KEY MISSING[/]'}, "
            f"{len(history.get(name, []))} release(s)"
        )


@command
def publish_cmd(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="Comma-separated dimensions, e.g. hs2,partner,month.")],
    k: Annotated[int, typer.Option("--k", help="Fewest importers a published cell needs.")] = 3,
    p: Annotated[
        float, typer.Option("--p", help="Largest share (%) one importer may hold of a cell.")
    ] = 80.0,
    dp_epsilon: Annotated[
        float | None,
        typer.Option("--dp-epsilon", help="Publish with differential privacy at this epsilon."),
    ] = None,
    dp_value_clip: Annotated[
        float, typer.Option("--dp-value-clip", help="Customs value counted at most per item (DP).")
    ] = 1_000_000.0,
    dp_revenue_clip: Annotated[
        float, typer.Option("--dp-revenue-clip", help="Revenue counted at most per item (DP).")
    ] = 1_000_000.0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder (default: <home>/reports/statistics/...).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a non-empty --out folder.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the manifest as one JSON object.")
    ] = False,
) -> None:
    """Publish trade value, revenue and release times by dimensions, safely."""
    from clearsight.privacy.stats import StatsOptions, check_options, publish

    options = StatsOptions(
        by=_names(by) or [],
        k=k,
        p=p,
        dp_epsilon=dp_epsilon,
        dp_value_clip=dp_value_clip,
        dp_revenue_clip=dp_revenue_clip,
        out=out,
        overwrite=overwrite,
    )
    check_options(options)
    with open_warehouse(ctx) as warehouse:
        manifest = publish(warehouse, options, workspace_of(ctx).statistics_dir)
    emit(manifest, as_json, lambda _: _print_published(manifest, options.by))


def _print_published(manifest: dict, by: list[str]) -> None:
    if "suppression" in manifest:
        s = manifest["suppression"]
        console.print(
            f"{s['cells']:,} cells by {', '.join(by)}: {s['published']:,} published, "
            f"{s['primary']:,} withheld (primary), {s['secondary']:,} withheld (secondary); "
            f"{s['totals_withheld']:,} totals withheld"
        )
    else:
        d = manifest["differential_privacy"]
        console.print(
            f"{d['cells']:,} cells with differential privacy, epsilon {d['epsilon']:g}: ±{d['items']['accuracy95']:.1f} "
            f"items, ±{d['trade_value']['accuracy95']:,.0f} value, ±{d['revenue']['accuracy95']:,.0f} revenue (95 %)"
        )
    console.print(f"files: {manifest['path']}", highlight=False, soft_wrap=True)
