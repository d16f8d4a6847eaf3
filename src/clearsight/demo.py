"""`clearsight demo`: the main job end to end on a synthetic administration.

Generate a synthetic customs world, ingest every table through the quality gate, write the quality
report, and say where to look. Each later room adds its step here, so the demo stays one product.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearsight.console import console, fail
from clearsight.core.errors import UserError

if TYPE_CHECKING:
    from clearsight.core.settings import Settings
    from clearsight.core.warehouse import Warehouse

#: Load order: parties first, declarations before what refers to them.
LOAD_ORDER = ("parties", "declarations", "inspections", "events", "trade_flows", "seizures")

MESSY_MAPPING = """\
# The layout of a second system's extract: other column names, day-first dates, decimal commas.
table: declarations
source: {format: csv, delimiter: ";", decimal: ","}
fields:
  declaration_id: Decl No
  item_no: Item
  lodged_at: {column: Date, format: "%d/%m/%Y %H:%M"}
  office_id: Office
  declarant_id: Declarant
  importer_id: Importer
  country_of_origin: Origin
  hs_code: HS Code
  goods_description: Description
  net_mass_kg: Net kg
  customs_value: Value
  duty_rate: Duty %
  duty_tax_amount: {expr: '"Value" * "Duty %" / 100'}
"""


def write_messy_extract(world_dir: Path, rows: int = 600) -> tuple[Path, Path]:
    """A second office's extract of the same world: another layout, Latin-1, and real-world defects.

    Shows the mapping file and the quarantine at work: about 3 % of its rows are wrong in the ways
    real extracts are (unknown country, text in a number, negative mass, a repeated line, a cut line).
    """
    import csv

    source = world_dir / "declarations.csv"
    out, mapping = world_dir / "office-extract.csv", world_dir / "office-extract.mapping.yaml"
    countries = {"CN": "China", "DE": "Deutschland", "IN": "India", "TR": "Türkiye", "FR": "France"}
    with source.open(encoding="utf-8") as fh, out.open("w", encoding="latin-1", newline="") as dst:
        reader = csv.DictReader(fh)
        writer = csv.writer(dst, delimiter=";")
        writer.writerow(
            [
                "Decl No",
                "Item",
                "Date",
                "Office",
                "Declarant",
                "Importer",
                "Origin",
                "HS Code",
                "Description",
                "Net kg",
                "Value",
                "Duty %",
            ]
        )
        for i, r in enumerate(reader):
            if i >= rows:
                break
            date = r["lodged_at"]  # 2023-01-02 05:50:00 -> 02/01/2023 05:50
            row = [
                "X" + r["declaration_id"],
                r["item_no"],
                f"{date[8:10]}/{date[5:7]}/{date[:4]} {date[11:16]}",
                r["office_id"],
                r["declarant_id"],
                r["importer_id"],
                countries.get(r["country_of_origin"], r["country_of_origin"]),
                f"{r['hs_code'][:4]}.{r['hs_code'][4:6]}.{r['hs_code'][6:]}".rstrip("."),
                r["goods_description"].encode("latin-1", "replace").decode("latin-1"),
                r["net_mass_kg"].replace(".", ","),
                r["customs_value"].replace(".", ","),
                r["duty_rate"].replace(".", ","),
            ]
            defect = i % 37
            if defect == 5:
                row[6] = "Atlantis"
            elif defect == 11:
                row[10] = "n/a"
            elif defect == 17:
                row[9] = "-" + row[9]
            elif defect == 23:
                writer.writerow(row)  # the same line twice: a duplicate key
            elif defect == 29:
                row = row[:4]  # a line cut short
            writer.writerow(row)
    mapping.write_text(MESSY_MAPPING, encoding="utf-8")
    return out, mapping


def demo_risk(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Replay a risk-model deployment two thirds into the data, write its report, train the first model."""
    from clearsight.risk.engine import evaluate, train
    from clearsight.risk.html import write_html
    from clearsight.risk.registry import ModelRegistry

    d = warehouse.table("declarations")
    span = d.aggregate(lo=d.lodged_at.min(), hi=d.lodged_at.max()).to_pyarrow().to_pylist()[0]
    if span["lo"] is None:
        raise UserError("no declarations loaded")
    cutoff = dt.datetime.combine((span["lo"] + (span["hi"] - span["lo"]) * 2 / 3).date(), dt.time())
    world = settings.workspace.demo_world_dir
    registry = ModelRegistry(settings.workspace.models_dir)
    ev = evaluate(warehouse, cutoff, world_dir=world if (world / "ground_truth.csv").exists() else None)
    if not any(e.name == "demo" for e in registry.entries()):
        train(warehouse, registry, name="demo", promote=True)
    path = write_html(ev, settings.workspace.reports_dir / "risk-evaluation.html")
    if ev.ground_truth:  # the synthetic world knows every item's truth, inspected or not
        m, r = ev.ground_truth["metrics"]["model"], ev.ground_truth["metrics"]["random"]
        basis = "all test items, against the ground truth"
    else:
        m, r = ev.metrics, ev.baselines["random"]["metrics"]
        basis = "inspected test items"
    console.print(
        f"   deployed {cutoff:%Y-%m-%d}: inspecting 5 % of items finds fraud in "
        f"{m['precision_at']['5']:.0%} of them (random: {r['precision_at']['5']:.0%}) and "
        f"{m['revenue_at']['5']:.0%} of the revenue ({basis}); model 'demo' promoted for scoring",
        highlight=False,
    )
    return [path]


def demo_trade(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Mirror analysis of the declared imports against the partners' exports, and valuation flags."""
    from clearsight.trade.html import write_html
    from clearsight.trade.report import build_mirror
    from clearsight.trade.valuation import valuation_flags

    report = build_mirror(warehouse, limit=20)
    path = write_html(report, settings.workspace.reports_dir / "mirror.html")
    flags = valuation_flags(warehouse.table("declarations"))
    flagged = int(flags.filter(flags.flagged).count().to_pyarrow().as_py())
    console.print(
        f"   {report.pairs:,} pairs compared, {report.flagged:,} gaps flagged, revenue at risk "
        f"{report.revenue_at_risk:,.0f} USD; {flagged:,} items priced far below their reference unit value",
        highlight=False,
    )
    return [path]


def demo_release(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Time Release Study and control indicators."""
    from clearsight.release.html import write_kpi_html, write_release_html
    from clearsight.release.kpi import kpi_report
    from clearsight.release.report import build_release_report
    from clearsight.release.times import ReleaseOptions

    report = build_release_report(warehouse, ReleaseOptions(targets=(24.0, 48.0)), ["office", "lane"])
    release_path = write_release_html(report, settings.workspace.reports_dir / "release.html")
    kpi = kpi_report(warehouse)
    kpi_path = write_kpi_html(kpi, settings.workspace.reports_dir / "kpi.html")
    overall, lanes = report["overall"], report["dimensions"]["lane"]
    console.print(
        f"   {report['declarations']:,} declarations, median {overall['median_h']:.1f} h, "
        f"{overall['within_target']['24']:.0%} released within 24 h; median by lane: "
        + ", ".join(f"{g['lane']} {g['median_h']:.1f} h" for g in lanes),
        highlight=False,
    )
    k = kpi["overall"]
    hit = f"{k['hit_rate']:.1%}" if k and k["hit_rate"] is not None else "—"
    console.print(f"   controls: {k['selected'] if k else 0:,}, hit rate {hit}", highlight=False)
    return [release_path, kpi_path]


def demo_hs(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Train the HS classifier on the declarations, then list declared codes that do not fit."""
    import json

    from clearsight.hs.check import check_declarations
    from clearsight.hs.suggest import load_suggester
    from clearsight.hs.train import train

    trained = train(warehouse, settings.workspace.models_dir)
    result = check_declarations(warehouse, load_suggester(settings.workspace.models_dir))
    flagged = result.flagged.sort_by([("revenue_at_risk", "descending")])
    at_risk = sum(v or 0 for v in flagged["revenue_at_risk"].to_pylist())
    console.print(
        f"   trained on {trained.examples:,} items ({trained.distinct_texts:,} distinct descriptions); "
        f"{flagged.num_rows:,} declared codes do not fit their description, revenue at risk {at_risk:,.0f}",
        highlight=False,
    )
    path = settings.workspace.reports_dir / "hs-check.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "checked": result.items.num_rows,
        "flagged": flagged.num_rows,
        "revenue_at_risk": round(at_risk, 2),
    }
    path.write_text(
        json.dumps({**summary, "items": flagged.slice(0, 100).to_pylist()}, indent=1, default=str)
    )
    return [path]


def demo_privacy(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """An anonymised research release for one recipient, and public statistics."""
    from clearsight.privacy.demo import demo_step

    return demo_step(settings, warehouse)


def demo_feedback(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Drift since a model deployed a few weeks back, and one challenger against the champion."""
    from clearsight.selectivity.feedback_demo import demo_feedback as step

    return step(settings, warehouse)


def demo_selection(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """A few rule profiles, then the last week's lanes within each office's budget."""
    from clearsight.selectivity.demo import demo_selectivity

    return demo_selectivity(settings, warehouse)


def demo_simulation(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Random, rules, model and model+explore over a few weeks, on the demo world's ground truth."""
    from clearsight.selectivity.sim_demo import demo_simulation as step

    return step(settings, warehouse)


def demo_portal(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """A demo admin with a one-time password (a new one at each run), and how to serve the portal."""
    from clearsight.portal.demo import demo_step

    return demo_step(settings, warehouse)


#: Each room's demo step: (what it does, function(settings, warehouse) -> reports written).
ROOM_STEPS: list[tuple[str, Callable[[Settings, Warehouse], list[Path]]]] = [
    ("risk model: evaluation against baselines, then the first model", demo_risk),
    ("feedback: drift since a deployed model, one retraining", demo_feedback),
    ("lanes for the last week: rules, budgets, random control", demo_selection),
    ("simulation: inspection strategies learning from their own results", demo_simulation),
    ("mirror analysis and valuation", demo_trade),
    ("release times and control indicators", demo_release),
    ("HS classification: declared codes against descriptions", demo_hs),
    ("an anonymised release and public statistics", demo_privacy),
    ("the portal: a demo admin", demo_portal),
]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    items: Annotated[
        int, typer.Option("--items", min=100, help="Goods items in the synthetic world.")
    ] = 200_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the synthetic world.")] = 42,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the portal at the end (until Ctrl-C).")
    ] = False,
) -> None:
    """Synthesise a customs world, ingest it, check its quality and say where to look."""
    from clearsight.cli import settings_of
    from clearsight.core.settings import init_workspace
    from clearsight.core.warehouse import WarehouseError, connect
    from clearsight.ingest.load import ingest_file
    from clearsight.quality.html import write_html
    from clearsight.quality.report import build_report
    from clearsight.synth import generate_world, write_world

    settings = settings_of(ctx)
    home = init_workspace(settings)
    world_dir = settings.workspace.demo_world_dir
    console.rule(f"[bold]clearsight demo[/] — workspace {home.resolve()}")

    marker = world_dir / "world.json"
    if marker.exists():
        console.print(f"1. synthetic world already in {world_dir} (delete it to regenerate)")
    else:
        console.print(f"1. generating a synthetic customs world: {items:,} goods items, seed {seed}")
        world = generate_world(items=items, seed=seed)
        write_world(world, world_dir, "csv")
    console.print(f"   files: {world_dir}")

    console.print("2. ingesting every table through the quality gate")
    try:
        warehouse = connect(settings.warehouse_url)
    except WarehouseError as exc:
        fail(str(exc))
    try:
        for table in LOAD_ORDER:
            path = world_dir / f"{table}.csv"
            if not path.exists():
                continue
            try:
                result = ingest_file(
                    warehouse,
                    table,
                    path,
                    tmp_dir=settings.workspace.duckdb_spill_dir,
                    memory_limit=settings.ingest_memory_limit,
                )
            except UserError as exc:
                fail(str(exc))
            state = (
                "already ingested"
                if result.skipped
                else (
                    f"{result.rows_in:,} in, {result.accepted:,} accepted, {result.quarantined:,} quarantined"
                    f" ({result.seconds:.1f}s)"
                )
            )
            console.print(f"   {table:<13} {state}", highlight=False)

        extract, mapping = write_messy_extract(world_dir)
        try:
            result = ingest_file(
                warehouse, "declarations", extract, mapping, tmp_dir=settings.workspace.duckdb_spill_dir
            )
        except UserError as exc:
            fail(str(exc))
        state = (
            "already ingested"
            if result.skipped
            else (f"{result.rows_in:,} in, {result.accepted:,} accepted, {result.quarantined:,} quarantined")
        )
        console.print(
            f"   {'office extract':<13} {state} (another layout, through {mapping.name})", highlight=False
        )

        console.print("3. checking data quality")
        report = build_report(warehouse, dt.datetime.now(dt.UTC).date())
        reports = {"quality report": write_html(report, settings.workspace.reports_dir / "quality.html")}
        for number, (title, step) in enumerate(ROOM_STEPS, start=4):
            console.print(f"{number}. {title}")
            try:
                for path in step(settings, warehouse):
                    reports[path.stem.replace("-", " ") + " report"] = path
            except UserError as exc:  # a room that cannot run on this data says why; the demo goes on
                console.print(f"   [yellow]skipped:[/] {exc}", highlight=False)
    finally:
        warehouse.close()

    console.rule("where to look")
    for name, path in reports.items():
        console.print(f"{name:<22} {Path(path).resolve()}", highlight=False)
    console.print(f"{'warehouse':<22} {settings.warehouse_url}", highlight=False)
    console.print(f"{'synthetic world':<22} {world_dir.resolve()} (ground_truth.* is for simulators only)")
    home_opt = f"--home {settings.home}"
    console.print(
        f"next: clearsight {home_opt} serve   |   clearsight {home_opt} quarantine list", highlight=False
    )
    if serve:
        from clearsight.portal.demo import serve_demo

        serve_demo(settings)
