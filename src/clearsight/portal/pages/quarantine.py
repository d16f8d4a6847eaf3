"""The quarantine browser: rows the quality gate refused, per file, and why; each list filtered,
sorted, paged and exported as CSV (for correction in a spreadsheet)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clearsight.access.security import Principal
from clearsight.ingest import quarantine as quarantine_reader
from clearsight.portal import listing
from clearsight.portal.deps import Portal, PortalDep, PrincipalDep, audit_read
from clearsight.portal.listing import Filter, ListSpec
from clearsight.portal.pages.render import page
from clearsight.schema.tables import DATA_TABLES

router = APIRouter(include_in_schema=False)

#: The files that had rows refused.
BATCHES = ListSpec(
    name="quarantine-batches",
    columns=("batch_id", "table_name", "source", "rows", "rows_in", "finished_at", "corrects_batch", "corrected_by"),
    sortable=("finished_at", "rows", "batch_id", "table_name"),
    default_sort="finished_at",
    descending_first=("finished_at", "rows"),
    filters=(
        Filter("table", "table", "choice", "table_name", choices=DATA_TABLES),
        Filter("from", "loaded from", "date_from", "finished_at"),
        Filter("to", "loaded to", "date_to", "finished_at"),
    ),
)
#: The refused rows of one file.
ROWS = ListSpec(
    name="quarantine-rows",
    columns=("batch_id", "table_name", "source", "row_no", "fields", "reasons", "raw"),
    sortable=("row_no", "fields"),
    default_sort="row_no",
    default_order="asc",
    filters=(Filter("field", "field at fault", "search", "fields", hint="e.g. hs_code"),),
)


@router.get("/quarantine", name="page.quarantine")
def quarantine(
    request: Request,
    batch: Annotated[str | None, Query(max_length=128)] = None,
    portal: Portal = PortalDep,
    principal: Principal = PrincipalDep,
) -> Response:
    found = listing.parse(request, ROWS if batch else BATCHES, keep=("batch",))
    with portal.warehouse() as wh:
        if batch:
            t = quarantine_reader.batch_rows(wh, batch)
            if field := found.value("field"):  # a row lists its fields at fault, comma-separated
                t = t.filter(("," + t.fields + ",").contains(f",{field},"))
            rows, total = listing.page_table(t, found, tie=("row_no",))
        else:
            summary = quarantine_reader.summary(wh).to_pylist()
            rows = listing.sort_rows(listing.filter_rows(summary, found), found)
            total = len(rows)
            rows = listing.page_rows(rows, found)
    if batch:  # quarantined rows are declaration-level data as read from the source
        action = "quarantine.export" if found.csv else "quarantine.rows"
        audit_read(request, principal, action, f"quarantine/{batch}", found.audit_filter(), rows=len(rows[: found.spec.export_cap]))
    if found.csv:
        return listing.csv_response(found, rows, total)
    data = {"batch": batch, "batches" if not batch else "rows": rows, "list": listing.meta(found, total, len(rows))}
    return page(request, "quarantine.html", data, title="Quarantine", principal=principal, extra=listing.view(found))
