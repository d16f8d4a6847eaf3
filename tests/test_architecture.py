"""The import graph of clearsight has no cycle.

The graph is grimp's (the one import-linter checks the layers on): every ``import`` in every module,
including imports inside functions and under ``if TYPE_CHECKING:`` (a cycle that only the type checker
sees is still two modules that each need the other). A package's ``__init__`` and its submodules are
distinct modules: ``clearsight.core`` importing ``clearsight.core.errors`` is one edge, and a submodule
importing back from its package's ``__init__`` closes a cycle.
"""

from __future__ import annotations

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
