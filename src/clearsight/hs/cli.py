"""``clearsight hs``: nomenclature, suggestions, training, declared-vs-predicted checks, evaluation."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from clearsight.cli_kit import command, emit, group, json_line, open_warehouse, workspace_of
from clearsight.console import console, err_console, fail
from clearsight.core.reports import money


def register(app: typer.Typer) -> None:
    """Add the ``hs`` command group to the main app."""
    hs = group(app, "hs", "HS classification: search the nomenclature, suggest codes, check declared codes.")
    hs.command("load")(load_cmd)
    hs.command("search")(search_cmd)
    hs.command("show")(show_cmd)
    hs.command("train")(train_cmd)
    hs.command("suggest")(suggest_cmd)
    hs.command("check")(check_cmd)
    hs.command("evaluate")(evaluate_cmd)


def _models_dir(ctx: typer.Context) -> Path:
    return workspace_of(ctx).models_dir


@command
def load_cmd(
    ctx: typer.Context,
    tariff: Annotated[
        Path | None,
        typer.Option("--tariff", help="CSV of national tariff lines: hs_code, duty_rate[, description]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Load HS 2022 into the warehouse (table hs_nomenclature), and national tariff lines if given."""
    from clearsight.hs.nomenclature import load_nomenclature, load_tariff

    with open_warehouse(ctx) as wh:
        out: dict = {"nomenclature_codes": load_nomenclature(wh)}
        if tariff is not None:
            result = load_tariff(wh, tariff)
            out.update(
                tariff_lines=result.loaded, refused=[{"row": r, "reason": why} for r, why in result.refused]
            )
    emit(out, as_json, _print_loaded, indent=None)


def _print_loaded(out: dict) -> None:
    console.print(f"HS 2022 loaded: {out['nomenclature_codes']:,} chapters, headings and subheadings")
    if "tariff_lines" in out:
        console.print(f"tariff lines loaded: {out['tariff_lines']:,}; refused rows: {len(out['refused'])}")
        for r in out["refused"][:20]:
            console.print(f"  row {r['row']}: {r['reason']}", highlight=False)


@command
def search_cmd(
    text: Annotated[str, typer.Argument(help="Words, or the first digits of a code.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="Codes listed.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Find codes of the nomenclature by words or by their first digits."""
    from clearsight.hs.retrieval import search_codes
    from clearsight.hs.text import fold

    if not text.strip():
        fail("give some words or digits to search for")
    if not any("a" <= c <= "z" or c.isdigit() for c in fold(text)):
        fail("the search text has no Latin letters or digits; the nomenclature is searched in English")
    found = search_codes(text, limit)
    codes = {"query": text, "codes": [e.__dict__ for e in found]}
    emit(codes, as_json, lambda _: _print_found(text, found), indent=None)


def _print_found(text: str, found: list) -> None:
    if not found:
        console.print(f"no code matches {text!r}")
        return
    grid = RichTable(title=f"HS 2022 codes for {text!r}", title_justify="left")
    grid.add_column("code", no_wrap=True)
    grid.add_column("level")
    grid.add_column("description")
    for e in found:
        grid.add_row(e.code, e.level, e.description)
    console.print(grid)


@command
def show_cmd(
    code: Annotated[str, typer.Argument(help="An HS code: 2, 4, 6 digits (or a national line of 8-10).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show a code with its chapter, heading and the subheadings under it."""
    from clearsight.hs.nomenclature import check_code, entries, lineage, section_names

    digits = check_code(code)
    base = digits[:6]
    path = lineage(base)
    children = [e for c, e in entries().items() if len(c) == len(base) + 2 and c.startswith(base)]
    section = path[0].section
    shown = {
        "code": digits,
        "section": {"id": section, "name": section_names().get(section, "")},
        "path": [e.__dict__ for e in path],
        "children": [e.__dict__ for e in children],
    }
    emit(shown, as_json, _print_code, indent=None)


def _print_code(shown: dict) -> None:
    section, digits = shown["section"], shown["code"]
    console.print(f"section {section['id']}: {section['name']}", highlight=False)
    for e in shown["path"]:
        console.print(f"[bold]{e['code']}[/] ({e['level']}) {e['description']}", highlight=False)
    if len(digits) > 6:
        console.print(
            f"(national line {digits}: its duty comes from the tariff loaded with 'hs load --tariff')"
        )
    for e in shown["children"]:
        console.print(f"  {e['code']} {e['description']}", highlight=False)


@command
def train_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Train the classifier on the workspace's declarations (written to <home>/models/hs/)."""
    from clearsight.hs.train import train

    with (
        open_warehouse(ctx) as wh,
        console.status("training the HS classifier", spinner="dots") if not as_json else _nothing(),
    ):
        result = train(wh, _models_dir(ctx))
    emit(result.to_json_dict(), as_json, lambda _: _print_trained(result), indent=None)


def _print_trained(result) -> None:
    console.print(
        f"trained on {result.examples:,} items ({result.distinct_texts:,} distinct descriptions, "
        f"{result.subheadings:,} subheadings) in {result.seconds:.1f} s"
    )
    console.print(
        f"left out: {result.no_description:,} items without a description, "
        f"{result.misclassified_left_out:,} found misclassified by an inspection, "
        f"{result.codes_not_in_hs2022:,} with a code outside HS 2022"
    )
    console.print(f"model: {result.path}", highlight=False, soft_wrap=True)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _reason(note: str | None) -> str:
    """A short name for why a description got no suggestion (for the batch summary)."""
    note = note or ""
    for key, name in (
        ("empty", "empty"),
        ("characters long", "too long"),
        ("Latin", "not in Latin script"),
        ("is a number", "only a number"),
        ("says nothing", "no goods words"),
    ):
        if key in note:
            return name
    return "no confident match"


def _read_lines(path: Path) -> list[str]:
    if str(path) == "-":
        return [line.rstrip("\r\n") for line in sys.stdin]
    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        fail(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")


@command
def suggest_cmd(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="A goods description.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="One description per line ('-' for stdin); JSON lines out.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="Suggestions per description.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (always, with --file).")] = False,
    zero_shot: Annotated[
        bool, typer.Option("--zero-shot", help="Use the nomenclature alone, even when a model is trained.")
    ] = False,
) -> None:
    """Suggest 6-digit HS codes for a description (or for every line of a file)."""
    from clearsight.hs.suggest import load_suggester

    if (text is None) == (file is None):
        fail("give one description, or --file FILE (one description per line)")
    suggester = load_suggester(_models_dir(ctx), zero_shot=zero_shot)
    if file is not None:
        lines = _read_lines(file)
        answers = suggester.suggest(lines, top)
        for a in answers:
            json_line(a.to_json_dict())
        reasons = Counter(_reason(a.note) for a in answers if not a.suggestions)
        empty = sum(reasons.values())
        why = ", ".join(f"{n:,} {r}" for r, n in reasons.most_common())
        err_console.print(
            f"{len(answers):,} descriptions ({suggester.mode}): {len(answers) - empty:,} with suggestions, "
            f"{empty:,} without" + (f" ({why})" if why else ""),
            highlight=False,
            soft_wrap=True,
        )
        return
    answer = suggester.suggest([text], top)[0]
    if as_json:
        json_line(answer.to_json_dict())
        if answer.note:
            err_console.print(answer.note, highlight=False, soft_wrap=True)
        return
    if answer.note and not answer.suggestions and not answer.note.startswith("no confident"):
        fail(answer.note)  # the text cannot be read as a goods description
    if not answer.suggestions:
        console.print(answer.note or "no confident suggestion")
        return
    grid = RichTable(title=f"Suggestions ({suggester.mode})", title_justify="left")
    for col in ("code", "level", "score", "description"):
        grid.add_column(col, no_wrap=col == "code")
    for s in answer.suggestions:
        grid.add_row(f"{s.code[:4]}.{s.code[4:]}", s.level, f"{s.score:.2f}", s.description)
    console.print(grid)
    if answer.note:  # e.g. the best code's state contradicts the description's
        err_console.print(f"note: {answer.note}", highlight=False, soft_wrap=True)


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--from must be a date like 2024-06-30, not {value!r}")


@command
def check_cmd(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--from", help="First lodgement date checked, YYYY-MM-DD.")],
    top: Annotated[int, typer.Option("--top", min=1, help="Flagged items listed (by revenue at risk).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Declared against predicted: items whose declared code does not fit their description."""
    from clearsight.hs.check import check_declarations
    from clearsight.hs.suggest import load_suggester

    start = _parse_date(since)
    with open_warehouse(ctx) as wh:
        result = check_declarations(wh, load_suggester(_models_dir(ctx)), start)
    flagged = result.flagged.sort_by([("revenue_at_risk", "descending"), ("declaration_id", "ascending")])
    shown = flagged.slice(0, top).to_pylist()
    summary = {
        "from": start.isoformat(),
        "mode": result.mode,
        "items": result.period_items,
        "checked": result.items.num_rows,
        "no_description": result.no_description,
        "flagged": flagged.num_rows,
        "revenue_at_risk": round(sum(flagged["revenue_at_risk"].to_pylist()), 2),
        "currency": workspace_of(ctx).currency,
        "listed": len(shown),
        "flagged_items": shown,
    }
    emit(summary, as_json, _print_checked, indent=None)


def _print_checked(summary: dict) -> None:
    shown = summary["flagged_items"]
    console.print(
        f"{summary['checked']:,} items checked since {summary['from']} ({summary['mode']}); "
        f"{summary['no_description']:,} without a description not checked"
    )
    console.print(
        f"declared code unlikely for {summary['flagged']:,} items; revenue at risk "
        f"{money(summary['revenue_at_risk'], summary.get('currency'), digits=2)} (listed: {len(shown)})"
    )
    grid = RichTable(title_justify="left")
    for col in ("declaration", "item", "declared", "fit", "likely", "score", "at risk", "description"):
        grid.add_column(col)
    for r in shown:
        grid.add_row(
            r["declaration_id"],
            str(r["item_no"]),
            r["declared_hs6"],
            f"{r['declared_fit']:.3f}",
            r["likely_hs6"],
            f"{r['likely_score']:.2f}",
            f"{r['revenue_at_risk']:,.2f}",
            r["goods_description"][:40],
        )
    if shown:
        console.print(grid)


@command
def evaluate_cmd(
    ctx: typer.Context,
    holdout: Annotated[
        float, typer.Option("--holdout", min=0.05, max=0.5, help="Share of declarations held out.")
    ] = 0.2,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Top-1 and top-5 accuracy at HS2, HS4 and HS6 on held-out declarations; zero-shot alongside."""
    from clearsight.hs.train import evaluate

    with open_warehouse(ctx) as wh:
        report = evaluate(wh, _models_dir(ctx), holdout)
    emit(report, as_json, _print_evaluation, indent=None)


def _print_evaluation(report: dict) -> None:
    console.print(
        f"trained on {report['train_items']:,} items, tested on {report['test_items']:,} held-out items "
        f"({report['test_items_with_unseen_code']:,} with a code never seen in training)"
    )
    grid = RichTable(title="accuracy (truth: declared codes)", title_justify="left")
    grid.add_column("")
    for col in ("HS2 top-1", "HS2 top-5", "HS4 top-1", "HS4 top-5", "HS6 top-1", "HS6 top-5"):
        grid.add_column(col, justify="right")
    for name in ("trained", "zero_shot"):
        m = report[name]
        grid.add_row(
            name.replace("_", "-"),
            *(f"{m[f'top{k}_hs{d}'] * 100:.1f} %" for d in (2, 4, 6) for k in (1, 5)),
        )
    console.print(grid)

