"""``clearsight risk``: train, evaluate, score, explain, list, promote and retrain risk models; and
``clearsight drift``: weekly population stability of the scored population against the reference."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, group, open_warehouse, settings_of, workspace_of
from clearsight.console import console, err_console, fail
from clearsight.risk.drift import ACT, WATCH, level

#: Weeks ``clearsight drift`` shows in the terminal (the HTML report has them all).
TERMINAL_WEEKS = 6


def _when(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date like 2024-06-30 (or 2024-06-30T12:00), not {value!r}")


def _budgets(text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        fail(f"--budgets must be percentages separated by commas, like 1,2,5,10, not {text!r}")
    if not values or any(not 0 < v <= 100 for v in values):
        fail(f"--budgets must be percentages above 0 and at most 100, got {text!r}")
    return [v / 100 for v in sorted(set(values))]


def _read_declarations(path: Path):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pq.read_table(path)
        text_cols = (
            "declaration_id",
            "office_id",
            "declarant_id",
            "importer_id",
            "seller_id",
            "hs_code",
            "hs6",
        )
        opts = pacsv.ConvertOptions(column_types={c: "string" for c in text_cols}, strings_can_be_null=True)
        return pacsv.read_csv(path, convert_options=opts)
    except Exception as exc:  # pyarrow's message names the problem
        fail(f"{path}: cannot read declarations ({exc}); give canonical columns in CSV or Parquet")


def register(app: typer.Typer) -> None:
    """Add the ``drift`` command and the ``risk`` command group to the main app."""
    app.command("drift")(drift_cmd)
    risk = group(app, "risk", "Risk engine: train and evaluate fraud models, score declarations, explain scores.")
    risk.command("train")(train_cmd)
    risk.command("evaluate")(evaluate_cmd)
    risk.command("score")(score_cmd)
    risk.command("explain")(explain_cmd)
    risk.command("models")(models_cmd)
    risk.command("promote")(promote_cmd)
    risk.command("retrain")(retrain_cmd)


@command
def train_cmd(
    ctx: typer.Context,
    until: Annotated[
        str | None, typer.Option("--until", help="Train on labels known before this date (default: all).")
    ] = None,
    objective: Annotated[
        str, typer.Option("--objective", help="Ranking: fraud, revenue or blend.")
    ] = "fraud",
    name: Annotated[
        str | None, typer.Option("--name", help="Model name (default: risk-OBJECTIVE-TIMESTAMP).")
    ] = None,
    promote: Annotated[
        bool, typer.Option("--promote", help="Use this model for scoring from now on.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the registry entry as JSON.")] = False,
) -> None:
    """Train a model on the warehouse's labels and add it to the registry (the first one is promoted)."""
    from dataclasses import asdict

    from clearsight.risk.engine import train
    from clearsight.risk.model import OBJECTIVES
    from clearsight.risk.registry import ModelRegistry

    if objective not in OBJECTIVES:
        fail(f"--objective must be one of {', '.join(OBJECTIVES)}, not {objective!r}")
    registry = ModelRegistry(workspace_of(ctx).models_dir)
    with open_warehouse(ctx) as wh, err_console.status("computing point-in-time features and training"):
        result = train(
            wh,
            registry,
            until=_when(until, "--until"),
            objective=objective,
            name=name,
            promote=promote,
        )
    entry = {**asdict(result.entry), "folder": str(result.folder), "notes": result.notes}
    emit(entry, as_json, lambda _: _print_trained(result, registry.promoted()))


def _print_trained(result, promoted_name: str | None) -> None:
    e = result.entry
    console.print(
        f"model {e.name}: {e.n_train:,} labels ({e.n_fraud:,} fraudulent), objective {e.objective}, "
        f"trained until {e.trained_until}",
        highlight=False,
    )
    if e.metrics.get("auc") is not None:
        console.print(
            f"validation ({e.metrics['validated_on']}): AUC {e.metrics['auc']:.3f}, "
            f"precision at 5 % {e.metrics['precision_at']['5']:.1%}",
            highlight=False,
        )
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    promoted = promoted_name == e.name
    console.print(
        f"saved in {result.folder}{' (promoted)' if promoted else ''}", highlight=False, soft_wrap=True
    )


@command
def evaluate_cmd(
    ctx: typer.Context,
    cutoff: Annotated[str, typer.Option("--cutoff", help="Train before this date, test from it.")],
    end: Annotated[
        str | None, typer.Option("--end", help="Test on items lodged before this date.")
    ] = None,
    budgets: Annotated[
        str, typer.Option("--budgets", help="Inspection budgets, % of test items.")
    ] = "1,2,5,10",
    objective: Annotated[str, typer.Option("--objective", help="fraud, revenue or blend.")] = "fraud",
    world: Annotated[
        Path | None,
        typer.Option("--world", help="Synthetic world folder: also score against its ground truth."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML report (default: <home>/reports/risk-evaluation.html)."),
    ] = None,
    critical_weight: Annotated[
        float,
        typer.Option(
            "--critical-weight",
            help="λ of the lanes' ranking: a missed critical item costs λ typical frauds (the selection policy's).",
        ),
    ] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay a deployment: train before the cutoff, rank the items after it, compare with baselines."""
    from clearsight.risk.engine import evaluate
    from clearsight.risk.html import write_html
    from clearsight.risk.model import OBJECTIVES

    if objective not in OBJECTIVES:
        fail(f"--objective must be one of {', '.join(OBJECTIVES)}, not {objective!r}")
    cut = _when(cutoff, "--cutoff")
    fractions = _budgets(budgets)
    with open_warehouse(ctx) as wh, err_console.status("computing point-in-time features, training and scoring"):
        ev = evaluate(
            wh,
            cut,
            end=_when(end, "--end"),
            budgets=fractions,
            objective=objective,
            world_dir=world,
            critical_weight=critical_weight,
        )
    path = write_html(ev, out or workspace_of(ctx).report("risk-evaluation.html"))
    emit(ev.to_json_dict(), as_json, lambda data: _print_evaluation(ev, data), report=path)


def _print_evaluation(ev, data: dict) -> None:
    from clearsight.risk.html import LABELS

    console.print(
        f"trained on {ev.n_train:,} labels before {ev.cutoff:%Y-%m-%d}; tested on {ev.n_test:,} inspected of "
        f"{ev.n_test_items:,} items; revenue basis: {ev.revenue_basis}",
        highlight=False,
    )
    def with_lanes(methods: dict, src: dict) -> dict:
        net = src["ablation"]["network"]
        return {**methods, "lanes": src["lanes"]["metrics"], "critical_model": src["lanes"]["critical_model"],
                "network_model": net["with"]["model"], "network_lanes": net["with"]["lanes"]}

    sets = [
        (
            "labelled test items",
            with_lanes({"model": data["metrics"], **{k: v["metrics"] for k, v in data["baselines"].items()}}, data),
        )
    ]
    if data["ground_truth"]:
        sets.append(("ground truth, all test items", with_lanes(data["ground_truth"]["metrics"], data["ground_truth"])))
    for title, methods in sets:
        grid = RichTable(title=title, title_justify="left")
        grid.add_column("method")
        grid.add_column("AUC", justify="right")
        for b in data["budgets"]:
            grid.add_column(f"prec {b}%", justify="right")
        for b in data["budgets"]:
            grid.add_column(f"rev {b}%", justify="right")
        grid.add_column(f"critical {data['budgets'][-1]}%", justify="right")
        for name, m in methods.items():
            keys = [str(b) for b in data["budgets"]]
            grid.add_row(
                LABELS.get(name, name),
                "—" if m["auc"] is None else f"{m['auc']:.3f}",
                *[f"{m['precision_at'][k]:.1%}" for k in keys],
                *[f"{m['revenue_at'][k]:.1%}" for k in keys],
                f"{m['critical_recall_at'][keys[-1]]:.1%}",
            )
        console.print(grid)
    console.print(
        f"lanes rank by the {data['lanes']['ranking']}; network features: {data['ablation']['network']['entities']}",
        highlight=False,
    )
    for note in ev.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


@command
def score_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Declarations to score (canonical columns, CSV or Parquet).")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Score warehouse items lodged from this date.")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="... and before this date.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Parquet file to write.")] = Path("scores.parquet"),
    model: Annotated[
        str | None, typer.Option("--model", help="Model name (default: the promoted one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a summary as JSON.")] = False,
) -> None:
    """Score items: fraud probability, expected revenue, rank and reasons, written as Parquet."""
    import pyarrow.parquet as pq

    from clearsight.risk.history import point_in_time
    from clearsight.risk.registry import ModelRegistry
    from clearsight.risk.scorer import REASONS_LIMIT, RiskScorer, score_history

    if (file is None) == (date_from is None):
        fail("give either a FILE of declarations or --from DATE (with an optional --to DATE)")
    if file is not None and date_to is not None:
        fail("--to goes with --from, not with a FILE")
    settings = settings_of(ctx)
    notes: list[str] = []
    with open_warehouse(ctx) as wh:
        if file is not None:
            table = _read_declarations(file)
            scorer = RiskScorer.load(settings, model, warehouse=wh)
            result = scorer.score(table)
            notes = list(scorer.notes)
            name = scorer.entry.name
        else:
            start, stop = _when(date_from, "--from"), _when(date_to, "--to")
            entry, risk_model = ModelRegistry(workspace_of(ctx).models_dir).load(model)
            hist = point_in_time(wh, start=start, end=stop, basis=entry.revenue_basis)
            if hist.num_rows == 0:
                fail(
                    f"no items lodged from {date_from}{f' to {date_to}' if date_to else ''} in the warehouse"
                )
            result = score_history(risk_model, hist)
            name = entry.name
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(result, out)
    if result.num_rows > REASONS_LIMIT:
        notes.append(
            f"reasons given for the {REASONS_LIMIT:,} highest-ranked items (the others have none)"
        )
    summary = {"model": name, "items": result.num_rows, "out": str(out), "notes": notes}
    emit(summary, as_json, _print_scored, indent=None)


def _print_scored(summary: dict) -> None:
    for note in summary["notes"]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    console.print(
        f"{summary['items']:,} items scored with model {summary['model']} → {summary['out']}",
        highlight=False,
        soft_wrap=True,
    )


@command
def explain_cmd(
    ctx: typer.Context,
    declaration_id: Annotated[str, typer.Argument(help="Declaration reference.")],
    item: Annotated[
        int | None, typer.Option("--item", help="Goods item number (default: every item).")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model name (default: the promoted one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Why a declaration's items score as they do, with what was known at its lodgement."""
    from clearsight.risk.explain_item import explain_declaration

    with open_warehouse(ctx) as wh:
        rows = explain_declaration(settings_of(ctx), wh, declaration_id, item, model)
    emit(rows, as_json, _print_explained)


def _print_explained(rows: list[dict]) -> None:
    for r in rows:
        console.print(
            f"[bold]{r['declaration_id']} item {r['item_no']}[/]: fraud probability {r['fraud_probability']:.1%}, "
            f"expected revenue {r['expected_revenue']:,.0f} (model {r['model']})",
            highlight=False,
        )
        for reason in r["reasons"] or ["nothing raises this item's risk above the usual"]:
            console.print(f"  • {reason}", highlight=False)


@command
def models_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the trained models; the promoted one scores."""
    from dataclasses import asdict

    from clearsight.risk.registry import ModelRegistry

    registry = ModelRegistry(workspace_of(ctx).models_dir)
    entries, promoted = registry.entries(), registry.promoted()
    listed = {"promoted": promoted, "models": [asdict(e) for e in entries]}
    emit(listed, as_json, lambda _: _print_models(entries, promoted))


def _print_models(entries: list, promoted: str | None) -> None:
    if not entries:
        console.print("no models yet: run `clearsight risk train`")
        return
    grid = RichTable(title="risk models", title_justify="left")
    for col in (
        "",
        "name",
        "objective",
        "trained until",
        "labels",
        "frauds",
        "AUC (validation)",
        "fingerprint",
    ):
        grid.add_column(col)
    for e in entries:
        auc = e.metrics.get("auc")
        grid.add_row(
            "*" if e.name == promoted else "",
            e.name,
            e.objective,
            (e.trained_until or "")[:19],
            f"{e.n_train:,}",
            f"{e.n_fraud:,}",
            "—" if auc is None else f"{auc:.3f}",
            e.fingerprint,
        )
    console.print(grid)
    console.print("* promoted (used for scoring)")


@command
def promote_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The model to score with from now on.")],
) -> None:
    """Set the model used for scoring."""
    from clearsight.risk.registry import ModelRegistry

    ModelRegistry(workspace_of(ctx).models_dir).promote(name)
    console.print(f"model {name} promoted: scoring uses it from now on", highlight=False)


@command
def retrain_cmd(
    ctx: typer.Context,
    holdout_weeks: Annotated[
        int,
        typer.Option("--holdout-weeks", min=1, help="Compare on the labelled items of the last N weeks."),
    ] = 4,
    metric: Annotated[
        str,
        typer.Option("--metric", help="precision, revenue, recall, normalised_revenue or auc."),
    ] = "precision",
    budget: Annotated[
        float, typer.Option("--budget", help="Inspection budget the metric is read at, % of items.")
    ] = 5.0,
    margin: Annotated[
        float,
        typer.Option("--margin", help="Promote only when the challenger is better by at least this."),
    ] = 0.01,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit/--no-refit",
            help="Refit a winning challenger on every label (default), or promote the compared one.",
        ),
    ] = True,
    name: Annotated[
        str | None, typer.Option("--name", help="Challenger name (default: retrain-TIMESTAMP).")
    ] = None,
    min_new_labels: Annotated[
        int | None,
        typer.Option(
            "--min-new-labels", min=1, help="Labels newer than the champion needed (default 50)."
        ),
    ] = None,
    show_history: Annotated[
        bool, typer.Option("--history", help="Show every past comparison instead of retraining.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Train a challenger on the newest labels; promote it only if it beats the promoted model."""
    from dataclasses import asdict

    from clearsight.risk.registry import ModelRegistry
    from clearsight.risk.retrain import MIN_NEW_LABELS, history, retrain

    registry = ModelRegistry(workspace_of(ctx).models_dir)
    if show_history:
        past = history(registry)
        emit([asdict(c) for c in past], as_json, lambda _: _print_history(past))
        return
    if not 0 < budget <= 100:
        fail(f"--budget must be a percentage above 0 and at most 100, got {budget:g}")
    with (
        open_warehouse(ctx) as wh,
        err_console.status("training the challenger and comparing it with the promoted model"),
    ):
        result = retrain(
            wh,
            registry,
            holdout_weeks=holdout_weeks,
            metric=metric,
            budget=budget / 100,
            margin=margin,
            refit=refit,
            name=name,
            min_new_labels=min_new_labels or MIN_NEW_LABELS,
        )
    emit(asdict(result), as_json, lambda _: _print_retrained(result, registry))


def _print_retrained(result, registry) -> None:
    if result.decision == "first":
        console.print(f"model {result.promoted}: {result.reason}", highlight=False)
        return
    h = result.holdout
    console.print(
        f"holdout: {h['window']}, {h['from']} to {h['to']}: {h['labels']:,} labelled items "
        f"({h['frauds']:,} fraudulent)",
        highlight=False,
    )
    what = result.metric if result.metric == "auc" else f"{result.metric} at {result.budget * 100:g} %"
    grid = RichTable(
        title=f"champion and challenger on the holdout ({what} decides)", title_justify="left"
    )
    for col in ("model", "", "AUC", "precision 5 %", "revenue 5 %", what):
        grid.add_column(col, justify="left" if col in ("model", "") else "right")
    for role, model_name, m in (
        ("champion", result.champion, result.champion_metrics),
        ("challenger", result.challenger, result.challenger_metrics),
    ):
        value = result.value(role)
        grid.add_row(
            model_name or "",
            role,
            "—" if m["auc"] is None else f"{m['auc']:.3f}",
            f"{m['precision_at']['5']:.1%}",
            f"{m['revenue_at']['5']:.1%}",
            "—" if value is None else f"{value:.4f}",
        )
    console.print(grid)
    colour = "green" if result.decision == "promoted" else "yellow"
    console.print(f"[{colour}]{result.decision}:[/] {result.reason}", highlight=False)
    console.print(f"scoring uses model {registry.promoted()}", highlight=False)


def _print_history(past: list) -> None:
    """The retraining log as a table."""
    if not past:
        console.print("no retraining yet: run `clearsight risk retrain`")
        return
    grid = RichTable(title="retraining log", title_justify="left")
    for col in ("when", "champion", "challenger", "criterion", "champion", "challenger", "decision"):
        grid.add_column(col)
    for c in past:
        what = c.metric if c.metric == "auc" else f"{c.metric} {c.budget * 100:g} %"
        a, b = c.value("champion"), c.value("challenger")
        grid.add_row(
            c.when[:19],
            c.champion or "—",
            c.challenger,
            what,
            "—" if a is None else f"{a:.4f}",
            "—" if b is None else f"{b:.4f}",
            c.decision + (f" → {c.promoted}" if c.promoted else ""),
        )
    console.print(grid)


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
    from clearsight.risk.drift import MIN_WEEK_ITEMS, compute_drift, save_cached, state_key
    from clearsight.risk.drift_html import write_html

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
        f"({report.reference_items:,} items); {report.headline()}",
        highlight=False,
        soft_wrap=True,
    )
    if shown.weeks:
        cols = list(range(max(0, len(shown.weeks) - TERMINAL_WEEKS), len(shown.weeks)))
        grid = RichTable(title="population stability index (PSI) per week", title_justify="left")
        grid.add_column("feature")
        for i in cols:
            part = f"\npartial, {shown.week_days[i]}d" if shown.week_partial[i] else ""
            grid.add_column(f"{shown.weeks[i][5:]}\n{shown.week_items[i]:,}{part}", justify="right")
        grid.add_column("reading")
        latest = shown.latest_index()
        style = {"stable": "", "watch": "yellow", "act": "bold red"}
        for f in shown.features:
            cells = []
            for i in cols:
                s = style[level(f.psi[i])]
                cells.append(f"[{s}]{f.psi[i]:.3f}[/]" if s else f"{f.psi[i]:.3f}")
            grid.add_row(f.name, *cells, level(None if latest is None else f.psi[latest]))
        console.print(grid)
        console.print(
            f"PSI below {WATCH} stable, {WATCH} to {ACT} watch (yellow), {ACT} or more act (red); "
            f"the reading is the latest full week's; the last {len(cols)} week(s) here, every week in the report"
        )
    for w in data["warnings"]:
        console.print(f"[bold red]warning:[/] {w}", highlight=False)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
