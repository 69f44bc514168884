"""Who imports whom among the product's modules, read from the source (AST), never by
importing it: imports inside functions and under `if TYPE_CHECKING:` count like any other,
because an import hidden in a function still ties the two modules together.

A module's name is its dotted path from the root (`engine/store/sqlite.py` is
`engine.store.sqlite`); a package's `__init__.py` is the module named for the package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One import statement's target, as written (``target``) and where it is."""

    importer: str
    target: str
    path: Path
    line: int
    in_function: bool

    def place(self, root: Path) -> str:
        where = f"{self.path.relative_to(root)}:{self.line}"
        return f"{where} (inside a function)" if self.in_function else where


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool


def find_modules(root: Path, top_levels: Iterable[str]) -> dict[str, Module]:
    """Every module under the given packages or single files (``run.py``) of ``root``."""
    modules: dict[str, Module] = {}
    for top in top_levels:
        start = root / top
        if not start.exists():
            continue
        paths = [start] if start.suffix == ".py" else sorted(start.rglob("*.py"))
        for path in paths:
            parts = path.relative_to(root).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            modules[name] = Module(name, path, is_package)
    return modules


def imports_of(module: Module) -> Iterator[Import]:
    """Every import in ``module``'s source, with relative imports made absolute.

    `from a.b import c` yields `a.b.c` (the caller decides whether that is a submodule or a
    name in `a.b`). `importlib.import_module("x")` with a literal name counts as an import.
    """
    tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node, in_function in _walk(tree, in_function=False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module.name, alias.name, module.path, node.lineno, in_function)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            for alias in node.names:
                target = base if alias.name == "*" else f"{base}.{alias.name}".lstrip(".")
                yield Import(module.name, target, module.path, node.lineno, in_function)
        elif isinstance(node, ast.Call) and _is_import_module_call(node):
            target = node.args[0].value
            yield Import(module.name, target, module.path, node.lineno, in_function)


def _walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        yield child, in_function
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from _walk(child, inside)


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        raise ValueError(f"relative import beyond the top of {package!r}")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _is_import_module_call(node: ast.Call) -> bool:
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return (
        name in {"import_module", "__import__"}
        and len(node.args) >= 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def resolve(target: str, modules: dict[str, Module]) -> str | None:
    """The product module an import of ``target`` loads, or None for a third-party one.

    `a.b.c` is the module `a.b.c` if there is one, else a name imported from `a.b`.
    Importing a submodule also runs its parents' `__init__`, but Python sets a package's
    path before running that `__init__`, so a submodule can be reached through a half-made
    parent; only what the `__init__` itself imports can close a cycle, and that is counted
    from the `__init__`'s own imports.
    """
    if target in modules:
        return target
    parent = target.rpartition(".")[0]
    return parent if parent in modules else None


def import_graph(modules: dict[str, Module]) -> dict[str, dict[str, Import]]:
    """importer -> {imported module -> the first import statement that loads it}."""
    graph: dict[str, dict[str, Import]] = {name: {} for name in modules}
    for module in modules.values():
        for found in imports_of(module):
            target = resolve(found.target, modules)
            if target is not None and target != module.name:
                graph[module.name].setdefault(target, found)
    return graph


@dataclass(frozen=True)
class Cycle:
    """Modules that import each other in a circle (``group``, a strongly connected set) and
    one shortest circle among them (``steps``, each import that closes it).
    """

    group: tuple[str, ...]
    steps: tuple[Import, ...]

    @property
    def modules(self) -> list[str]:
        return [step.importer for step in self.steps]


def find_cycles(graph: dict[str, dict[str, Import]]) -> list[Cycle]:
    """One cycle per strongly connected group of modules.

    A group can hold several cycles; the report names every module of the group and shows
    one cycle, so that breaking it and running again shows the next.
    """
    cycles = [
        Cycle(tuple(sorted(group)), tuple(_a_cycle_within(group, graph)))
        for group in _strongly_connected(graph)
        if len(group) > 1
    ]
    return sorted(cycles, key=lambda cycle: cycle.group)


def describe_cycle(cycle: Cycle, root: Path) -> str:
    """The cycle on one line, each import that makes it with its file and line, and the
    other modules caught in the same circle.
    """
    names = [*cycle.modules, cycle.modules[0]]
    steps = "\n".join(
        f"    {importer} imports {imported}: `{step.target}` at {step.place(root)}"
        for importer, imported, step in zip(names, names[1:], cycle.steps, strict=False)
    )
    text = f"  {' -> '.join(names)}\n{steps}"
    if len(cycle.group) > len(cycle.steps):
        text += f"\n    all {len(cycle.group)} modules in this circle: {', '.join(cycle.group)}"
    return text


def _strongly_connected(graph: dict[str, dict[str, Import]]) -> list[set[str]]:
    # Tarjan's algorithm, iterative so that a deep chain of imports cannot hit the
    # recursion limit.
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    for start in sorted(graph):
        if start in index_of:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index_of[start] = low[start] = len(index_of)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index_of:
                    index_of[successor] = low[successor] = len(index_of)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index_of[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _a_cycle_within(group: set[str], graph: dict[str, dict[str, Import]]) -> list[Import]:
    """The shortest way from the group's first module back to itself, by breadth first."""
    start = min(group)
    came_by: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor, statement in sorted(graph[node].items()):
                if successor not in group:
                    continue
                if successor == start:
                    path = [statement]
                    while path[0].importer != start:
                        path.insert(0, came_by[path[0].importer])
                    return path
                if successor not in came_by:
                    came_by[successor] = statement
                    following.append(successor)
        frontier = following
    raise AssertionError(f"{sorted(group)} is strongly connected but holds no cycle")
