"""``clearsight release ...`` (Time Release Study) and ``clearsight kpi`` (control indicators)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, group, open_app_store, open_warehouse, workspace_of
from clearsight.console import console, err_console, fail

FromOption = Annotated[
    str | None, typer.Option("--from", help="First day of the period, YYYY-MM-DD (default: all data).")
]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day of the period, YYYY-MM-DD (inclusive).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as one JSON object on stdout.")]


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} must be a date like 2024-06-30, not {value!r}")


def parse_targets(text: str) -> tuple[float, ...]:
    """``24,48`` -> (24.0, 48.0); a one-line failure for anything that is not positive hours."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        fail(f"--targets must be hours separated by commas, like 24,48; got {text!r}")
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        fail(f"--targets must be positive hours separated by commas, like 24,48; got {text!r}")
    return tuple(sorted(set(values)))


def parse_period(text: str, option: str) -> tuple[dt.date, dt.date]:
    start, sep, end = text.partition(":")
    if not sep:
        fail(f"{option} must be a period FROM:TO, like 2024-01-01:2024-06-30; got {text!r}")
    first, last = parse_date(start, option), parse_date(end, option)
    assert first is not None and last is not None
    if first > last:
        fail(f"{option}: the period starts ({first}) after it ends ({last})")
    return first, last


def _options(date_from: str | None, date_to: str | None, targets: str, exclude: str, outlier_iqr: float):
    from clearsight.release.times import ReleaseOptions

    names = frozenset(n.strip() for n in exclude.split(",") if n.strip() and n.strip() != "none")
    return ReleaseOptions(
        date_from=parse_date(date_from, "--from"),
        date_to=parse_date(date_to, "--to"),
        targets=parse_targets(targets),
        exclude=names,
        outlier_iqr=outlier_iqr,
    )


def _print_release(report: dict[str, Any]) -> None:
    from clearsight.release.html import hours, pct

    o = report["overall"]
    within = ", ".join(f"{pct(v)} within {k} h" for k, v in o["within_target"].items())
    console.print(
        f"{report['declarations']:,} declarations measured: mean {hours(o['mean_h'])}, "
        f"median {hours(o['median_h'])}, p90 {hours(o['p90_h'])}; {within}"
    )
    left_out = {k: v for k, v in report["excluded"].items() if v}
    console.print(
        f"left out: {', '.join(f'{k} {v:,}' for k, v in left_out.items()) or 'none'}; "
        f"measured from lodgement (no arrival): {report['lodgement_fallback']:,}"
    )
    grid = RichTable(title=f"By {', '.join(report['by'])}", title_justify="left")
    for col in (*report["by"], "n", "mean", "median", "p90", *(f"≤{k} h" for k in o["within_target"])):
        grid.add_column(col, justify="left" if col in report["by"] else "right")
    for g in report["groups"][:40]:
        grid.add_row(
            *(str(g[k]) for k in report["by"]),
            f"{g['n']:,}",
            hours(g["mean_h"]),
            hours(g["median_h"]),
            hours(g["p90_h"]),
            *(pct(v) for v in g["within_target"].values()),
        )
    console.print(grid)
    if len(report["groups"]) > 40:
        console.print(f"... and {len(report['groups']) - 40} more groups (see the report)")
    slow = max(
        (s for s in report["stages"] if s["from"] != "release"),
        key=lambda s: s["mean_h"] * s["n"],
        default=None,
    )
    if slow:
        console.print(f"most time overall: {slow['from']} → {slow['to']} (median {hours(slow['median_h'])})")


def register(app: typer.Typer) -> None:
    """Add the ``release`` group and the ``kpi`` command to the main app."""
    release = group(
        app, "release", "Time Release Study: release times by stage, office and lane, bottlenecks, before/after."
    )
    release.command("report")(report_command)
    release.command("compare")(compare_command)
    app.command("kpi")(kpi_command)


@command
def report_command(
    ctx: typer.Context,
    date_from: FromOption = None,
    date_to: ToOption = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Group by these, comma-separated: office, lane, mode, hs_section, aeo, "
            "pre_arrival, weekday, hour.",
        ),
    ] = "lane",
    targets: Annotated[str, typer.Option("--targets", help="Release-time targets in hours.")] = "24,48",
    exclude: Annotated[
        str,
        typer.Option(
            "--exclude",
            help="Event defects that leave a declaration out: out_of_order, "
            "missing_milestone, duplicate, outlier, or none.",
        ),
    ] = "out_of_order",
    outlier_iqr: Annotated[
        float, typer.Option("--outlier-iqr", help="Outlier: release time above Q3 + this × IQR.")
    ] = 3.0,
    as_json: JsonOption = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML report (default: <home>/reports/release.html).")
    ] = None,
) -> None:
    """Release times per declaration, by stage and group, with event quality, paths and bottlenecks."""
    from clearsight.release.html import write_release_html
    from clearsight.release.report import build_release_report
    from clearsight.release.times import parse_dimensions

    options = _options(date_from, date_to, targets, exclude, outlier_iqr)
    dims = parse_dimensions(by)
    with open_warehouse(ctx) as wh:
        err_console.print("measuring release times…")
        report = build_release_report(wh, options, dims)
    path = write_release_html(report, out or workspace_of(ctx).report("release.html"))
    emit(report, as_json, _print_release, report=path, indent=None)


@command
def compare_command(
    ctx: typer.Context,
    before: Annotated[str, typer.Option("--before", help="Period before, FROM:TO (dates, inclusive).")],
    after: Annotated[str, typer.Option("--after", help="Period after, FROM:TO.")],
    boot: Annotated[int, typer.Option("--boot", min=100, help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    exclude: Annotated[str, typer.Option("--exclude", help="As for `release report`.")] = "out_of_order",
    as_json: JsonOption = False,
) -> None:
    """Compare the median and p90 release time of two periods, with bootstrap confidence intervals."""
    from clearsight.release.compare import compare_periods

    first, second = parse_period(before, "--before"), parse_period(after, "--after")
    options = _options(None, None, "24", exclude, 3.0)
    with open_warehouse(ctx) as wh:
        result = compare_periods(wh, first, second, options, n_boot=boot, seed=seed)
    emit(result, as_json, _print_comparison, indent=None)


def _print_comparison(result: dict[str, Any]) -> None:
    from clearsight.release.html import hours

    for name in ("before", "after"):
        p = result[name]
        console.print(
            f"{name}: {p['from']} to {p['to']}, {p['declarations']:,} declarations, "
            f"median {hours(p['median_h'])}, p90 {hours(p['p90_h'])}"
        )
    for name, d in result["differences"].items():
        verdict = "a real change" if d["significant"] else "not distinguishable from no change"
        console.print(
            f"{name.removesuffix('_h')} after − before: {d['difference']:+.2f} h "
            f"(95 % CI {d['ci_low']:+.2f} to {d['ci_high']:+.2f} h): {verdict}"
        )


@command
def kpi_command(
    ctx: typer.Context,
    date_from: FromOption = None,
    date_to: ToOption = None,
    as_json: JsonOption = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML report (default: <home>/reports/kpi.html).")
    ] = None,
) -> None:
    """Control indicators: selection and hit rates by lane, office and method, revenue per control."""
    from clearsight.release.html import write_kpi_html
    from clearsight.release.kpi import kpi_report

    first, last = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if first and last and first > last:
        fail(f"the period starts ({first}) after it ends ({last})")
    with open_warehouse(ctx) as wh, open_app_store(ctx) as store:  # real-time decisions wait in the store
        report = kpi_report(wh, first, last, store=store)
    path = write_kpi_html(report, out or workspace_of(ctx).report("kpi.html"), workspace_of(ctx).currency)
    emit(report, as_json, _print_kpi, report=path, indent=None)


def _print_kpi(report: dict[str, Any]) -> None:
    from clearsight.release.html import pct

    o = report["overall"]
    if o is None:
        console.print("[yellow]no declarations in the warehouse for this period[/]")
    else:
        console.print(
            f"{o['declarations']:,} declarations, {o['selected']:,} controlled ({pct(o['selection_rate'])}), "
            f"hit rate {pct(o['hit_rate'])}, revenue recovered {o['revenue']:,.0f} "
            f"({(o['revenue_per_inspection'] or 0):,.0f} per control)"
        )
        for r in report["by_lane"]:
            console.print(f"  lane {r['lane']}: {r['declarations']:,} declarations, hit rate {pct(r['hit_rate'])}")
    for note in report["notes"]:
        console.print(f"[yellow]note:[/] {note}")
