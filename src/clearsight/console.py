"""Terminal output shared by every command: one console, progress bars, clean failures."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.rule import Rule

#: Columns of output that goes to a file or another program (``clearsight quarantine list | grep``):
#: Rich would cut every table at 80, hiding the very ids a later command needs; piped, a table is as
#: wide as its content. A terminal, or ``COLUMNS`` in the environment, sets its own width.
PIPED_WIDTH = 10_000
#: Widest a section rule is drawn (it would otherwise span the whole width).
RULE_WIDTH = 100


def _width(stream) -> int | None:
    if "COLUMNS" in os.environ or stream.isatty():
        return None
    return PIPED_WIDTH


console = Console(width=_width(sys.stdout))
err_console = Console(stderr=True, width=_width(sys.stderr))


def rule(title: str) -> None:
    """A section heading across the terminal (at most ``RULE_WIDTH`` columns)."""
    console.print(Rule(title), width=min(console.width, RULE_WIDTH))


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def progress(transient: bool = False) -> Progress:
    """The progress bar every long job uses (written to stderr, so --json output stays clean)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
    )
