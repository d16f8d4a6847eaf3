"""The room contract (docs/architecture.md): what every room shows the rest of clearsight.

- a room's ``__init__`` lists its public names in ``__all__``, resolves each on first use from the
  submodule that defines it (``clearsight.core.exports.lazy_exports``), and writes the same imports
  under ``if TYPE_CHECKING:`` so type checkers and the import graph see them;
- importing a room is cheap: no LightGBM, scikit-learn, PySpark or Plotly until a name needs them,
  nor when ``clearsight --help`` imports every room's commands;
- a room's commands are added by one ``register(app)`` in its ``cli.py``;
- a room's demo modules (``demo.py``, ``*_demo.py``) each declare one ``STEP``, and ``clearsight demo``
  runs every one of them.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clearsight.core.steps import DemoStep

SRC = Path(__file__).resolve().parents[1] / "src" / "clearsight"
ROOMS = (
    "ingest",
    "synth",
    "quality",
    "risk",
    "selectivity",
    "rules",
    "lab",
    "trade",
    "release",
    "forecast",
    "performance",
    "entities",
    "hs",
    "privacy",
    "access",
)
#: Packages of clearsight that are not rooms: the bottom layers and the portal (a door).
NOT_ROOMS = {"core", "schema", "portal"}
HEAVY = ("lightgbm", "sklearn", "pyspark", "plotly")


def type_checking_imports(room: str) -> dict[str, str]:
    """name -> module of each ``from clearsight.<room>.<sub> import name`` under ``if TYPE_CHECKING:``
    in the room's ``__init__``."""
    tree = ast.parse((SRC / room / "__init__.py").read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        found[alias.asname or alias.name] = statement.module
    return found


def demo_modules() -> list[str]:
    return sorted(
        f"clearsight.{room}.{path.stem}"
        for room in ROOMS
        for path in (SRC / room).glob("*.py")
        if path.stem == "demo" or path.stem.endswith("_demo")
    )


def test_every_package_of_clearsight_is_a_room_or_a_layer() -> None:
    packages = {path.parent.name for path in SRC.glob("*/__init__.py")}
    assert packages - NOT_ROOMS == set(ROOMS), "a new package under clearsight/ is a room: add it to ROOMS"


@pytest.mark.parametrize("room", ROOMS)
def test_a_rooms_public_names_resolve_to_their_submodules_objects(room: str) -> None:
    package = importlib.import_module(f"clearsight.{room}")
    public = package.__all__
    declared = type_checking_imports(room)
    assert public, f"clearsight.{room} lists no public name in __all__"
    assert len(set(public)) == len(public), f"clearsight.{room}.__all__ names one twice"
    assert sorted(public) == sorted(declared), (
        f"clearsight.{room}: __all__ and the imports under TYPE_CHECKING differ: "
        f"{sorted(set(public) ^ set(declared))}"
    )
    assert sorted(public) == dir(package), f"clearsight.{room}: __all__ and the lazy mapping differ"
    for name in public:
        module = declared[name]
        assert module.startswith(f"clearsight.{room}."), f"clearsight.{room}.{name} comes from {module}"
        assert getattr(package, name) is getattr(importlib.import_module(module), name), (
            f"clearsight.{room}.{name} is not {module}.{name}"
        )


def test_an_unknown_name_of_a_room_is_an_attribute_error() -> None:
    package = importlib.import_module("clearsight.trade")
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        package.no_such_name  # noqa: B018
    from clearsight.trade import presets  # a submodule is still imported as one

    assert presets.mapping_path is package.mapping_path


@pytest.mark.parametrize("module", [f"clearsight.{room}" for room in ROOMS] + ["clearsight.cli"])
def test_importing_a_room_loads_no_heavy_library(module: str) -> None:
    # In a fresh interpreter: the test session has loaded them all long ago. ``clearsight.cli`` imports
    # every room and its commands, which is what ``clearsight --help`` pays for.
    script = (
        "import json, sys\n"
        f"import {module}\n"
        f"print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [], f"import {module} loads {done.stdout.strip()}"


@pytest.mark.parametrize("room", [room for room in ROOMS if (SRC / room / "cli.py").exists()])
def test_a_rooms_commands_are_registered_by_register(room: str) -> None:
    cli = importlib.import_module(f"clearsight.{room}.cli")
    assert callable(getattr(cli, "register", None)), f"clearsight.{room}.cli has no register(app)"


def test_the_demo_runs_every_rooms_step() -> None:
    from clearsight.demo import room_steps

    modules = demo_modules()
    assert "clearsight.ingest.demo" in modules and len(modules) >= 8
    steps = room_steps()
    for name in modules:
        step = getattr(importlib.import_module(name), "STEP", None)
        assert isinstance(step, DemoStep), f"{name}.STEP is not a clearsight.core.steps.DemoStep"
        assert any(listed is step for listed in steps), f"clearsight demo does not run {name}.STEP"
