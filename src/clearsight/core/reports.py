"""What every HTML report shares: number and money formats, the Jinja environment of a room, the
shared styles, inline Plotly, writing (the charts themselves come from ``clearsight.core.charts``).

Reports are self-contained files: Plotly's JavaScript comes from the installed plotly package and is
embedded once per page, so a report opens offline and fetches nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from clearsight.core.charts import FIT_SCRIPT
from clearsight.core.palette import lane_css


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage that never shows 100 % for an incomplete field, nor 0 % for a non-zero one."""
    if value is None:
        return "—"
    shown = round(value * 100, digits)
    if value < 1 and shown >= 100:
        shown = 100 - 10**-digits
    elif value > 0 and shown <= 0:
        shown = 10**-digits
    return f"{shown:.{digits}f} %"


def share(value: float | None) -> str:
    """A share in percent with two significant digits, so that none reads 0 unless it is 0
    (0.00034 -> "0.034 %", 0.27 -> "27 %")."""
    if value is None:
        return "—"
    if value == 0:
        return "0 %"
    percent = value * 100
    digits = max(0, 1 - math.floor(math.log10(abs(percent))))
    return f"{percent:,.{digits}f} %"


def money(value: float | None, currency: str | None = None, *, compact: bool = False, digits: int = 0) -> str:
    """An amount with its currency: "1,234,567 XOF" (``compact``: "1.2 M XOF"; ``digits`` after the
    point for a unit price); without a currency known, the number alone."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    if compact:
        for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
            if abs(value) >= limit:
                text = f"{value / limit:,.1f}{suffix}"
                break
    return f"{text} {currency}" if currency else text


@pass_context
def money_filter(context: Context, value: float | None, compact: bool = False, digits: int = 0) -> str:
    """``{{ x | money }}``: the amount in the page's ``currency`` (one filter for the portal and every
    report, so no money figure goes out without its currency)."""
    return money(value, context.get("currency"), compact=compact, digits=digits)


def report_css() -> Markup:
    """The reports' shared styles (cards, tables, notices, lane badges from the palette), which the
    portal also uses when it shows a report inside its own frame."""
    css = (files("clearsight") / "templates" / "report.css").read_text(encoding="utf-8")
    return Markup(css + "\n" + lane_css() + "\n")


@cache
def _environment(package: str, filters: tuple[tuple[str, Callable[..., str]], ...]) -> Environment:
    # A room's own templates first, then the shared ones (``report_base.html``: the page, its styles
    # and the inline Plotly every report extends).
    env = Environment(
        loader=ChoiceLoader([PackageLoader(package, "templates"), PackageLoader("clearsight", "templates")]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({"pct": pct, "share": share, "money": money_filter, **dict(filters)})
    return env


def render_page(
    package: str, template: str, filters: dict[str, Callable[..., str]], *, currency: str | None = None,
    **context: Any,
) -> str:
    """Render a room's template (from ``<package>/templates``) with Plotly's JavaScript inline;
    ``currency`` is what the ``money`` filter writes beside each amount."""
    from plotly.offline import get_plotlyjs

    env = _environment(package, tuple(sorted(filters.items())))
    page = env.get_template(template)
    return page.render(
        plotly_js=Markup(get_plotlyjs()), report_css=report_css(), fit_charts=FIT_SCRIPT, currency=currency, **context
    )


def render_fragment(package: str, template: str, filters: dict[str, Callable[..., str]], **context: Any) -> Markup:
    """A room's template rendered without the page around it (no Plotly, no styles): a report's
    content for a page that has its own frame, such as the portal's."""
    env = _environment(package, tuple(sorted(filters.items())))
    return Markup(env.get_template(template).render(**context))


def write_page(path: Path, html: str) -> Path:
    """Write a page (folders created) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
