"""The import graph of traceapp: no cycle between modules, and no import up the layers.

Imports are read from the source (also those deferred inside functions, which still make a
module depend on another at run time); imports under ``if TYPE_CHECKING:`` are left out, as
they never run. Importing ``traceapp.a.b`` runs the parents' ``__init__`` modules too, but
that is Python's doing, not a dependency the code chose: only the named module counts.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import traceapp

PACKAGE = Path(traceapp.__file__).resolve().parent

#: Room names of a domain package, from the bottom layer up (STYLE.md): a module may import
#: its own room or one below, never one above.
ROOMS = ("models", "schemas", "services", "forms", "views", "api")
#: Rooms that must never be imported by the rooms listed with them.
FORBIDDEN = {
    "models": ("services", "forms", "views", "api", "schemas"),
    "services": ("forms", "views", "api"),
    "schemas": ("forms", "views", "api"),
    "forms": ("views", "api"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


class _Imports(ast.NodeVisitor):
    """The traceapp modules one module imports, with the line of each first import."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.found: dict[str, int] = {}
        self.type_checking = 0

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _add(self, name: str, line: int) -> None:
        if name == "traceapp" or name.startswith("traceapp."):
            target = _resolve(name)
            if target and target != self.module:
                self.found.setdefault(target, line)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.module.split(".")
            if MODULES[self.module].name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - node.level + 1]
            module = ".".join([*base, node.module] if node.module else base)
        else:
            module = node.module or ""
        for alias in node.names:
            # "from traceapp import tunables" names a module; "from traceapp.x import f" a
            # name in traceapp.x.
            submodule = f"{module}.{alias.name}"
            self._add(submodule if submodule in MODULES else module, node.lineno)


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module: line}."""
    graph: dict[str, dict[str, int]] = defaultdict(dict)
    for name, path in MODULES.items():
        visitor = _Imports(name)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = visitor.found
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


#: Modules of the web layer outside the usual rooms (they answer requests).
WEB_MODULES = {"traceapp.public.fastpath": "views", "traceapp.labels.downloads": "views"}


def _room(module: str) -> str | None:
    """A module's layer: its room, or for any other module of a domain package, services."""
    if module in WEB_MODULES:
        return WEB_MODULES[module]
    parts = module.split(".")
    if parts[1:2] == ["core"]:
        return None
    if parts[-1] in ROOMS:
        return parts[-1]
    # <room>_<job>.py: a room split by job (views_exchange, models_vocab...) stays in its room.
    prefix = parts[-1].partition("_")[0]
    if "_" in parts[-1] and prefix in ROOMS:
        return prefix
    # traceapp.<package>.<module>: a domain module outside the rooms does the domain's work
    # (exports, flags, events...), so it is held to the services' rule.
    return "services" if len(parts) >= 3 else None


def test_no_module_imports_another_that_imports_it_back():
    graph = import_graph()
    found = cycles(graph)
    described = []
    for group in found:
        members = set(group)
        edges = [
            f"  {a} -> {b} (line {line})"
            for a in group
            for b, line in sorted(graph[a].items())
            if b in members
        ]
        described.append("\n".join([", ".join(group), *edges]))
    assert not found, "import cycles:\n" + "\n\n".join(described)


def test_no_import_runs_up_the_layers():
    wrong = []
    for module, imports in import_graph().items():
        room = _room(module)
        for target, line in imports.items():
            if room in FORBIDDEN and _room(target) in FORBIDDEN[room]:
                wrong.append(f"{module} imports {target} (line {line})")
    assert not wrong, "imports up the layers:\n" + "\n".join(wrong)


#: What the lowest layer may build on: itself, the database base and the models.
CORE_MAY_IMPORT = ("traceapp.core", "traceapp.database", "traceapp.extensions")


def test_the_core_layer_imports_only_models_and_itself():
    wrong = [
        f"{module} imports {target} (line {line})"
        for module, imports in import_graph().items()
        if module.startswith("traceapp.core")
        for target, line in imports.items()
        if not (target.startswith(CORE_MAY_IMPORT) or _room(target) == "models")
    ]
    assert not wrong, "the core layer reaches up:\n" + "\n".join(wrong)


def test_the_check_sees_a_cycle_and_an_upward_import():
    # A check of the check: a made-up graph with both faults is caught.
    graph = {
        "traceapp.a.services": {"traceapp.b.services": 1, "traceapp.a.forms": 2},
        "traceapp.b.services": {"traceapp.a.services": 1},
        "traceapp.a.forms": {},
    }
    assert cycles(graph) == [["traceapp.a.services", "traceapp.b.services"]]
    assert _room("traceapp.a.forms") in FORBIDDEN["services"]


def test_field_limits_come_from_the_columns():
    # A zone code's limit is written once, on the column: the form, the schema and the
    # service read it from there.
    from traceapp.core.columns import max_length
    from traceapp.zones import services
    from traceapp.zones.forms import ZoneForm
    from traceapp.zones.models import Zone
    from traceapp.zones.schemas import ZoneSchema

    limit = max_length(Zone.code)
    assert limit == Zone.__table__.c.code.type.length
    assert services._MAX_LENGTHS["code"] == limit
    assert [v.max for v in ZoneForm.code.kwargs["validators"] if hasattr(v, "max")] == [limit]
    assert [v.max for v in ZoneSchema().fields["code"].validators] == [limit]
