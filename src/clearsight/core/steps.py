"""The room contract for ``clearsight demo``: each room that has something to show declares one step.

A step receives the settings and the open warehouse, does its room's work on the demo world, prints a
line or two, and returns the reports it wrote. The demo lists the steps in order and runs each; a step
that cannot run on the data raises :class:`~clearsight.core.errors.UserError` and the demo goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clearsight.core.settings import Settings
    from clearsight.core.warehouse import Warehouse


@dataclass(frozen=True)
class DemoStep:
    """What the step shows (one line in the demo's outline) and the function that runs it."""

    title: str
    run: Callable[[Settings, Warehouse], list[Path]]
    #: A required step that cannot run stops the demo (the later steps need what it does).
    required: bool = False


__all__ = ["DemoStep"]
