"""Planted integrity patterns: one officer and one office whose records an integrity unit should look at.

- **The officer** (at the office with the most controls) takes over part of that office's controls of
  importers others find fraud on, and records them all compliant: "compliant where others find fraud"
  for the same trader; and the importer with the most controls found compliant at the office has all
  of those go to the officer, so the officer also "handles a trader far more than chance" would give. Only ``inspections.officer_id`` changes:
  no result, lane, amount or event moves, so every other figure of the world stays as it was.
- **The office** (the one with the median number of red controls among the others) clears its red
  controls far faster than its peers: each physical inspection lasts a fraction of its drawn time,
  and the milestones after it move earlier by the time saved.

Drawn from a generator of its own (seeded from the world's seed), after every other table is made,
so the rest of the world is the same with or without it. The truth goes to ``world.json`` as
``integrity``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Share of the office's controls of exposed importers the planted officer takes over (enough for the
#: pattern to stand out at the demo's size, where almost every control is exposed by its HS code).
TAKEOVER_SHARE = 0.7
#: What is left of a red control's duration at the planted office.
FAST_FACTOR = 0.12
#: Milestones that follow the physical inspection and move earlier with it.
AFTER_INSPECTION = ("inspection_end", "assessment", "payment", "release", "exit")


@dataclass(frozen=True)
class PlantedIntegrity:
    inspections: pa.Table
    events: pa.Table
    truth: dict[str, Any]


def _declaration_controls(inspections: pa.Table, importer_of: dict[str, str]) -> dict[str, dict[str, Any]]:
    """declaration -> office, officer, importer, lane, found anything."""
    out: dict[str, dict[str, Any]] = {}
    cols = inspections.select(["declaration_id", "lane", "result", "officer_id"]).to_pydict()
    for decl, lane, result, officer in zip(*cols.values(), strict=True):
        row = out.setdefault(decl, {"officer": officer, "lane": lane, "found": False,
                                    "office": decl.split("-")[0], "importer": importer_of.get(decl)})
        row["found"] |= result != "compliant"
    return out


def plant_integrity(seed: int, declarations: pa.Table, inspections: pa.Table, events: pa.Table) -> PlantedIntegrity:
    """The world's inspections and events with the two planted patterns, and their truth."""
    rng = np.random.default_rng([seed, 7_411])
    first = declarations.select(["declaration_id", "importer_id"]).to_pydict()
    importer_of = dict(zip(first["declaration_id"], first["importer_id"], strict=True))
    controls = _declaration_controls(inspections, importer_of)
    if not controls:
        return PlantedIntegrity(inspections, events, {})
    offices: dict[str, int] = {}
    for c in controls.values():
        offices[c["office"]] = offices.get(c["office"], 0) + 1
    office_a = max(sorted(offices), key=lambda o: offices[o])

    # The officer: exposed importers are those with a find somewhere.
    exposed = {c["importer"] for c in controls.values() if c["found"]}
    at_a = sorted(d for d, c in controls.items() if c["office"] == office_a)
    officers_a = sorted({controls[d]["officer"] for d in at_a if controls[d]["officer"]})
    officer = officers_a[int(rng.integers(len(officers_a)))]
    candidates = [d for d in at_a if not controls[d]["found"] and controls[d]["importer"] in exposed
                  and controls[d]["officer"] != officer]
    # the trader: the importer with the most controls found compliant at the office, all of them
    compliant = [d for d in at_a if not controls[d]["found"] and controls[d]["officer"] != officer]
    per_importer: dict[str, int] = {}
    for d in compliant:
        per_importer[controls[d]["importer"]] = per_importer.get(controls[d]["importer"], 0) + 1
    trader = max(sorted(per_importer), key=lambda i: per_importer[i]) if per_importer else None
    taken = {d for d in compliant if controls[d]["importer"] == trader}
    taken |= {d for d in candidates if rng.random() < TAKEOVER_SHARE}
    decl_col = inspections.column("declaration_id")
    moved = pc.is_in(decl_col, value_set=pa.array(sorted(taken), pa.string()))
    officer_ids = pc.if_else(moved, pa.scalar(officer, pa.string()), inspections.column("officer_id"))
    inspections = inspections.set_column(inspections.schema.get_field_index("officer_id"), "officer_id", officer_ids)

    # The office: the median office by red controls, among those with at least 15.
    reds: dict[str, int] = {}
    for c in controls.values():
        if c["lane"] == "red" and c["office"] != office_a:
            reds[c["office"]] = reds.get(c["office"], 0) + 1
    eligible = sorted((n, o) for o, n in reds.items() if n >= 15)
    truth: dict[str, Any] = {
        "note": "planted for the integrity indicators; a flag is a reason to look, not a finding",
        "officer": {
            "officer_id": officer,
            "office_id": office_a,
            "trader": trader,
            "patterns": ["compliant_where_others_find", "trader_affinity"],
            "declarations_taken_over": len(taken),
            "trader_declarations": sum(1 for d in taken if controls[d]["importer"] == trader),
        },
    }
    if eligible:
        office_b = eligible[len(eligible) // 2][1]
        events = _faster_red_controls(events, {d for d, c in controls.items()
                                               if c["office"] == office_b and c["lane"] == "red"})
        truth["office"] = {"office_id": office_b, "patterns": ["fast_red_clearance"],
                           "red_controls": reds[office_b], "duration_factor": FAST_FACTOR}
    return PlantedIntegrity(inspections, events, truth)


def _faster_red_controls(events: pa.Table, declarations: set[str]) -> pa.Table:
    """Each listed declaration's inspection lasts FAST_FACTOR of its time; the milestones after its
    start (inspection end, assessment, payment, release, exit) move earlier by the time saved."""
    if not declarations:
        return events
    at_type = events.schema.field("at").type
    t = events.select(["declaration_id", "event", "at"]).append_column("_row", pa.array(np.arange(events.num_rows)))
    t = t.filter(pc.is_in(t.column("declaration_id"), value_set=pa.array(sorted(declarations), pa.string())))
    t = t.filter(pc.is_valid(t.column("at")))
    t = t.set_column(2, "at", pc.cast(pc.cast(t.column("at"), pa.timestamp("s")), pa.int64()))
    bounds = [
        t.filter(pc.equal(t.column("event"), name)).group_by("declaration_id").aggregate([("at", how)])
        .rename_columns(["declaration_id", key])
        for name, how, key in (("inspection_start", "min", "start"), ("inspection_end", "max", "end"))
    ]
    spans = bounds[0].join(bounds[1], "declaration_id", join_type="inner")
    t = t.join(spans, "declaration_id", join_type="inner")
    start, end, at = (t.column(c).to_numpy() for c in ("start", "end", "at"))
    saved = np.where(end > start, np.round((end - start) * (1 - FAST_FACTOR)), 0).astype(np.int64)
    moves = np.isin(t.column("event").to_numpy(zero_copy_only=False).astype(str), AFTER_INSPECTION) & (at >= start)
    seconds = pc.fill_null(pc.cast(pc.cast(events.column("at"), pa.timestamp("s")), pa.int64()), 0)
    seconds = seconds.to_numpy(zero_copy_only=False).copy()
    rows = t.column("_row").to_numpy()
    seconds[rows[moves]] = at[moves] - saved[moves]
    valid = pc.is_valid(events.column("at"))
    new_at = pc.if_else(valid, pc.cast(pa.array(seconds).cast(pa.timestamp("s")), at_type), events.column("at"))
    return events.set_column(events.schema.get_field_index("at"), "at", new_at)
