"""Selectivity: lane decisions (green, yellow, red) for frontline officers and the clearance system.
Lanes from risk scores within inspection budgets, rule hits, random control and exploration, for a
window of declarations (``clearsight select``) or one declaration in real time, the stored selections
and their report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.selectivity.decisions import (
        declaration_decisions,
        lane_decisions,
        move_decisions,
        outbox_rows,
    )
    from clearsight.selectivity.explore import exploration_priority
    from clearsight.selectivity.lanes import LaneDecision, decide_lanes
    from clearsight.selectivity.policy import SelectionPolicy
    from clearsight.selectivity.realtime import (
        ItemDecision,
        ItemRefused,
        RealtimeDecider,
        decide_declarations,
        decider_stamp,
    )
    from clearsight.selectivity.report import write_html
    from clearsight.selectivity.select import SelectionResult, SelectSettings, select_batch
    from clearsight.selectivity.selections import latest_selection_id, rule_stats, selection_summary

__all__ = [
    "ItemDecision",
    "ItemRefused",
    "LaneDecision",
    "RealtimeDecider",
    "SelectSettings",
    "SelectionPolicy",
    "SelectionResult",
    "decide_declarations",
    "decide_lanes",
    "decider_stamp",
    "declaration_decisions",
    "exploration_priority",
    "lane_decisions",
    "latest_selection_id",
    "move_decisions",
    "outbox_rows",
    "rule_stats",
    "select_batch",
    "selection_summary",
    "write_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "declaration_decisions": "decisions",
        "lane_decisions": "decisions",
        "move_decisions": "decisions",
        "outbox_rows": "decisions",
        "exploration_priority": "explore",
        "LaneDecision": "lanes",
        "decide_lanes": "lanes",
        "SelectionPolicy": "policy",
        "ItemDecision": "realtime",
        "ItemRefused": "realtime",
        "RealtimeDecider": "realtime",
        "decide_declarations": "realtime",
        "decider_stamp": "realtime",
        "write_html": "report",
        "SelectSettings": "select",
        "SelectionResult": "select",
        "select_batch": "select",
        "latest_selection_id": "selections",
        "rule_stats": "selections",
        "selection_summary": "selections",
    },
)
