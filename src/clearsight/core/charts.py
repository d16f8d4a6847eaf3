"""The chart kit: every chart of the portal and of the reports is drawn through it.

One look and one set of rules, so a chart reads the same on every page:

- a chart is sized by its card, never by a fixed width (``autosize``, Plotly's ``responsive``);
- counts and shares start at 0;
- a monthly axis shows every month, on the span where the data really lies: a few rows dated decades
  away (typing mistakes the quality report counts) do not stretch the axis, and the chart says how
  many rows it leaves out;
- lanes are always coloured by :mod:`clearsight.core.palette`, other series by its categorical
  sequence;
- one bar is not a chart: a single value is shown as a number (the caller gets ``None``).

Plotly is imported only when a figure is made, so importing a room (or this module) stays cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from clearsight.core.palette import CATEGORICAL, LANES, NEUTRAL, lane_colour

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Height of a chart in its card, in pixels (a chart's width is its card's).
HEIGHT = 380
#: Months apart after which a group of dated rows is not the same stretch of data: rows a year or
#: more away from the bulk are dates typed wrong, not history.
MONTH_GAP = 12
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def plotly() -> Any:
    """``plotly.graph_objects``, imported on first use."""
    import plotly.graph_objects as go

    return go


def layout(title: str = "", **overrides: Any) -> dict[str, Any]:
    """The base layout: no width (the card gives it), palette colours, the legend above the plot so
    that it takes no width from a narrow card."""
    base: dict[str, Any] = {
        "template": "plotly_white",
        "autosize": True,
        "colorway": list(CATEGORICAL),
        "font": {"family": FONT, "size": 12, "color": NEUTRAL["text"]},
        "title": {"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 15}},
        "margin": {"l": 56, "r": 16, "t": 64, "b": 48, "autoexpand": True},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": {"automargin": True, "gridcolor": NEUTRAL["grid"]},
        "yaxis": {"automargin": True, "gridcolor": NEUTRAL["grid"]},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    base.pop("width", None)  # a fixed width is what made charts overflow their cards
    return base


def figure(title: str = "", traces: Iterable[Any] = (), **overrides: Any) -> go.Figure:
    """A figure on the base layout (``overrides`` merge into it: ``yaxis={"title": ...}``)."""
    go = plotly()
    return go.Figure(list(traces), layout=layout(title, **overrides))


def count_axis(fig: go.Figure, title: str | None = None, axis: str = "y") -> go.Figure:
    """A count or an amount: from 0."""
    update = {"rangemode": "tozero", "title": title}
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**{k: v for k, v in update.items() if v is not None})
    return fig


def share_axis(fig: go.Figure, title: str | None = None, axis: str = "y", top: float | None = None) -> go.Figure:
    """A share (0 to 1) shown in percent, from 0 (to ``top`` when given, e.g. 1 for a rate)."""
    update: dict[str, Any] = {"rangemode": "tozero", "tickformat": ".0%"}
    if title is not None:
        update["title"] = title
    if top is not None:
        update["range"] = [0, top]
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**update)
    return fig


# -- months --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthSpan:
    """The months a chart draws and what it leaves out."""

    months: list[str]  #: ``YYYY-MM``, in order, every month of the span (gaps filled)
    left_out_rows: int  #: rows dated outside the span
    left_out: list[str]  #: the months those rows carry

    def note(self) -> str:
        """A line for the chart's reader: what was not drawn."""
        if not self.left_out_rows or not self.months:
            return ""
        return f"{self.left_out_rows:,} rows dated outside {self.months[0]} to {self.months[-1]} not drawn"

    def applied(self, rows_by_month: Mapping[str, float]) -> MonthSpan:
        """The same months, counting what ``rows_by_month`` holds outside them (several tables drawn on
        the span of one)."""
        kept = set(self.months)
        outside = sorted(m for m in rows_by_month if str(m)[:7] not in kept)
        return MonthSpan(self.months, int(sum(rows_by_month[m] or 0 for m in outside)), outside)


def _index(month: str) -> int:
    year, m = month[:7].split("-")
    return int(year) * 12 + int(m) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_span(rows_by_month: Mapping[str, float]) -> MonthSpan:
    """The stretch of months holding most rows; groups more than :data:`MONTH_GAP` months away from
    it are left out (and counted). Months that are not ``YYYY-MM...`` are left out too."""
    known: dict[int, float] = {}
    unreadable: list[str] = []
    for month, rows in rows_by_month.items():
        try:
            known[_index(str(month))] = known.get(_index(str(month)), 0) + (rows or 0)
        except ValueError:
            unreadable.append(str(month))
    if not known:
        return MonthSpan([], int(sum(rows_by_month.values())), sorted(unreadable))
    order = sorted(known)
    groups: list[list[int]] = [[order[0]]]
    for i in order[1:]:
        if i - groups[-1][-1] > MONTH_GAP:
            groups.append([])
        groups[-1].append(i)
    main = max(groups, key=lambda g: (sum(known[i] for i in g), len(g)))
    outside = [i for i in order if not main[0] <= i <= main[-1]]
    left_rows = sum(known[i] for i in outside) + sum(rows_by_month[m] or 0 for m in unreadable)
    return MonthSpan(
        [_month(i) for i in range(main[0], main[-1] + 1)],
        int(left_rows),
        [_month(i) for i in outside] + sorted(unreadable),
    )


def month_axis(fig: go.Figure, span: MonthSpan, axis: str = "x") -> go.Figure:
    """Every month of ``span`` ticked (month and year), the axis clipped to it; a note under the
    chart when rows were left out."""
    if not span.months:
        return fig
    first = dt.date.fromisoformat(span.months[0] + "-01")
    last = dt.date.fromisoformat(span.months[-1] + "-01")
    # Half a month either side, so the first and last bars are whole.
    low, high = first - dt.timedelta(days=15), last + dt.timedelta(days=16)
    update = {
        "type": "date",
        "dtick": "M1",
        "tick0": first.isoformat(),
        "tickformat": "%b\n%Y" if len(span.months) <= 12 else "%b %y",
        "range": [low.isoformat(), high.isoformat()],
        "title": None,
    }
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**update)
    if span.left_out_rows:  # under the title, where the reader looks before reading the axis
        fig.update_layout(
            title_subtitle={"text": span.note(), "font": {"size": 11, "color": NEUTRAL["muted"]}},
            margin_t=(fig.layout.margin.t or 64) + 18,  # the legend sits under the two lines
        )
    return fig


def in_span(points: Sequence[tuple[str, Any]], span: MonthSpan) -> list[tuple[str, Any]]:
    """The ``(month, value)`` points that fall within ``span``."""
    kept = set(span.months)
    return [(m, v) for m, v in points if str(m)[:7] in kept]


# -- lanes and bars ------------------------------------------------------------------------------------


def enough_bars(categories: Sequence[Any]) -> bool:
    """Whether bars are worth drawing: one value is a number to state, not a chart."""
    return len(categories) >= 2


def lane_bars(
    x: Sequence[Any], counts: Sequence[Mapping[str, float]], lanes: Iterable[str] = LANES, **bar: Any
) -> list[Any]:
    """One bar trace per lane (stack them with ``barmode="stack"``), each in its lane's colour;
    ``counts[i]`` holds the lanes of ``x[i]`` (a missing lane is 0)."""
    go = plotly()
    return [
        go.Bar(x=list(x), y=[c.get(lane, 0) for c in counts], name=lane, marker_color=lane_colour(lane), **bar)
        for lane in lanes
    ]


def lane_colours(lanes: Iterable[str]) -> list[str]:
    """The colours of ``lanes`` in order, for a single trace that draws one bar per lane."""
    return [lane_colour(lane) for lane in lanes]


#: Once per page, after its charts: each chart follows its own box's width. Plotly's ``responsive``
#: follows the window only, and a card changes width without the window changing: a chart drawn
#: while the page loads sees the grid with one card, full width, before its neighbours arrive.
FIT_SCRIPT = Markup(
    """<script>
(function () {
  if (!window.ResizeObserver || !window.Plotly) return;
  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.target.offsetParent !== null) window.Plotly.Plots.resize(entry.target);
    });
  });
  function watch() {
    document.querySelectorAll(".js-plotly-plot").forEach(function (plot) { observer.observe(plot); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
</script>"""
)


# -- the page ------------------------------------------------------------------------------------------


def div(fig: go.Figure | None, div_id: str, height: int = HEIGHT) -> Markup | None:
    """The chart's div as wide as its container (Plotly's JavaScript is on the page once); None when
    there is no figure."""
    if fig is None:
        return None
    fig.layout.width = None
    return Markup(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            default_width="100%",
            default_height=f"{height}px",
            config={"displaylogo": False, "responsive": True},
        )
    )
