"""The post-clearance audit candidates report, on the shared report base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clearsight.core.reports import money_filter, pct, render_page, write_page


def write_candidates_html(report: dict[str, Any], path: Path, currency: str | None = None) -> Path:
    """The ranked traders with their parts of revenue at risk and reasons; amounts in ``currency``."""
    filters = {"pct": pct, "money": money_filter}
    html = render_page(
        "clearsight.entities", "pca_candidates.html", filters, report=report, currency=currency
    )
    return write_page(path, html)


__all__ = ["write_candidates_html"]
