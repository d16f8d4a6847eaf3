"""Derived tables: warehouse tables that clearsight writes itself, beside the canonical ones.

Nobody loads them from a file (``clearsight ingest`` refuses their names); the room that owns each
one writes it, and other rooms read it through that room. They are declared here, once, with their
columns, so the warehouse creates them with the right types, ``Warehouse.table`` knows their names,
and a listing of the warehouse can show them next to the canonical tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.schema as sch
import pyarrow as pa


@dataclass(frozen=True)
class DerivedTable:
    """One table a room writes: its name, owner room, what a row is, and its columns (Ibis types)."""

    name: str
    owner: str
    description: str
    columns: tuple[tuple[str, str], ...]

    def schema(self) -> sch.Schema:
        return ibis.schema(dict(self.columns))

    def arrow_schema(self) -> pa.Schema:
        return self.schema().to_pyarrow()

    def storage_schema(self) -> dict[str, str]:
        """Column name -> Ibis type string (as ``Table.storage_schema`` of a canonical table)."""
        return dict(self.columns)


#: ``selections.channel`` of an officer's change of an item's lane (the portal's "change lane"): a
#: decision made by a person, with the reason in ``reasons``; the integrity indicators read it.
OFFICER_CHANNEL = "officer"

SELECTIONS = DerivedTable(
    "selections",
    owner="selectivity",
    description="every lane decision, batch (`clearsight select`) and real time (the scoring API), with its "
    "reasons, one row per goods item and decision",
    columns=(
        ("selection_id", "string"),
        ("decided_at", "timestamp"),
        ("declaration_id", "string"),
        ("item_no", "int64"),
        ("office_id", "string"),
        ("lodged_at", "timestamp"),
        ("lane", "string"),
        ("selected_by", "string"),
        ("random_control", "boolean"),
        ("exploration", "boolean"),
        ("rules_hit", "array<string>"),
        ("model_version", "string"),
        ("score", "float64"),
        ("fraud_probability", "float64"),
        ("expected_revenue", "float64"),
        # added with the real-time decisions (a warehouse made before gets them empty: batch rows)
        ("channel", "string"),  # batch | realtime | officer
        ("decided_by", "string"),  # the command or the API caller
        ("reasons", "array<string>"),  # the model's reasons in words (real time)
    ),
)

HS_NOMENCLATURE = DerivedTable(
    "hs_nomenclature",
    owner="hs",
    description="HS 2022 chapters, headings and subheadings with their official text and parent",
    columns=(
        ("code", "string"),
        ("level", "string"),
        ("parent", "string"),
        ("section", "string"),
        ("description", "string"),
    ),
)

HS_TARIFF_LINES = DerivedTable(
    "hs_tariff_lines",
    owner="hs",
    description="national tariff lines (8-10 digits) with their duty rates, loaded from an administration's CSV",
    columns=(
        ("hs_code", "string"),
        ("hs6", "string"),
        ("description", "string"),
        ("duty_rate", "float64"),
    ),
)

FORECASTS = DerivedTable(
    "forecasts",
    owner="forecast",
    description="revenue forecasts (`clearsight forecast`): per measure and series of the budget hierarchy "
    "(national, office, office × HS chapter), the months of history shown, each month forecast with its 80 % "
    "and 95 % intervals by each reconciliation method, and the scenario; the latest run of each measure",
    columns=(
        ("run_id", "string"),
        ("made_at", "timestamp"),
        ("measure", "string"),  # duty | value
        ("series_id", "string"),  # national | OFFICE | OFFICE/CHAPTER
        ("level", "string"),  # national | office | office_chapter
        ("office_id", "string"),
        ("chapter", "string"),
        ("month", "date"),
        ("kind", "string"),  # actual | forecast | scenario
        ("method", "string"),  # base | bottom_up | min_trace ('' for actuals)
        ("amount", "float64"),
        ("lo_80", "float64"),
        ("hi_80", "float64"),
        ("lo_95", "float64"),
        ("hi_95", "float64"),
        ("model", "string"),
        ("fallback", "string"),  # why the series got the fallback model (empty: it was backtested)
        ("mase", "float64"),  # backtest MASE of the chosen model
        ("mase_seasonal_naive", "float64"),
        ("backtest", "string"),  # JSON: MASE of every candidate
        ("scenario", "string"),  # the scenario in words (empty: none)
    ),
)

ENTITY_PAIRS = DerivedTable(
    "entity_pairs",
    owner="entities",
    description="pairs of party records compared by entity resolution (`clearsight entities resolve`), with "
    "their match probability and status (accepted, review, below, confirmed, rejected); the latest run",
    columns=(
        ("left_id", "string"),
        ("right_id", "string"),
        ("match_probability", "float64"),
        ("match_weight", "float64"),
        ("name_weight", "float64"),
        ("status", "string"),
        ("resolved_at", "timestamp"),
    ),
)

ENTITY_CLUSTERS = DerivedTable(
    "entity_clusters",
    owner="entities",
    description="every party record (party:<party_id>, seizure:<seizure_id>:<party_no>) and the entity it "
    "was resolved to; the latest run",
    columns=(
        ("record_id", "string"),
        ("entity_id", "string"),
        ("entity_size", "int64"),
        ("resolved_at", "timestamp"),
    ),
)

ENTITY_REVIEWS = DerivedTable(
    "entity_reviews",
    owner="entities",
    description="reviewers' decisions on pairs of party records (same or different entity), kept for every "
    "later run; the latest decision on a pair counts",
    columns=(
        ("left_id", "string"),
        ("right_id", "string"),
        ("decision", "string"),  # same | different
        ("decided_by", "string"),
        ("decided_at", "timestamp"),
        ("note", "string"),
    ),
)

DERIVED_TABLES: dict[str, DerivedTable] = {
    t.name: t
    for t in (
        SELECTIONS,
        HS_NOMENCLATURE,
        HS_TARIFF_LINES,
        FORECASTS,
        ENTITY_PAIRS,
        ENTITY_CLUSTERS,
        ENTITY_REVIEWS,
    )
}
