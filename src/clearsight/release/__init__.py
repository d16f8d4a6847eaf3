"""Release times and performance: the Time Release Study (how long each stage of clearance takes, by
lane, office or any dimension; ``clearsight release report``), the comparison of two periods
(``clearsight release compare``), and the control indicators managers follow (hit rates, revenue
recovered; ``clearsight kpi``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.release.compare import compare_periods
    from clearsight.release.html import write_kpi_html, write_release_html
    from clearsight.release.kpi import kpi_report
    from clearsight.release.milestones import declaration_timeline
    from clearsight.release.report import build_release_report
    from clearsight.release.times import ReleaseOptions, parse_dimensions

__all__ = [
    "ReleaseOptions",
    "build_release_report",
    "compare_periods",
    "declaration_timeline",
    "kpi_report",
    "parse_dimensions",
    "write_kpi_html",
    "write_release_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "compare_periods": "compare",
        "write_kpi_html": "html",
        "write_release_html": "html",
        "kpi_report": "kpi",
        "declaration_timeline": "milestones",
        "build_release_report": "report",
        "ReleaseOptions": "times",
        "parse_dimensions": "times",
    },
)
