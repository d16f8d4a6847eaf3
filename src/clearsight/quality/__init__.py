"""Data-quality report room: what is in the warehouse, how complete, valid, fresh and consistent it is.

``build_report(warehouse, as_of)`` computes a typed, JSON-serialisable :class:`QualityReport` with Ibis
expressions only (so it runs unchanged on DuckDB and Spark); ``render_html`` turns it into a
self-contained page; the ``clearsight quality`` command does both.
"""

from clearsight.quality.report import (
    OUTLIER_RULE,
    FieldQuality,
    QualityReport,
    TableQuality,
    build_report,
)

__all__ = ["OUTLIER_RULE", "FieldQuality", "QualityReport", "TableQuality", "build_report"]
