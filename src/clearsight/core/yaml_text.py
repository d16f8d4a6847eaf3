"""YAML written by people (rule profiles, performance contracts): parsed with the line of every value
kept, so a problem is reported at its line."""

from __future__ import annotations

from typing import Any

import yaml

from clearsight.core.errors import UserError


def parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """The data of ``text`` and its composed node tree (for line numbers); a UserError naming
    ``source`` and the line when it does not parse."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{source}{line}: not valid YAML ({problem})") from None
    return data, node
