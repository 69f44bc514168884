"""The layout rules of docs/architecture.md, checked on the source of every product module
(engine/, game/, cli/, run.py; not tests/ or bench/):

- no import cycle between modules, imports inside functions included;
- `engine` never imports `game` or `cli`;
- only `engine.audio` and `engine.input` import pygame within `engine`;
- at most 3 modules at engine/'s root (its `__init__.py` included);
- no product module over 600 lines.

Each rule is a function of a root folder, so the tests below also run it on a small made-up
tree that breaks it and check that it says so.
"""

from __future__ import annotations

from pathlib import Path

from tests.import_graph import describe_cycle, find_cycles, find_modules, import_graph, imports_of

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("engine", "game", "cli", "run.py")
PYGAME_ALLOWED_IN = ("engine.audio", "engine.input")
MAX_ENGINE_ROOT_MODULES = 3
MAX_MODULE_LINES = 600


def cycle_report(root: Path) -> list[str]:
    modules = find_modules(root, PRODUCT)
    return [describe_cycle(cycle, root) for cycle in find_cycles(import_graph(modules))]


def engine_reaching_up(root: Path) -> list[str]:
    """Imports of `game` or `cli` from `engine`: the engine must run without them."""
    return [
        f"  {found.place(root)}: {found.importer} imports `{found.target}`"
        for module in find_modules(root, ["engine"]).values()
        for found in imports_of(module)
        if _top(found.target) in {"game", "cli"}
    ]


def pygame_in_engine(root: Path) -> list[str]:
    return [
        f"  {found.place(root)}: {found.importer} imports `{found.target}`"
        for module in find_modules(root, ["engine"]).values()
        if not _within(module.name, PYGAME_ALLOWED_IN)
        for found in imports_of(module)
        if _top(found.target) == "pygame"
    ]


def engine_root_modules(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "engine").glob("*.py"))


def long_modules(root: Path) -> list[str]:
    found = []
    for module in find_modules(root, PRODUCT).values():
        lines = len(module.path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"  {module.path.relative_to(root)}: {lines} lines")
    return sorted(found)


def _top(dotted: str) -> str:
    return dotted.partition(".")[0]


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


# The real tree.


def test_no_import_cycles_between_product_modules() -> None:
    cycles = cycle_report(ROOT)
    assert not cycles, (
        f"{len(cycles)} import cycle(s); a module must not import, even inside a function or "
        "under TYPE_CHECKING, a module that leads back to it. Move the shared piece into a "
        "module both can import, or pass it in (scenes ask the router, see "
        "docs/architecture.md):\n" + "\n".join(cycles)
    )


def test_engine_imports_neither_game_nor_cli() -> None:
    found = engine_reaching_up(ROOT)
    assert not found, (
        "engine/ must not import game/ or cli/ (they are built on it); move the code into "
        "engine/ or have the caller pass it in:\n" + "\n".join(found)
    )


def test_only_engine_audio_and_input_import_pygame() -> None:
    found = pygame_in_engine(ROOT)
    assert not found, (
        "within engine/ only engine/audio and engine/input may import pygame; take the "
        "pygame part to game/ or behind those packages:\n" + "\n".join(found)
    )


def test_engine_root_holds_at_most_three_modules() -> None:
    found = engine_root_modules(ROOT)
    assert len(found) <= MAX_ENGINE_ROOT_MODULES, (
        f"engine/ holds {len(found)} modules at its root ({', '.join(found)}); at most "
        f"{MAX_ENGINE_ROOT_MODULES}, __init__.py included: put them in the subpackage of "
        "their concern"
    )


def test_no_product_module_is_over_600_lines() -> None:
    found = long_modules(ROOT)
    assert not found, (
        f"modules over {MAX_MODULE_LINES} lines; split each by what it does:\n" + "\n".join(found)
    )


def test_the_walk_sees_every_part_of_the_product() -> None:
    """Guards the checks above against passing because they looked at nothing."""
    modules = find_modules(ROOT, PRODUCT)
    assert {"run", "cli.main", "engine", "engine.scoring.kernels", "game.app"} <= set(modules)
    graph = import_graph(modules)
    assert "cli.main" in graph["run"]
    assert "engine.scoring.kernels" in graph["cli.demo"]  # an import inside a function


# The rules on made-up trees that break them: each check can fail.


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "engine/__init__.py": "",
            "engine/a.py": "def later():\n    from engine import b\n    return b\n",
            "engine/b.py": "from . import c\n",
            "engine/c.py": "import engine.a\n",
            "engine/d.py": "from engine.a import later\n",
        },
    )
    cycles = find_cycles(import_graph(find_modules(root, ["engine"])))
    assert [cycle.modules for cycle in cycles] == [["engine.a", "engine.b", "engine.c"]]
    report = cycle_report(root)[0]
    assert "engine.a -> engine.b -> engine.c -> engine.a" in report
    assert "engine/a.py:2 (inside a function)" in report


def test_names_and_submodules_resolve_and_acyclic_trees_pass(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "engine/__init__.py": "",
            "engine/store/__init__.py": "from engine.store.records import Tap\n",
            "engine/store/records.py": "Tap = tuple\n",
            "engine/store/sqlite.py": "from .records import Tap\nfrom engine import store\n",
            "cli/__init__.py": "",
            "cli/main.py": "import importlib\nimportlib.import_module('engine.store.sqlite')\n",
        },
    )
    graph = import_graph(find_modules(root, ["engine", "cli"]))
    assert set(graph["engine.store.sqlite"]) == {"engine.store.records", "engine.store"}
    assert set(graph["engine.store"]) == {"engine.store.records"}
    assert set(graph["cli.main"]) == {"engine.store.sqlite"}
    assert find_cycles(graph) == []


def test_an_import_through_a_package_init_closes_a_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "game/__init__.py": "from game.scenes import Title\n",
            "game/scenes.py": "from game import palette\nTitle = object\n",
            "game/palette.py": "from game import Title\n",
        },
    )
    cycles = find_cycles(import_graph(find_modules(root, ["game"])))
    assert [cycle.modules for cycle in cycles] == [["game", "game.scenes", "game.palette"]]


def test_engine_reaching_up_and_pygame_outside_its_two_rooms_are_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "engine/__init__.py": "",
            "engine/audio/output.py": "import pygame._sdl2.audio\n",
            "engine/input/pump.py": "def poll():\n    import pygame\n",
            "engine/levels/draw.py": "def draw():\n    from pygame import Rect\n",
            "engine/session/play.py": "from game.scenes import play\nimport cli.common\n",
            "engine/session/ok.py": "import pygame_gui_notes_not_pygame\n",
        },
    )
    assert pygame_in_engine(root) == [
        "  engine/levels/draw.py:2 (inside a function): engine.levels.draw imports `pygame.Rect`"
    ]
    assert engine_reaching_up(root) == [
        "  engine/session/play.py:1: engine.session.play imports `game.scenes.play`",
        "  engine/session/play.py:2: engine.session.play imports `cli.common`",
    ]


def test_crowded_engine_root_and_long_modules_are_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "engine/__init__.py": "",
            "engine/clock.py": "",
            "engine/store.py": "x = 1\n" * (MAX_MODULE_LINES + 1),
            "engine/export.py": "",
            "engine/timing/__init__.py": "",
            "cli/main.py": "y = 2\n" * MAX_MODULE_LINES,
        },
    )
    assert engine_root_modules(root) == ["__init__.py", "clock.py", "export.py", "store.py"]
    assert long_modules(root) == [f"  engine/store.py: {MAX_MODULE_LINES + 1} lines"]
