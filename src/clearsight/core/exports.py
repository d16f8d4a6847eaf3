"""A room's public names, imported on first use.

Each room's ``__init__`` lists what other rooms and the doors (CLI, portal) may use, and other rooms
import only from there (``from clearsight.risk import Scorer``). Importing every submodule eagerly
would make ``clearsight --help`` load LightGBM, Spark and scikit-learn, so a room's ``__init__``
declares where each name lives and Python's module ``__getattr__`` (PEP 562) imports the submodule
the first time a name is asked for. The same imports are written under ``TYPE_CHECKING`` in the
``__init__``, so type checkers and the import graph the architecture tests read see the real edges.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public name ``n`` lives in submodule
    ``where[n]`` (relative to the package). A name is imported once, then kept in the package."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
