"""Lists people work from: one way to read filters, sort and paging from a request, apply them, and
answer a page, its JSON twin or a CSV export of what it shows.

A list declares its :class:`ListSpec` once (its columns, the columns it sorts by, its filters); the
page and its API twin parse the request with :func:`parse` (a bad value is a 422 naming the parameter),
apply the filters with :func:`filter_table` (Ibis) or :func:`filter_rows` (rows already in memory),
and answer with :func:`meta` (the total, the window shown, the links) and :func:`csv_response`.
The parameters are the same everywhere: ``limit`` (page size), ``offset``, ``sort``, ``order``
(``asc``/``desc``), the list's filters, and ``format`` (``json``, ``csv``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import ibis
import ibis.expr.types as ir
from fastapi import HTTPException, Request
from fastapi.responses import Response

FilterKind = Literal["text", "prefix", "choice", "date_from", "date_to", "search"]
#: The most offset a list is paged to (beyond, nobody is reading: narrow the filters).
MAX_OFFSET = 10_000_000
MAX_TEXT = 64
#: A cell a spreadsheet would run as a formula starts with one of these (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filter:
    """One filter of a list: its query parameter, what it is called, how it matches ``column``.

    ``text``: equal; ``prefix``: starts with (``pattern``); ``choice``: one of ``choices`` (``empty``,
    when given, is the choice that matches an empty column); ``date_from``/``date_to``: on or after /
    on or before the day; ``search``: parsed here, applied by the list's own query. ``upper``: codes
    are stored in capitals, so ``cn`` finds ``CN``.
    """

    name: str
    label: str
    kind: FilterKind
    column: str = ""
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    hint: str = ""
    empty: str | None = None
    upper: bool = False

    def parse(self, raw: str) -> Any:
        value = raw.strip()
        if not value:
            return None
        if self.kind in ("date_from", "date_to"):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise _bad(self.name, f"{value!r} is not a date (YYYY-MM-DD)") from None
        if len(value) > MAX_TEXT:
            raise _bad(self.name, f"at most {MAX_TEXT} characters")
        if self.upper:
            value = value.upper()
        if self.kind == "choice" and value not in self.choices:
            raise _bad(self.name, f"{value!r} is not one of {', '.join(self.choices)}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise _bad(self.name, f"{value!r} is not {self.hint or 'valid'}")
        return value


@dataclass(frozen=True)
class ListSpec:
    """What one list shows and how it may be filtered, sorted and paged."""

    name: str
    columns: tuple[str, ...]
    sortable: tuple[str, ...]
    default_sort: str
    default_order: Literal["asc", "desc"] = "desc"
    filters: tuple[Filter, ...] = ()
    #: columns whose first click sorts from the highest (a score, an amount, a date: the newest first)
    descending_first: tuple[str, ...] = ()
    page_size: int = 50
    max_page_size: int = 500
    #: rows a CSV export holds at most (the file says when it was cut)
    export_cap: int = 10_000

    def natural_order(self, column: str) -> Literal["asc", "desc"]:
        """The direction a column is sorted in when none is asked for."""
        if column == self.default_sort:
            return self.default_order
        return "desc" if column in self.descending_first else "asc"

    def filter(self, name: str) -> Filter:
        return next(f for f in self.filters if f.name == name)

    def openapi_parameters(self) -> list[dict[str, Any]]:
        """The list's query parameters for the OpenAPI document (the route reads them with :func:`parse`)."""
        def param(name: str, schema: dict, description: str) -> dict:
            return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

        out = [
            param("limit", {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
                  "rows per page"),
            param("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, "rows to skip"),
            param("sort", {"type": "string", "enum": list(self.sortable), "default": self.default_sort}, "sort column"),
            param("order", {"type": "string", "enum": ["asc", "desc"], "default": self.default_order}, "direction"),
            param("format", {"type": "string", "enum": ["json", "csv"]},
                  f"csv: the rows under the current filters and sort as a CSV file (at most {self.export_cap:,})"),
        ]
        for f in self.filters:
            schema: dict[str, Any] = {"type": "string", "maxLength": MAX_TEXT}
            if f.kind == "choice":
                schema = {"type": "string", "enum": list(f.choices)}
            elif f.kind in ("date_from", "date_to"):
                schema = {"type": "string", "format": "date"}
            else:  # a control character is refused before any route (see the app's RefuseControlCharacters)
                schema["pattern"] = f"^{f.pattern}$" if f.pattern else r"^[^\x00-\x1f\x7f-\x9f]*$"
            out.append(param(f.name, schema, f.label))
        return out


@dataclass(frozen=True)
class Listing:
    """One request's view of a list: its filters (parsed), sort, window and format."""

    spec: ListSpec
    filters: dict[str, Any]
    sort: str
    order: Literal["asc", "desc"]
    limit: int
    offset: int
    format: Literal["html", "json", "csv"]
    path: str = ""
    #: parameters the page keeps in its links besides the list's own (e.g. the quarantine's batch)
    keep: dict[str, str] = field(default_factory=dict)

    @property
    def csv(self) -> bool:
        return self.format == "csv"

    @property
    def window(self) -> tuple[int, int]:
        """(limit, offset) of the rows to read: the page, or the whole export plus one row (to tell
        that it was cut)."""
        return (self.spec.export_cap + 1, 0) if self.csv else (self.limit, self.offset)

    def value(self, name: str) -> Any:
        return self.filters.get(name)

    def audit_filter(self) -> dict[str, Any]:
        """What the audit entry records of the request: filters, sort and window."""
        shown = {k: str(v) for k, v in self.filters.items()}
        limit, offset = self.window
        return {**shown, "sort": f"{self.sort} {self.order}", "limit": limit, "offset": offset,
                **({"format": "csv"} if self.csv else {})}

    def url(self, **changes: Any) -> str:
        """This list's address with ``changes`` (None removes a parameter); defaults are left out."""
        params: dict[str, Any] = {**self.keep, **{k: str(v) for k, v in self.filters.items()}}
        if self.sort != self.spec.default_sort or self.order != self.spec.default_order:
            params.update(sort=self.sort, order=self.order)
        if self.limit != self.spec.page_size:
            params["limit"] = self.limit
        if self.offset:
            params["offset"] = self.offset
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        if params.get("offset") in (0, "0"):
            params.pop("offset")
        return f"{self.path}?{urlencode(params)}" if params else self.path

    def sort_url(self, column: str) -> str:
        """Sort by ``column``: the other direction when it is the sort already, else its natural one."""
        if column == self.sort:
            order = "asc" if self.order == "desc" else "desc"
        else:
            order = self.spec.natural_order(column)
        return self.url(sort=column, order=order, offset=None)


def _bad(name: str, why: str) -> HTTPException:
    return HTTPException(422, f"{name}: {why}")


def _integer(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise _bad(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise _bad(name, f"must be from {low:,} to {high:,}")
    return value


def wants(request: Request) -> Literal["html", "json", "csv"]:
    """The answer's format: ``?format=csv`` or ``json`` (or ``Accept: application/json``), else a page."""
    fmt = request.query_params.get("format")
    if fmt not in (None, "", "html", "json", "csv"):
        raise _bad("format", f"{fmt!r} is not one of json, csv")
    if fmt == "csv":
        return "csv"
    accept = request.headers.get("accept", "")
    if fmt == "json" or ("application/json" in accept and "text/html" not in accept):
        return "json"
    return "html"


def parse(request: Request, spec: ListSpec, *, api: bool = False, keep: Sequence[str] = ()) -> Listing:
    """The list's parameters from ``request``'s query, each checked (422 naming the parameter);
    parameters the list does not know are left to the route. ``api``: answers JSON unless CSV is asked."""
    q = request.query_params
    sort = (q.get("sort") or spec.default_sort).strip()
    if sort not in spec.sortable:
        raise _bad("sort", f"{sort!r} is not a column this list sorts by; one of {', '.join(spec.sortable)}")
    order = (q.get("order") or spec.natural_order(sort)).strip().lower()
    if order not in ("asc", "desc"):
        raise _bad("order", f"{order!r} is not asc or desc")
    filters = {}
    for f in spec.filters:
        raw = q.get(f.name)
        if raw is not None and (value := f.parse(raw)) is not None:
            filters[f.name] = value
    starts = [f for f in spec.filters if f.kind == "date_from" and f.name in filters]
    for start in starts:
        end = next((f for f in spec.filters if f.kind == "date_to" and f.column == start.column), None)
        if end is not None and end.name in filters and filters[end.name] < filters[start.name]:
            raise _bad(end.name, f"{filters[end.name]} is before {start.name} {filters[start.name]}")
    fmt = wants(request)
    return Listing(
        spec=spec,
        filters=filters,
        sort=sort,
        order=order,  # type: ignore[arg-type]
        limit=_integer(q.get("limit"), "limit", spec.page_size, 1, spec.max_page_size),
        offset=_integer(q.get("offset"), "offset", 0, 0, MAX_OFFSET),
        format="json" if api and fmt == "html" else fmt,
        path=request.url.path,
        keep={k: q[k] for k in keep if q.get(k)},
    )


# --- Applying a listing ---------------------------------------------------------------------------

def _condition(t: ir.Table, f: Filter, value: Any) -> ir.BooleanValue | None:
    column = t[f.column]
    if f.kind == "text":
        return column == value
    if f.kind == "prefix":
        return column.startswith(value)
    if f.kind == "choice":
        return column.isnull() if value == f.empty else column == value
    if f.kind == "date_from":
        return column >= ibis.timestamp(dt.datetime.combine(value, dt.time()))
    if f.kind == "date_to":
        return column < ibis.timestamp(dt.datetime.combine(value + dt.timedelta(days=1), dt.time()))
    return None  # search: the list's own query applies it


def filter_table(t: ir.Table, listing: Listing, only: Iterable[str] | None = None) -> ir.Table:
    """``t`` with the listing's filters applied (those named in ``only``, when given)."""
    names = set(only) if only is not None else None
    for f in listing.spec.filters:
        if f.name in listing.filters and (names is None or f.name in names):
            condition = _condition(t, f, listing.filters[f.name])
            if condition is not None:
                t = t.filter(condition)
    return t


def order_table(t: ir.Table, listing: Listing, tie: Sequence[str] = ()) -> ir.Table:
    """``t`` in the listing's order (empty values last either way), ties broken by ``tie``."""
    column = t[listing.sort]
    key = column.desc(nulls_first=False) if listing.order == "desc" else column.asc(nulls_first=False)
    return t.order_by([key, *(c for c in tie if c != listing.sort)])


def page_table(t: ir.Table, listing: Listing, tie: Sequence[str] = ()) -> tuple[list[dict[str, Any]], int]:
    """The rows of the listing's window (in its order) and how many rows ``t`` holds in all."""
    total = int(t.count().to_pyarrow().as_py())
    limit, offset = listing.window
    rows = order_table(t, listing, tie).limit(limit, offset=offset).to_pyarrow().to_pylist()
    return rows, total


def _matches(row: dict[str, Any], f: Filter, value: Any) -> bool:
    have = row.get(f.column)
    if f.kind == "text":
        return have == value
    if f.kind == "prefix":
        return isinstance(have, str) and have.startswith(value)
    if f.kind == "choice":
        return have is None if value == f.empty else have == value
    day = have.date() if isinstance(have, dt.datetime) else have
    if f.kind == "date_from":
        return day is not None and day >= value
    if f.kind == "date_to":
        return day is not None and day <= value
    return True


def filter_rows(rows: Iterable[dict[str, Any]], listing: Listing, only: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The rows (already in memory) that the listing's filters keep."""
    names = set(only) if only is not None else None
    active = [(f, listing.filters[f.name]) for f in listing.spec.filters
              if f.name in listing.filters and (names is None or f.name in names)]
    return [r for r in rows if all(_matches(r, f, v) for f, v in active)]


def sort_rows(
    rows: list[dict[str, Any]], listing: Listing, keys: dict[str, Callable[[dict[str, Any]], Any]] | None = None
) -> list[dict[str, Any]]:
    """Rows in memory in the listing's order (empty values last either way); ``keys``: how a sort
    column that is not a plain column of the rows is computed."""
    key = (keys or {}).get(listing.sort) or (lambda row: row.get(listing.sort))
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    return sorted(present, key=key, reverse=listing.order == "desc") + missing


def page_rows(rows: list[dict[str, Any]], listing: Listing) -> list[dict[str, Any]]:
    """The listing's window of rows already filtered and in order."""
    limit, offset = listing.window
    return rows[offset : offset + limit]


# --- Answering ------------------------------------------------------------------------------------

def meta(listing: Listing, total: int, shown: int) -> dict[str, Any]:
    """What a page and its JSON twin say of the list: the total, the window, sort, filters and links."""
    first = listing.offset + 1 if shown else 0
    last = listing.offset + shown
    has_next = last < total
    return {
        "total": total,
        "first": first,
        "last": last,
        "limit": listing.limit,
        "offset": listing.offset,
        "sort": listing.sort,
        "order": listing.order,
        "filters": {k: str(v) for k, v in listing.filters.items()},
        "next": listing.url(offset=listing.offset + listing.limit) if has_next else None,
        "previous": listing.url(offset=max(listing.offset - listing.limit, 0)) if listing.offset else None,
        "csv": listing.url(format="csv", offset=None, limit=None),
        "export_cap": listing.spec.export_cap,
        "export_capped": total > listing.spec.export_cap,
    }


def view(listing: Listing) -> dict[str, Any]:
    """For the template only: the list's declaration, its sort links and its page sizes."""
    return {
        "listing": listing,
        "spec": listing.spec,
        "sort_urls": {c: listing.sort_url(c) for c in listing.spec.sortable},
        "sizes": sorted({listing.spec.page_size, 20, 50, 100, 200, listing.spec.max_page_size} & set(range(1, listing.spec.max_page_size + 1))),
    }


def paging_headers(listing: Listing, total: int, shown: int) -> dict[str, str]:
    """``X-Total-Count`` and RFC 8288 ``Link`` headers (next, prev) for an API answer that stays a list."""
    m = meta(listing, total, shown)
    links = [f'<{m[key]}>; rel="{rel}"' for key, rel in (("next", "next"), ("previous", "prev")) if m[key]]
    return {"X-Total-Count": str(total), **({"Link": ", ".join(links)} if links else {})}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text by a spreadsheet, never run as a formula
    return value


def csv_response(listing: Listing, rows: list[dict[str, Any]], total: int, columns: Sequence[str] | None = None) -> Response:
    """The rows as a CSV attachment (UTF-8, a header line); cut at the list's export cap, which the
    file name and the ``X-Export-Note`` header say."""
    columns = list(columns or listing.spec.columns)
    cap = listing.spec.export_cap
    capped = len(rows) > cap or total > cap
    rows = rows[:cap]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    today = dt.date.today().isoformat()
    name = f"{listing.spec.name}-{today}" + (f"-first-{cap}-of-{total}" if capped else "") + ".csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Total-Count": str(total)}
    if capped:
        headers["X-Export-Note"] = f"the export holds the first {cap:,} of {total:,} rows; narrow the filters for the rest"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)
