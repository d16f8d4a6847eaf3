"""Presets: packaged mapping files for the trade-statistics layouts statisticians download.

``--preset comtrade`` looks at the file's header and picks the UN Comtrade bulk layout
(``reporteriso``, ``tradevalue``...) or the Comtrade API layout (``reporterCode``, ``primaryValue``...);
``comtrade-bulk`` and ``comtrade-api`` force one. A preset is an ordinary mapping file (see
docs/mapping.md): copy it with ``mapping_path`` to adapt it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import duckdb

from clearsight.core.errors import UserError

#: preset name -> (table it loads, mapping file in this package); "comtrade" picks by header.
PRESETS: dict[str, tuple[str, str | None]] = {
    "comtrade": ("trade_flows", None),
    "comtrade-bulk": ("trade_flows", "comtrade-bulk.yaml"),
    "comtrade-api": ("trade_flows", "comtrade-api.yaml"),
    # enforcement records in the WCO CEN case fields (seizures and their persons and companies)
    "cen-seizures": ("seizures", "cen-seizures.yaml"),
    "cen-persons": ("seizure_parties", "cen-persons.yaml"),
}
#: columns that identify a layout (all must be present)
LAYOUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "comtrade-bulk": ("reporteriso", "partneriso", "flowcode", "productcode", "tradevalue", "year"),
    "comtrade-api": ("reporterCode", "partnerCode", "flowCode", "cmdCode", "primaryValue", "period"),
}


def preset_names() -> list[str]:
    return list(PRESETS)


def source_columns(path: Path) -> list[str]:
    """The column names of a CSV, Parquet or JSON-lines file (gzipped or not), read from its start."""
    name = path.name.lower().removesuffix(".gz")
    quoted = "'" + str(path).replace("'", "''") + "'"
    if name.endswith((".parquet", ".pq")):
        reader = f"read_parquet({quoted})"
    elif name.endswith((".jsonl", ".ndjson", ".json")):
        reader = f"read_json_auto({quoted}, format='newline_delimited', sample_size=100)"
    else:
        reader = f"read_csv({quoted}, all_varchar=true, sample_size=100)"
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        with duckdb.connect() as con:
            return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
    except duckdb.Error as exc:
        raise UserError(f"{path}: cannot read its header ({str(exc).splitlines()[0]})") from None


def detect_layout(columns: list[str]) -> str | None:
    """The Comtrade layout whose identifying columns the file has, or None."""
    have = set(columns)
    for layout, needed in LAYOUT_COLUMNS.items():
        if all(c in have for c in needed):
            return layout
    return None


def mapping_path(name: str, table: str | None = None, source: Path | None = None) -> Path:
    """The packaged mapping file of preset ``name`` (for ``comtrade``, the one that fits ``source``).

    Raises UserError for an unknown preset, a preset of another table, or a file in neither layout.
    """
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
    preset_table, file_name = PRESETS[name]
    if table is not None and table != preset_table:
        raise UserError(f"preset {name!r} loads {preset_table}, not {table}")
    if file_name is None:
        if source is None:
            raise UserError(f"preset {name!r} picks its layout from a file's header: give the file")
        columns = source_columns(source)
        layout = detect_layout(columns)
        if layout is None:
            wanted = "; ".join(f"{k}: {', '.join(v)}" for k, v in LAYOUT_COLUMNS.items())
            raise UserError(
                f"{source}: not a Comtrade bulk or API file (expected the columns of one layout — "
                f"{wanted}); columns: {', '.join(columns[:30])}"
            )
        file_name = PRESETS[layout][1]
    return Path(str(files("clearsight.trade.presets").joinpath(file_name)))
