"""The ingest step of ``clearsight demo``: every table of the synthetic world through the quality gate,
then a second office's extract in another layout, through a mapping file, with real-world defects."""

from __future__ import annotations

from pathlib import Path

from clearsight.console import console
from clearsight.core.settings import Settings
from clearsight.core.steps import DemoStep
from clearsight.core.warehouse import Warehouse
from clearsight.core.workspace import Workspace

#: Load order: parties first, declarations before what refers to them.
LOAD_ORDER = ("parties", "declarations", "inspections", "events", "trade_flows", "seizures", "seizure_parties")

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


def demo_ingest(settings: Settings, warehouse: Warehouse) -> list[Path]:
    """Ingest each table of the demo world (once), then the messy office extract; writes no report."""
    from clearsight.ingest.load import ingest_file

    world_dir = Workspace(settings).demo_world_dir
    for table in LOAD_ORDER:
        path = world_dir / f"{table}.csv"
        if not path.exists():
            continue
        result = ingest_file(
            warehouse,
            table,
            path,
            tmp_dir=Workspace(settings).duckdb_spill_dir,
            memory_limit=settings.ingest_memory_limit,
        )
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
    result = ingest_file(warehouse, "declarations", extract, mapping, tmp_dir=Workspace(settings).duckdb_spill_dir)
    state = (
        "already ingested"
        if result.skipped
        else (f"{result.rows_in:,} in, {result.accepted:,} accepted, {result.quarantined:,} quarantined")
    )
    console.print(f"   {'office extract':<13} {state} (another layout, through {mapping.name})", highlight=False)
    return []


#: Required: the rooms after it need the data, so a refusal here stops the demo.
STEP = DemoStep("ingesting every table through the quality gate", demo_ingest, required=True)
