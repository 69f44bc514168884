"""How game/ is put together: no import cycles, scenes reach each other only through the
router, and a scene can be built without a window, a store or an audio device."""

from __future__ import annotations

import ast
from pathlib import Path

import pygame
import pytest

from engine.audio.devices import OutputStatus
from engine.audio.output import AudioSettings
from engine.config.kiosk import KioskConfig
from engine.config.user_settings import UserSettings
from engine.session.calibration import Calibration
from engine.session.pin_gate import PinGate
from engine.session.play import PlaySession
from engine.session.rewards import Progress
from engine.store.records import ProfileRecord
from game.app import Station, station_context
from game.audio_rig import AudioRig
from game.context import GameContext
from game.kiosk.state import KioskState
from game.router import SCENES, build_scene
from game.scene import Goto
from game.sound import FixedOutput
from tests.level_factory import make_level

GAME_DIR = Path(__file__).resolve().parent.parent / "game"


def game_imports() -> dict[str, set[str]]:
    """Each module of game/ and the game modules it imports, anywhere in its body.

    Importing ``a.b.c`` runs ``a`` and ``a.b`` too, so those count as imported as well.
    """
    modules = {}
    for path in GAME_DIR.rglob("*.py"):
        parts = ("game", *path.relative_to(GAME_DIR).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        named: list[str] = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: relative import"
                named += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        imported = set()
        for target in named:
            parts = target.split(".")
            for end in range(1, len(parts) + 1):
                imported.add(".".join(parts[:end]))
        graph[name] = {other for other in imported if other in modules and other != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other in a circle (Tarjan's components)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for other in graph[module]:
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in graph:
        if module not in order:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_module_of_the_game_imports_in_a_circle():
    assert cycles(game_imports()) == []


def test_only_the_router_imports_the_scenes():
    importers = {
        module
        for module, imported in game_imports().items()
        if any(other.startswith("game.scenes.") for other in imported)
    }
    assert importers == {"game.router"}


def absent_context(tmp_path: Path) -> GameContext:
    """A context whose store folder does not exist and with no recorder or audio at all:
    a constructor that reads or writes anything fails, or leaves the folder behind."""
    return GameContext(pygame.Surface((1280, 720)), None, None, data_dir=tmp_path / "absent")


def test_every_scene_is_built_without_window_store_or_audio(tmp_path: Path):
    level = make_level()
    rig = AudioRig.create(AudioSettings())  # objects only: no device is opened
    session = PlaySession(level, 1, rig.ring, rig.clock_map, rig.track, None)
    profile = ProfileRecord(1, "P-1", "Ana", None, "frog", "2025-01-01T00:00:00+00:00", 0, None)
    params = {
        "stickers": {"progress": Progress({}, (), ())},
        "play": {"level": level},
        "results": {"level": level, "session": session},
        "calibrate": {"kind": "input"},
        "no_sound": {"retry": Goto("play", level=level)},
        "therapist_sessions": {"profile": profile},
        "therapist_session": {"profile": profile, "session_id": 1},
    }
    context = absent_context(tmp_path)
    # The kiosk's scenes get the kiosk's state from its director; a gate no PIN opens here.
    kiosk = KioskState(KioskConfig(), tmp_path / "absent", PinGate(lambda pin: False, 60.0, 0))
    params["kiosk_break"] = {"seconds": 30.0}
    params["kiosk_plan_edit"] = {"profile": profile}
    for name in SCENES:
        if name.startswith("kiosk_"):
            params[name] = {**params.get(name, {}), "kiosk": kiosk}
        scene = build_scene(context, Goto(name, **params.get(name, {})))
        assert scene.next is None and not scene.done, name
    assert not (tmp_path / "absent").exists()


def test_an_unknown_scene_name_lists_the_known_ones(tmp_path: Path):
    with pytest.raises(KeyError, match="level_map"):
        build_scene(absent_context(tmp_path), Goto("level_mpa"))


def test_every_way_into_the_game_hears_the_stations_sound_output(tmp_path: Path) -> None:
    """The game, one level and the kiosk build their context in one place, which hands on the
    station's sound output: a kiosk whose context lacked it stopped every level for "no
    sound" on a station that had speakers."""
    speakers = FixedOutput(OutputStatus("USB Speakers"))
    station = Station(
        pygame.Surface((1280, 720)),
        None,
        None,
        AudioRig.create(AudioSettings()),
        None,
        Calibration(),
        speakers,
    )
    context = station_context(station, UserSettings(language="es"), tmp_path)
    assert context.sound is speakers and context.sound.status.audible
    assert context.messages.language == "es"
