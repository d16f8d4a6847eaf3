"""Errors the user can act on, free of any terminal or web framework: the CLI prints them as one
line, the portal as a 4xx answer."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix (bad file, bad option): shown as one line, never as a traceback."""


__all__ = ["UserError"]
