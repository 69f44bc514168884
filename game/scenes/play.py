"""A level chosen on the map: the level runner plays it, then the results are shown."""

from __future__ import annotations

from functools import partial

import pygame

from engine.input.pump import Tap, UiEvent
from engine.levels.model import Level
from engine.session.rewards import Progress
from game.context import GameContext
from game.level_runner import LevelRunner, PlayServices


class PlayLevelScene:
    def __init__(
        self, context: GameContext, level: Level, progress_before: Progress | None = None
    ) -> None:
        self.context = context
        self.level = level
        self.progress_before = progress_before
        self.done = False
        self.quit_requested = False
        self.next_scene = None
        profile = context.profile.display_name if context.profile else "Player"
        services = PlayServices(
            context.surface,
            context.recorder,
            context.rig,
            profile,
            context.input_offset_ms,
            context.visual_offset_ms,
            context.messages,
            context.settings.guide_volume,
            context.data_dir,
            context.calibration,
            context.look,
        )
        self.runner = LevelRunner(
            services,
            partial(lambda fixed: fixed, level),
            autoplay=context.autoplay,
            exit_when_done=True,
            results_hold_s=1.5,
        )

    def close(self) -> None:
        self.runner.close()

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        self.runner.on_input(taps, ui_events, now_ns)

    def on_update(self, now_ns: int) -> None:
        self.runner.on_update(now_ns)
        if not self.runner.done:
            return
        session = self.runner.last_session
        self.runner.close()
        if self.runner.quit_requested:
            self.quit_requested = self.done = True
        elif session is not None and session.finished:
            from game.scenes.results import ResultsScene

            self.next_scene = ResultsScene(self.context, self.level, session, self.progress_before)
        else:
            from game.scenes.level_map import LevelMapScene

            self.next_scene = LevelMapScene(self.context)

    def on_idle(self, now_ns: int) -> None:
        self.runner.on_idle(now_ns)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        return self.runner.on_draw(now_ns)
