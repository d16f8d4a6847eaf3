"""Trade analytics for statisticians and post-clearance auditors: mirror analysis of the declared
imports against partners' exports (``clearsight mirror``), unit-value reference prices and the
declarations valued far below them (``clearsight valuation reference`` and ``flags``), and the packaged
Comtrade mapping presets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.trade.html import write_html
    from clearsight.trade.mirror import MODE_CIF_FOB, MirrorSettings
    from clearsight.trade.presets import PRESETS, mapping_path
    from clearsight.trade.report import MirrorReport, build_mirror
    from clearsight.trade.valuation import reference_unit_values, valuation_flags

__all__ = [
    "MODE_CIF_FOB",
    "PRESETS",
    "MirrorReport",
    "MirrorSettings",
    "build_mirror",
    "mapping_path",
    "reference_unit_values",
    "valuation_flags",
    "write_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "write_html": "html",
        "MODE_CIF_FOB": "mirror",
        "MirrorSettings": "mirror",
        "PRESETS": "presets",
        "mapping_path": "presets",
        "MirrorReport": "report",
        "build_mirror": "report",
        "reference_unit_values": "valuation",
        "valuation_flags": "valuation",
    },
)
