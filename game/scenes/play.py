"""Playing one level: the recorded session starts on entering and ends on leaving.

The engine's `PlaySession` decides everything (beats, judgements, adaptation, results); the
painter (game/play_painter.py) draws what it decided. This scene starts and ends the
recorded session, takes the input (taps, pause, leaving), feeds the autoplayer's taps, and
draws the pause shade over a still frame.

In the game a finished level goes on to the results scene and a level left from the pause
goes back to the level map. Alone (`run.py play`, the headless demo, benchmarks) the scene is
the whole program: it ends when the level does. With ``watch`` the level file is read again
whenever it is saved: the session so far ends (kept, marked incomplete) and the new version
starts; a file with errors shows them, the same lines as `run.py levels validate`, until the
next save.
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path

import pygame

from engine.input.pump import Tap, UiEvent
from engine.levels.load import LevelError, load_level
from engine.levels.model import Level
from engine.levels.watch import LevelFileWatcher
from engine.session.adaptation import (
    Staircase,
    build_ladder,
    is_adaptive,
    level_rung,
    remember_position,
    staircase_for_child,
)
from engine.session.plan_progress import PlanPlace
from engine.session.play import PlaySession
from engine.session.rewards import Progress
from engine.store.opening import open_store
from engine.store.records import SessionRecord
from game.canvas import design_unit
from game.context import GameContext
from game.palette import DIM_TEXT, TEXT
from game.play_painter import PlayPainter
from game.scene import Scene
from game.text import draw_text

# Gamepad buttons (SDL numbering, Xbox layout): Start pauses, A resumes, Back leaves.
RESUME_BUTTON = 0
QUIT_BUTTON = 6
PAUSE_BUTTON = 7


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PlayScene(Scene):
    def __init__(
        self,
        context: GameContext,
        level: Level | Path,
        progress_before: Progress | None = None,
        alone: bool = False,
        watch: bool = False,
        exit_when_done: bool = True,
        results_hold_s: float = 1.5,
        plan_place: PlanPlace | None = None,
    ) -> None:
        """``level``: a level, or its file (read on entering, and on each save with ``watch``).

        ``progress_before``: the child's stars and stickers before, to tell what is new.
        ``alone``: the scene is the whole program (see the module's docstring).
        ``exit_when_done``: the level ends ``results_hold_s`` after its last beat; otherwise
        its results table waits for Enter.
        ``plan_place``: the plan, run and stop the session is played under (the kiosk's).
        """
        super().__init__(context)
        self.level = level
        self.progress_before = progress_before
        self.alone = alone
        self.watch = watch
        self.exit_when_done = exit_when_done
        self.results_hold_ns = int(results_hold_s * 1e9)
        self.plan_place = plan_place
        self.session: PlaySession | None = None  # None while the level file has errors
        self.last_session: PlaySession | None = None
        self.session_ids: list[int] = []
        self.problems: tuple[str, ...] = ()
        self._watcher: LevelFileWatcher | None = None
        self._painter: PlayPainter | None = None
        self._profile_code: str | None = None
        self._finished_at_ns: int | None = None
        self._results_seen = False
        self._paused_backdrop: pygame.Surface | None = None

    # --- the recorded session -----------------------------------------------------------------
    def on_enter(self) -> None:
        if self.watch:
            assert isinstance(self.level, Path), "only a level file can be watched"
            self._watcher = LevelFileWatcher(self.level)
        self._start()

    def on_exit(self) -> None:
        self._end_session()

    def _load(self) -> Level | None:
        if isinstance(self.level, Level):
            return self.level
        try:
            return load_level(self.level)
        except LevelError as error:
            self.problems = tuple(str(problem) for problem in error.problems)
            for line in self.problems:
                print(line)
            return None

    def _start(self) -> None:
        level = self._load()
        if level is None:
            return
        self.problems = ()
        context = self.context
        rig = context.rig
        profile_code = context.recorder.profile_for(context.profile_name).code
        place = self.plan_place
        session_id = context.recorder.start_session(
            SessionRecord(
                profile_code=profile_code,
                level_id=level.id,
                level_title=level.title,
                level_path=str(level.source_path or ""),
                station=platform.node() or "station",
                sample_rate_hz=rig.settings.sample_rate_hz,
                input_offset_ms=context.input_offset_ms,
                output_latency_ms=rig.settings.output_latency_ns / 1e6,
                started_at_utc=utc_now_iso(),
                calibration=context.calibration,
                plan_id=None if place is None else place.plan_id,
                plan_visit=None if place is None else place.run_number,
                plan_stop=None if place is None else place.stop_index,
            )
        )
        self.session_ids.append(session_id)
        # Without a data folder of its own the scene keeps no places on adaptive levels.
        self._profile_code = profile_code if context.data_dir is not None else None
        self.session = self.last_session = PlaySession(
            level,
            session_id,
            rig.ring,
            rig.clock_map,
            rig.track,
            context.recorder,
            context.input_offset_ms,
            context.settings.guide_volume,
            self._staircase_for(level),
        )
        self._painter = PlayPainter(
            self.session,
            context.surface,
            press_enter_hint=not self.exit_when_done,
            visual_offset_ms=context.visual_offset_ms,
            look=context.look,
            messages=context.messages,
        )
        self._finished_at_ns = None
        self._results_seen = False

    def _staircase_for(self, level: Level) -> Staircase | None:
        """Adaptive levels start where this child left them (assessments never adapt)."""
        if not is_adaptive(level):
            return None
        if self._profile_code is None:
            ladder = build_ladder(level)
            return Staircase(len(ladder), level.adaptive.target, level_rung(level, ladder))
        store = open_store(self.context.data_dir)
        try:
            return staircase_for_child(store, self._profile_code, level)
        finally:
            store.close()

    def _end_session(self) -> None:
        session = self.session
        if session is None:
            return
        if session.staircase is not None and self._profile_code is not None:
            store = open_store(self.context.data_dir)
            try:
                remember_position(store, self._profile_code, session.level.id, session.staircase)
            finally:
                store.close()
        status = "complete" if session.finished else "incomplete"
        self.context.recorder.end_session(session.session_id, utc_now_iso(), status)
        self.context.rig.silence_queued_clicks()
        self.session = self._painter = None

    # --- where to go --------------------------------------------------------------------------
    def _leave(self) -> None:
        """Back out of the level; its session is kept, marked incomplete."""
        if self.alone:
            self.done = True
        else:
            self.goto("level_map")

    def _level_over(self) -> None:
        if self.alone:
            self.done = True
        else:
            assert self.session is not None
            self.goto(
                "results",
                level=self.session.level,
                session=self.session,
                progress_before=self.progress_before,
            )

    # --- scene hooks --------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        session = self.session
        if session is None:
            if any(_is_key(event, "escape") for event in ui_events):
                self._leave()
            return
        if session.paused:
            self._on_pause_input(ui_events, now_ns)
            session.on_taps(taps)  # recorded, not scored while paused
            return
        for event in ui_events:
            if _is_key(event, "escape") or _is_key(event, "p") or _is_button(event, PAUSE_BUTTON):
                if session.finished:
                    self._results_seen = True
                else:
                    session.pause(now_ns)
            elif _is_key(event, "return") and session.finished:
                self._results_seen = True
            elif event.kind == "resize" and self._painter is not None:
                self._painter.invalidate()
        session.on_taps(taps)

    def _on_pause_input(self, ui_events: list[UiEvent], now_ns: int) -> None:
        assert self.session is not None
        for event in ui_events:
            if _is_key(event, "q") or _is_button(event, QUIT_BUTTON):
                self.done = True  # leave the program
            elif _is_key(event, "escape"):
                self._leave()
            elif (
                any(_is_key(event, key) for key in ("return", "space", "p"))
                or _is_button(event, PAUSE_BUTTON)
                or _is_button(event, RESUME_BUTTON)
                or event.kind == "pointer"
            ):
                self.session.resume(now_ns)
                return

    def on_update(self, now_ns: int) -> None:
        if self._watcher is not None and self._watcher.changed(now_ns):
            self._end_session()
            self._start()
        session = self.session
        if session is None:
            return
        self._autoplay(now_ns)  # taps that came due during a long frame go in before misses
        session.update(now_ns)
        if session.finished and self._finished_at_ns is None:
            self._finished_at_ns = now_ns
        if (
            self.exit_when_done
            and self._finished_at_ns is not None
            and now_ns - self._finished_at_ns >= self.results_hold_ns
        ):
            self._results_seen = True
        # A watched level stays on its results until the next save.
        if self._results_seen and self._watcher is None:
            self._level_over()

    def on_idle(self, now_ns: int) -> None:
        self._autoplay(now_ns)

    def _autoplay(self, now_ns: int) -> None:
        if self.session is None or self.context.autoplay is None:
            return
        due = self.context.autoplay.due_taps(self.session, self.context.rig.clock_map, now_ns)
        if due:
            self.session.on_taps(due)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        if self.session is None or self._painter is None:
            self._draw_problems(surface)
            return None
        if not self.session.paused:
            self._paused_backdrop = None
            return self._painter.draw(now_ns)
        if self._paused_backdrop is None:
            # The painter draws only what changes; under the shade it must be one still frame.
            self._painter.draw(now_ns)
            self._paused_backdrop = surface.copy()
        surface.blit(self._paused_backdrop, (0, 0))
        self._draw_pause(surface)
        return None

    def _draw_pause(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        shade = pygame.Surface((width, height), pygame.SRCALPHA)
        shade.fill((10, 10, 25, 190))
        surface.blit(shade, (0, 0))
        text = self.context.messages
        draw_text(
            surface, text("pause.title"), int(90 * unit), TEXT, center=(width / 2, height * 0.36)
        )
        lines = (text("pause.go_on"), text("pause.leave"))
        for index, line in enumerate(lines):
            center = (width / 2, height * (0.55 + 0.08 * index))
            draw_text(surface, line, int(34 * unit), DIM_TEXT, center=center)

    def _draw_problems(self, surface: pygame.Surface) -> None:
        unit = design_unit(surface.get_size())
        surface.fill((30, 30, 40))
        text = self.context.messages
        draw_text(
            surface, text("problems.title"), int(44 * unit), TEXT, topleft=(30 * unit, 24 * unit)
        )
        hint = text("problems.hint")
        draw_text(surface, hint, int(26 * unit), DIM_TEXT, topleft=(30 * unit, 76 * unit))
        line_y = 130 * unit
        for line in self.problems[:20]:
            draw_text(surface, line, int(22 * unit), (255, 215, 150), topleft=(30 * unit, line_y))
            line_y += 28 * unit


def _is_key(event: UiEvent, key: str) -> bool:
    return event.kind == "key" and event.key == key


def _is_button(event: UiEvent, button: int) -> bool:
    return event.kind == "button" and event.key == str(button)
