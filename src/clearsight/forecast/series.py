"""Monthly series of the budget hierarchy, aggregated in the warehouse.

A budget speaks of the national total, each office's share of it and, within an office, each HS
chapter: so the series are national > office > office × chapter, summed from the declarations by
month of lodgement (one Ibis query, the same on DuckDB and Spark). The declarations carry duty and
taxes as one amount (``duty_tax_amount``), so the hierarchy has no tax-type level.

Chapters too small to model on their own (a share of their office's total below ``min_share``) are
summed into one ``other`` chapter per office, so every amount still counts once in its office and in
the national total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from clearsight.core.errors import UserError
from clearsight.core.warehouse import Warehouse

#: What can be forecast: name -> the declarations column summed.
MEASURES: dict[str, str] = {"duty": "duty_tax_amount", "value": "customs_value"}
MEASURE_LABELS: dict[str, str] = {"duty": "duty and taxes assessed", "value": "customs value of imports"}
NATIONAL = "national"
OTHER_CHAPTER = "other"
#: The hierarchy's levels, top to bottom (``tags`` of the reconciliation).
LEVELS = ("national", "office", "office_chapter")


def check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise UserError(f"unknown measure {measure!r}; measures: {', '.join(MEASURES)}")
    return measure


def monthly_query(
    warehouse: Warehouse, measure: str, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> ir.Table:
    """Sum of the measure per month of lodgement, office and HS chapter (the bottom of the hierarchy)."""
    column = MEASURES[check_measure(measure)]
    d = warehouse.table("declarations")
    if date_from is not None:
        d = d.filter(d.lodged_at >= ibis.timestamp(dt.datetime.combine(date_from, dt.time())))
    if date_to is not None:
        d = d.filter(d.lodged_at < ibis.timestamp(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time())))
    d = d.filter(d.lodged_at.notnull() & d.office_id.notnull())
    chapter = d.hs2.fill_null(d.hs_code.substr(0, 2)).fill_null("??")
    month = d.lodged_at.truncate("M").cast("date")
    grouped = d.group_by(month=month, office_id=d.office_id, chapter=chapter)
    return grouped.aggregate(
        amount=d[column].fill_null(0).sum().cast("float64"),
        items=d.count(),
        last_lodged=d.lodged_at.max(),
        first_lodged=d.lodged_at.min(),
    ).order_by(["month", "office_id", "chapter"])


def monthly_frame(
    warehouse: Warehouse, measure: str, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> pd.DataFrame:
    """The query's rows as a frame (the edge where Ibis hands over to the forecasting models)."""
    frame = monthly_query(warehouse, measure, date_from, date_to).to_pandas()
    frame["month"] = pd.to_datetime(frame["month"]).dt.to_period("M").dt.to_timestamp()
    return frame


@dataclass(frozen=True)
class Hierarchy:
    """The series of every level, their summing matrix and which series sits at which level."""

    measure: str
    y: pd.DataFrame  # unique_id, ds, y: every series, every month (zeros where nothing was lodged)
    s_df: pd.DataFrame  # unique_id + one 0/1 column per bottom series
    tags: dict[str, np.ndarray]  # level -> its series ids
    months: pd.DatetimeIndex
    partial_months_dropped: list[str]
    merged_chapters: dict[str, list[str]]  # office -> chapters summed into "other"

    @property
    def bottom(self) -> list[str]:
        return list(self.tags["office_chapter"])

    def level_of(self, series_id: str) -> str:
        for level, ids in self.tags.items():
            if series_id in set(ids):
                return level
        raise KeyError(series_id)


def series_id(office: str, chapter: str | None = None) -> str:
    """``national``, ``KESEA01`` or ``KESEA01/84``."""
    return office if chapter is None else f"{office}/{chapter}"


def split_id(sid: str) -> tuple[str | None, str | None]:
    """(office, chapter) of a series id; (None, None) for the national total."""
    if sid == NATIONAL:
        return None, None
    office, _, chapter = sid.partition("/")
    return office, chapter or None


def complete_months(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Leave out a first or last month the data covers only in part (a month cut short would read as
    a collapse in revenue): the last when nothing was lodged on its last three days, the first when
    nothing was lodged on its first three."""
    dropped: list[str] = []
    if frame.empty:
        return frame, dropped
    months = sorted(frame["month"].unique())
    last, first = pd.Timestamp(months[-1]), pd.Timestamp(months[0])
    end_seen = pd.Timestamp(frame.loc[frame["month"] == last, "last_lodged"].max())
    if end_seen < last + pd.offsets.MonthEnd(0) - pd.Timedelta(days=2):
        frame = frame[frame["month"] != last]
        dropped.append(last.strftime("%Y-%m"))
    start_seen = pd.Timestamp(frame.loc[frame["month"] == first, "first_lodged"].min()) if len(months) > 1 else None
    if start_seen is not None and start_seen >= first + pd.Timedelta(days=3):
        frame = frame[frame["month"] != first]
        dropped.append(first.strftime("%Y-%m"))
    return frame, dropped


def build_hierarchy(frame: pd.DataFrame, measure: str, min_share: float = 0.01) -> Hierarchy:
    """Every level's series from the bottom rows, with zeros for months without lodgements."""
    frame, dropped = complete_months(frame)
    if frame.empty:
        raise UserError(
            "no declarations with a lodgement date and an office in the warehouse (for this period): "
            "nothing to forecast; load declarations with `clearsight ingest declarations FILE`"
        )
    frame = frame.copy()
    totals = frame.groupby(["office_id", "chapter"])["amount"].sum()
    office_totals = totals.groupby(level=0).transform("sum")
    small = totals[(totals.abs() < min_share * office_totals.abs()) | (office_totals == 0)]
    merged: dict[str, list[str]] = {}
    for office, chapter in small.index:
        merged.setdefault(office, []).append(chapter)
    # an office with a single small chapter keeps its name for it: "other" must hold two at least
    merged = {o: sorted(c) for o, c in merged.items() if len(c) > 1}
    if merged:
        key = frame["office_id"] + "\0" + frame["chapter"]
        to_merge = {f"{o}\0{c}" for o, cs in merged.items() for c in cs}
        frame.loc[key.isin(to_merge), "chapter"] = OTHER_CHAPTER
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    bottom = (
        frame.groupby(["office_id", "chapter", "month"], as_index=False)["amount"].sum()
        .assign(unique_id=lambda f: f["office_id"] + "/" + f["chapter"])
    )
    ids = sorted(bottom["unique_id"].unique())
    wide = bottom.pivot_table(index="month", columns="unique_id", values="amount", aggfunc="sum")
    wide = wide.reindex(index=months, columns=ids).fillna(0.0)
    offices = sorted({i.split("/")[0] for i in ids})
    s = np.zeros((1 + len(offices) + len(ids), len(ids)))
    s[0, :] = 1.0
    for k, office in enumerate(offices):
        s[1 + k, :] = [i.split("/")[0] == office for i in ids]
    s[1 + len(offices) :, :] = np.eye(len(ids))
    all_ids = [NATIONAL, *offices, *ids]
    values = wide.to_numpy() @ s.T  # months x all series
    y = pd.DataFrame(
        {
            "unique_id": np.repeat(all_ids, len(months)),
            "ds": np.tile(months.values, len(all_ids)),
            "y": values.T.reshape(-1),
        }
    )
    s_df = pd.DataFrame(s, columns=ids)
    s_df.insert(0, "unique_id", all_ids)
    tags = {"national": np.array([NATIONAL]), "office": np.array(offices), "office_chapter": np.array(ids)}
    return Hierarchy(measure, y, s_df, tags, months, dropped, merged)


__all__ = [
    "LEVELS",
    "MEASURES",
    "MEASURE_LABELS",
    "NATIONAL",
    "OTHER_CHAPTER",
    "Hierarchy",
    "build_hierarchy",
    "check_measure",
    "monthly_frame",
    "monthly_query",
    "series_id",
    "split_id",
]
