"""The import graph of clearsight has no cycle.

The graph is grimp's (the one import-linter checks the layers on): every ``import`` in every module,
including imports inside functions and under ``if TYPE_CHECKING:`` (a cycle that only the type checker
sees is still two modules that each need the other). A package's ``__init__`` and its submodules are
distinct modules: ``clearsight.core`` importing ``clearsight.core.errors`` is one edge, and a submodule
importing back from its package's ``__init__`` closes a cycle.

On the same graph: a room reads another room only through its ``__init__`` (the room contract,
docs/architecture.md). The doors (``cli.py``, ``demo.py``, ``portal/``) are not rooms and are not held to it.
"""

from __future__ import annotations

from pathlib import Path

import grimp


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """The groups of two or more modules that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def imported_by(module: str):
        return iter(sorted(graph.find_modules_directly_imported_by(module)))

    for root in sorted(graph.modules):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, imported_by(root))]
        while work:  # depth first, without recursion
            module, todo = work[-1]
            for other in todo:
                if other not in index:
                    index[other] = low[other] = len(index)
                    stack.append(other)
                    on_stack.add(other)
                    work.append((other, imported_by(other)))
                    break
                if other in on_stack:
                    low[module] = min(low[module], index[other])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """The imports that tie a group together, one per line with where they are."""
    members = set(group)
    lines = [f"cycle between {', '.join(group)}:"]
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for d in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer} -> {imported} (line {d['line_number']}: {d['line_contents']})")
    return "\n".join(lines)


def test_strongly_connected_finds_a_cycle_through_three_modules() -> None:
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c", "p.d"):
        graph.add_module(module)
    for importer, imported in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.d", "p.a"), ("p", "p.d")):
        graph.add_import(importer=importer, imported=imported)
    assert strongly_connected(graph) == [["p.a", "p.b", "p.c"]]
    graph.remove_import(importer="p.c", imported="p.a")
    assert strongly_connected(graph) == []


def test_no_import_cycle() -> None:
    graph = grimp.build_graph("clearsight")
    cycles = strongly_connected(graph)
    assert not cycles, "modules of clearsight import each other:\n" + "\n\n".join(
        describe(graph, group) for group in cycles
    )


#: Packages of clearsight that are not rooms: the bottom layers (core, schema) and the portal, a door.
NOT_ROOMS = frozenset({"core", "schema", "portal"})


def room_of(module: str, rooms: frozenset[str]) -> str | None:
    """The room a module of clearsight belongs to (``clearsight.risk.scorer`` -> ``risk``), or None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "clearsight" and parts[1] in rooms else None


def rooms_of_clearsight() -> frozenset[str]:
    source = Path(__file__).resolve().parents[1] / "src" / "clearsight"
    return frozenset(path.parent.name for path in source.glob("*/__init__.py")) - NOT_ROOMS


def reach_into_rooms(graph: grimp.ImportGraph, rooms: frozenset[str]) -> list[str]:
    """Each import by a module of one room of a submodule of another room, with its line: a room reads
    another room only through its ``__init__`` (``from clearsight.risk import RiskScorer``)."""
    found = []
    for importer in sorted(graph.modules):
        room = room_of(importer, rooms)
        if room is None:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            other = room_of(imported, rooms)
            if other is None or other == room or imported == f"clearsight.{other}":
                continue
            details = graph.get_import_details(importer=importer, imported=imported) or [
                {"line_number": "?", "line_contents": "?"}
            ]
            for d in details:
                found.append(
                    f"{importer} (line {d['line_number']}: {d['line_contents']}) imports {imported}: "
                    f"import it from clearsight.{other}, adding the name to its __all__"
                )
    return found


def test_reach_into_rooms_names_each_import_of_another_rooms_submodule() -> None:
    graph = grimp.ImportGraph()
    for module in (
        "clearsight",
        "clearsight.core",
        "clearsight.core.errors",
        "clearsight.risk",
        "clearsight.risk.scorer",
        "clearsight.risk.model",
        "clearsight.selectivity",
        "clearsight.selectivity.select",
        "clearsight.portal.app",
    ):
        graph.add_module(module)
    for importer, imported, line, contents in (
        (
            "clearsight.selectivity.select",
            "clearsight.risk.scorer",
            12,
            "from clearsight.risk.scorer import RiskScorer",
        ),
        ("clearsight.selectivity.select", "clearsight.risk", 13, "from clearsight.risk import RiskModel"),
        ("clearsight.risk", "clearsight.risk.scorer", 5, "from clearsight.risk.scorer import RiskScorer"),
        ("clearsight.risk.scorer", "clearsight.risk.model", 7, "from clearsight.risk.model import RiskModel"),
        (
            "clearsight.risk.scorer",
            "clearsight.core.errors",
            3,
            "from clearsight.core.errors import UserError",
        ),
        (
            "clearsight.portal.app",
            "clearsight.risk.scorer",
            9,
            "from clearsight.risk.scorer import RiskScorer",
        ),
    ):
        graph.add_import(importer=importer, imported=imported, line_number=line, line_contents=contents)
    rooms = frozenset({"risk", "selectivity"})
    assert reach_into_rooms(graph, rooms) == [
        "clearsight.selectivity.select (line 12: from clearsight.risk.scorer import RiskScorer) imports "
        "clearsight.risk.scorer: import it from clearsight.risk, adding the name to its __all__"
    ]
    graph.remove_import(importer="clearsight.selectivity.select", imported="clearsight.risk.scorer")
    assert reach_into_rooms(graph, rooms) == []


def test_a_room_reads_another_room_only_through_its_init() -> None:
    rooms = rooms_of_clearsight()
    assert {"ingest", "risk", "selectivity", "access"} <= rooms
    graph = grimp.build_graph("clearsight")
    reaches = reach_into_rooms(graph, rooms)
    assert not reaches, "a room imports another room's submodule:\n" + "\n".join(reaches)
