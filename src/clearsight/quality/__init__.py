"""Data quality: what is in the warehouse, how complete, valid, fresh and consistent it is.

``build_report(warehouse, as_of)`` computes a typed, JSON-serialisable :class:`QualityReport` with Ibis
expressions only (so it runs unchanged on DuckDB and Spark); ``render_html`` / ``write_html`` turn it
into a self-contained page; the ``clearsight quality`` command does both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.quality.html import render_html, write_html
    from clearsight.quality.report import (
        OUTLIER_RULE,
        FieldQuality,
        QualityReport,
        TableQuality,
        build_report,
    )

__all__ = [
    "OUTLIER_RULE",
    "FieldQuality",
    "QualityReport",
    "TableQuality",
    "build_report",
    "render_html",
    "write_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "render_html": "html",
        "write_html": "html",
        "OUTLIER_RULE": "report",
        "FieldQuality": "report",
        "QualityReport": "report",
        "TableQuality": "report",
        "build_report": "report",
    },
)
