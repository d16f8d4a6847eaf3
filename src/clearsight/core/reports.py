"""What every HTML report shares: chart divs, the Jinja environment of a room, inline Plotly, writing.

Reports are self-contained files: Plotly's JavaScript comes from the installed plotly package and is
embedded once per page, so a report opens offline and fetches nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

if TYPE_CHECKING:  # Plotly is imported when a page is written, not by every command that formats a share
    import plotly.graph_objects as go


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


def chart_div(fig: go.Figure | None, div_id: str, height: str = "440px") -> Markup | None:
    """The chart's div without Plotly's JavaScript (the page embeds it once); None when no figure."""
    if fig is None:
        return None
    return Markup(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            default_height=height,
            config={"displaylogo": False, "responsive": True},
        )
    )


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
    env.filters.update(dict(filters))
    return env


def render_page(package: str, template: str, filters: dict[str, Callable[..., str]], **context: Any) -> str:
    """Render a room's template (from ``<package>/templates``) with Plotly's JavaScript inline."""
    from plotly.offline import get_plotlyjs

    env = _environment(package, tuple(sorted(filters.items())))
    return env.get_template(template).render(plotly_js=Markup(get_plotlyjs()), **context)


def write_page(path: Path, html: str) -> Path:
    """Write a page (folders created) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
