"""Only the warehouse touches its connection.

Every module of ``src/clearsight`` other than ``core/warehouse.py`` reaches the warehouse through its
methods (``table``, ``insert``, ``transaction``, ``staging``...; see docs/architecture.md). The rule,
checked on the syntax tree of each module: no attribute access to a name the warehouse keeps its
connection under, and no ``getattr`` of one by a constant name. Those names are

- ``con`` and ``_con``: Ibis's connection (``warehouse.con``) and DuckDB's beneath it (``.con.con``);
- ``_backend``: the warehouse's private handle on the Ibis connection;
- ``_session``: the Spark session inside Ibis's PySpark connection.

A local variable called ``con`` (the ingest's DuckDB connection from ``Warehouse.staging()``, which
it reaches as ``stage.duckdb``) is a name, not an attribute access, and is not concerned; an object of
a room that holds some other connection names that attribute otherwise (``connection``, ``engine``).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "clearsight"
#: The one module allowed to touch the connection.
OWNER = Path("core") / "warehouse.py"
CONNECTION_ATTRIBUTES = frozenset({"con", "_con", "_backend", "_session"})


def connection_uses(source: str, filename: str = "<source>") -> list[str]:
    """``filename:line: what`` for each use of a connection attribute in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Attribute) and node.attr in CONNECTION_ATTRIBUTES:
            found.append((node.lineno, f".{node.attr}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr", "setattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in CONNECTION_ATTRIBUTES
        ):
            found.append((node.lineno, f"{node.func.id}(..., {node.args[1].value!r})"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(found)]


def test_the_check_finds_each_kind_of_use() -> None:
    snippet = "\n".join(
        [
            "def load(warehouse, stage, con):",
            "    warehouse.con.create_table('x', schema=None)",  # 2: the Ibis connection
            "    raw = warehouse.con.con",  # 3: DuckDB's, beneath it (two uses)
            "    warehouse._con.raw_sql('SET x = 1')",  # 4
            "    session = getattr(warehouse.con, '_session', None)",  # 5: two uses
            "    warehouse._backend.list_tables()",  # 6
            "    con.execute('SELECT 1')",  # a local name: allowed
            "    stage.duckdb.execute('SELECT 1')",  # the staging door: allowed
            "    return warehouse.table('declarations'), raw, session",
        ]
    )
    assert connection_uses(snippet, "room.py") == [
        "room.py:2: .con",
        "room.py:3: .con",
        "room.py:3: .con",
        "room.py:4: ._con",
        "room.py:5: .con",
        "room.py:5: getattr(..., '_session')",
        "room.py:6: ._backend",
    ]


def test_the_check_sees_the_modules_it_is_run_on() -> None:
    modules = sorted(SRC.rglob("*.py"))
    assert SRC / OWNER in modules and len(modules) > 50
    assert connection_uses((SRC / OWNER).read_text(), str(OWNER))  # the owner does use it: the check reads it


def test_only_the_warehouse_touches_its_connection() -> None:
    uses = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative != OWNER:
            uses += connection_uses(path.read_text(encoding="utf-8"), f"src/clearsight/{relative}")
    assert not uses, (
        "only clearsight.core.warehouse touches the warehouse's connection; use a Warehouse method "
        "(docs/architecture.md lists them) instead of:\n" + "\n".join(uses)
    )
