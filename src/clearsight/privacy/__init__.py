"""Data sharing without exposure: pseudonymised, k-anonymous transaction-level releases with their
disclosure-risk and utility reports (``clearsight share build``), and public statistics with cell
suppression or differential privacy (``clearsight stats publish``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.privacy.html import write_html
    from clearsight.privacy.keys import key_folder, release_history
    from clearsight.privacy.release import ReleaseOptions, ReleaseResult, build_release, make_plan
    from clearsight.privacy.risk import DisclosureRisk
    from clearsight.privacy.stats import StatsOptions, check_options, publish
    from clearsight.privacy.utility import utility_report

__all__ = [
    "DisclosureRisk",
    "ReleaseOptions",
    "ReleaseResult",
    "StatsOptions",
    "build_release",
    "check_options",
    "key_folder",
    "make_plan",
    "publish",
    "release_history",
    "utility_report",
    "write_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "write_html": "html",
        "key_folder": "keys",
        "release_history": "keys",
        "ReleaseOptions": "release",
        "ReleaseResult": "release",
        "build_release": "release",
        "make_plan": "release",
        "DisclosureRisk": "risk",
        "StatsOptions": "stats",
        "check_options": "stats",
        "publish": "stats",
        "utility_report": "utility",
    },
)
