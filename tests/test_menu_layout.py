"""Menu scenes at common window sizes: no two buttons overlap, all of them fit the window."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from engine.config.user_settings import UserSettings
from engine.levels.library import discover_levels
from engine.session.rewards import Progress
from game.context import GameContext
from game.harness import VirtualClock
from game.scenes.level_map import LevelMapScene
from game.scenes.new_profile import NewProfileScene
from game.scenes.profiles import ProfilesScene
from game.scenes.settings import SettingsScene
from game.scenes.stickers import StickerBookScene

SIZES = [(1280, 720), (1920, 1080), (1024, 768)]


@pytest.mark.parametrize("size", SIZES)
def test_buttons_fit_and_never_overlap(tmp_path: Path, size: tuple[int, int]) -> None:
    pygame.display.init()
    surface = pygame.display.set_mode(size)
    context = GameContext(
        surface,
        VirtualClock(),
        None,
        None,
        tmp_path / "data",
        discover_levels([]),
        UserSettings(large_text=True),
        None,
    )
    scenes = [
        SettingsScene(context, back_to=ProfilesScene),
        ProfilesScene(context),
        NewProfileScene(context),
        LevelMapScene(context),
        StickerBookScene(context, Progress({}, (), ())),
    ]
    window = surface.get_rect()
    for scene in scenes:
        scene.on_draw(0)
        rects = [button.rect for button in scene.menu.buttons]
        assert rects, type(scene).__name__
        for index, rect in enumerate(rects):
            assert window.contains(rect), (type(scene).__name__, rect)
            for other in rects[index + 1 :]:
                assert not rect.colliderect(other), (type(scene).__name__, rect, other)
    pygame.key.stop_text_input()


def test_the_reports_folder_is_chosen_in_settings(tmp_path: Path) -> None:
    from engine.input.pump import UiEvent
    from game.scenes.settings import ReportsFolderScene

    pygame.display.init()
    surface = pygame.display.set_mode((1280, 720))
    context = GameContext(
        surface,
        VirtualClock(),
        None,
        None,
        tmp_path / "data",
        discover_levels([]),
        UserSettings(),
        None,
    )
    scene = ReportsFolderScene(context, back_to=ProfilesScene)
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
