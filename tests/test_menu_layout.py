"""Menu scenes at common window sizes: no two buttons overlap, all of them fit the window."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from engine.audio.output import AudioSettings
from engine.config.user_settings import UserSettings
from engine.input.pump import UiEvent
from engine.levels.library import discover_levels
from engine.session.play import PlaySession
from engine.session.rewards import Progress
from game.audio_rig import AudioRig
from game.context import GameContext
from game.router import build_scene
from game.scene import Goto
from tests.level_factory import make_level

SIZES = [(1280, 720), (1920, 1080), (1024, 768)]


@pytest.mark.parametrize("size", SIZES)
def test_buttons_fit_and_never_overlap(tmp_path: Path, size: tuple[int, int]) -> None:
    pygame.display.init()
    surface = pygame.display.set_mode(size)
    level = make_level()
    rig = AudioRig.create(AudioSettings())  # objects only: no device is opened
    session = PlaySession(level, 1, rig.ring, rig.clock_map, rig.track, None)
    context = GameContext(
        surface,
        None,
        None,
        settings=UserSettings(large_text=True),
        data_dir=tmp_path / "data",
        library=discover_levels([]),
    )
    scenes = [
        build_scene(context, goto)
        for goto in (
            Goto("settings", back_to="profiles"),
            Goto("profiles"),
            Goto("new_profile"),
            Goto("level_map"),
            Goto("stickers", progress=Progress({}, (), ())),
            Goto("no_sound", retry=Goto("title")),
            Goto("results", level=level, session=session, again=Goto("title")),
            Goto("devices", rescan_period_s=None),
        )
    ]
    window = surface.get_rect()
    for scene in scenes:
        scene.on_enter()
        scene.on_draw(0)
        rects = [button.rect for button in scene.menu.buttons]
        assert rects, type(scene).__name__
        for index, rect in enumerate(rects):
            assert window.contains(rect), (type(scene).__name__, rect)
            for other in rects[index + 1 :]:
                assert not rect.colliderect(other), (type(scene).__name__, rect, other)
        scene.on_exit()


def test_the_reports_folder_is_chosen_in_settings(tmp_path: Path) -> None:
    pygame.display.init()
    surface = pygame.display.set_mode((1280, 720))
    context = GameContext(surface, None, None, data_dir=tmp_path / "data")
    scene = build_scene(context, Goto("reports_folder", back_to="profiles"))
    scene.on_enter()
    scene.on_draw(0)
    scene.path_text = ""
    scene.on_input([], [UiEvent("text", key="relative/folder")], 0)
    scene.activate("keep")
    assert "whole path" in scene.problem and context.settings.reports_dir == ""
    scene.path_text = str(tmp_path / "clinic" / "reports")
    scene.activate("keep")
    assert context.settings.reports_dir == str(tmp_path / "clinic" / "reports")
    assert (tmp_path / "clinic" / "reports").is_dir()
    assert context.reports_folder() == tmp_path / "clinic" / "reports"
