"""The synthetic customs world: realistic declarations, labels, events, trade flows and seizures, with a
ground truth, for developing, demonstrating and benchmarking every other room without real data.

``generate_world`` builds a :class:`World` (``clearsight synth``), ``write_world`` writes it as files
the ingest loads; the control constants say how the world's legacy control selected and detected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.synth.control import (
        DETECTION,
        HIGH_VALUE_QUANTILE,
        LEGACY_RULES,
        NEW_IMPORTER_DAYS,
        legacy_profile,
        rule_control_chance,
    )
    from clearsight.synth.reference import WATCH_CHAPTERS, WATCH_ORIGINS
    from clearsight.synth.world import World, check_settings, generate_world
    from clearsight.synth.write import FORMATS, read_world_params, read_world_table, write_world

__all__ = [
    "DETECTION",
    "FORMATS",
    "HIGH_VALUE_QUANTILE",
    "LEGACY_RULES",
    "NEW_IMPORTER_DAYS",
    "WATCH_CHAPTERS",
    "WATCH_ORIGINS",
    "World",
    "check_settings",
    "generate_world",
    "legacy_profile",
    "read_world_params",
    "read_world_table",
    "rule_control_chance",
    "write_world",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DETECTION": "control",
        "HIGH_VALUE_QUANTILE": "control",
        "LEGACY_RULES": "control",
        "NEW_IMPORTER_DAYS": "control",
        "legacy_profile": "control",
        "rule_control_chance": "control",
        "WATCH_CHAPTERS": "reference",
        "WATCH_ORIGINS": "reference",
        "World": "world",
        "check_settings": "world",
        "generate_world": "world",
        "FORMATS": "write",
        "read_world_params": "write",
        "read_world_table": "write",
        "write_world": "write",
    },
)
