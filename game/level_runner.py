"""Running one level: sessions start and end here; with --watch the level restarts on save.

Run it under a Director, which keeps the audio clock fitted and the device fed.

The runner is a scene that holds the play scene of the current session. When the level file
changes it ends that session (kept, marked incomplete) and starts the new version; when the
file has errors it shows them, the same lines as `run.py levels validate`, and keeps running
until the next save.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pygame

from engine.input.pump import Tap, UiEvent
from engine.levels.load import LevelError
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
from engine.session.play import PlaySession
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.store.records import SessionCalibration, SessionRecord
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.i18n import Messages
from game.look import Look
from game.palette import DIM_TEXT, TEXT
from game.play_scene import PlayScene
from game.text import draw_text


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class PlayServices:
    """What a level needs from the program around it."""

    surface: pygame.Surface
    recorder: Recorder
    rig: AudioRig
    profile_name: str
    input_offset_ms: float = 0.0
    visual_offset_ms: float = 0.0
    messages: Messages = field(default_factory=Messages)
    guide_volume: float = 0.7
    data_dir: Path | None = None  # where each child's place on adaptive levels is kept
    calibration: SessionCalibration | None = None  # recorded with every session
    look: Look = field(default_factory=Look)  # colour-blind palette, contrast, motion, text


class LevelRunner:
    def __init__(
        self,
        services: PlayServices,
        load_level: Callable[[], Level],
        watch_path: Path | None = None,
        autoplay: AutoTapper | None = None,
        exit_when_done: bool = False,
        results_hold_s: float = 4.0,
    ) -> None:
        self.services = services
        self.load_level = load_level
        self.watcher = LevelFileWatcher(watch_path) if watch_path is not None else None
        self.autoplay = autoplay
        self.exit_when_done = exit_when_done
        self.results_hold_s = results_hold_s
        self.done = False
        self.quit_requested = False
        self.next_scene = None  # a level runner ends; it never hands over
        self.play: PlayScene | None = None
        self.problems: tuple[str, ...] = ()
        self.session_ids: list[int] = []
        self.last_session: PlaySession | None = None
        self._profile_code: str | None = None
        self._paused_backdrop: pygame.Surface | None = None
        self._start()

    # --- sessions ---------------------------------------------------------------------------
    @property
    def session(self) -> PlaySession | None:
        return self.play.session if self.play is not None else None

    def _start(self) -> None:
        try:
            level = self.load_level()
        except LevelError as error:
            self.problems = tuple(str(problem) for problem in error.problems)
            for line in self.problems:
                print(line)
            return
        self.problems = ()
        services = self.services
        audio = services.rig.settings
        profile_code = services.recorder.profile_for(services.profile_name).code
        session_id = services.recorder.start_session(
            SessionRecord(
                profile_code=profile_code,
                level_id=level.id,
                level_title=level.title,
                level_path=str(level.source_path or ""),
                station=platform.node() or "station",
                sample_rate_hz=audio.sample_rate_hz,
                input_offset_ms=services.input_offset_ms,
                output_latency_ms=audio.output_latency_ns / 1e6,
                started_at_utc=utc_now_iso(),
                calibration=services.calibration,
            )
        )
        self.session_ids.append(session_id)
        rig = services.rig
        # Without a data folder of its own the runner keeps no places on adaptive levels.
        self._profile_code = profile_code if services.data_dir is not None else None
        session = PlaySession(
            level,
            session_id,
            rig.ring,
            rig.clock_map,
            rig.track,
            services.recorder,
            services.input_offset_ms,
            services.guide_volume,
            self._staircase_for(level),
        )
        self.last_session = session
        self.play = PlayScene(
            session,
            services.surface,
            exit_when_done=self.exit_when_done,
            results_hold_s=self.results_hold_s,
            visual_offset_ms=services.visual_offset_ms,
            look=services.look,
            messages=services.messages,
        )

    def _staircase_for(self, level: Level) -> Staircase | None:
        """Adaptive levels start where this child left them (assessments never adapt)."""
        if not is_adaptive(level):
            return None
        if self._profile_code is None:
            ladder = build_ladder(level)
            return Staircase(len(ladder), level.adaptive.target, level_rung(level, ladder))
        store = open_store(self.services.data_dir)
        try:
            return staircase_for_child(store, self._profile_code, level)
        finally:
            store.close()

    def _end_session(self) -> None:
        if self.play is None:
            return
        session = self.play.session
        if session.staircase is not None and self._profile_code is not None:
            store = open_store(self.services.data_dir)
            try:
                remember_position(store, self._profile_code, session.level.id, session.staircase)
            finally:
                store.close()
        status = "complete" if session.finished else "incomplete"
        self.services.recorder.end_session(session.session_id, utc_now_iso(), status)
        self.services.rig.silence_queued_clicks()
        self.play = None

    def close(self) -> None:
        """End the current session; the program is leaving this level."""
        self._end_session()

    # --- scene hooks --------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if self.play is None:
            if any(_is_quit(event) or _is_key(event, "escape") for event in ui_events):
                self.quit_requested = self.done = True
            return
        session = self.play.session
        if session.paused:
            self._on_pause_input(ui_events, now_ns)
            session.on_taps(taps)  # recorded, not scored
            return
        passed_on = []
        for event in ui_events:
            if _is_key(event, "escape") or _is_key(event, "p") or _is_button(event, PAUSE_BUTTON):
                if session.finished:
                    self.play.done = True
                else:
                    session.pause(now_ns)
            else:
                passed_on.append(event)
        self.play.on_input(taps, passed_on, now_ns)
        if self.play.quit_requested:
            self.quit_requested = self.done = True

    def _on_pause_input(self, ui_events: list[UiEvent], now_ns: int) -> None:
        assert self.play is not None
        for event in ui_events:
            if _is_quit(event) or _is_key(event, "q") or _is_button(event, QUIT_BUTTON):
                self.quit_requested = self.done = True
            elif _is_key(event, "escape"):
                self.done = True  # back out of the level; the session is kept, incomplete
            elif (
                any(_is_key(event, key) for key in ("return", "space", "p"))
                or _is_button(event, PAUSE_BUTTON)
                or _is_button(event, RESUME_BUTTON)
                or event.kind == "pointer"
            ):
                self.play.session.resume(now_ns)
                return

    def on_update(self, now_ns: int) -> None:
        if self.watcher is not None and self.watcher.changed(now_ns):
            self._end_session()
            self._start()
        if self.play is None:
            return
        self._autoplay(now_ns)  # taps that came due during a long frame go in before misses
        self.play.on_update(now_ns)
        # Without --watch the runner ends with its level; with it, it waits for the next save.
        if self.play.done and self.watcher is None:
            self.done = True

    def on_idle(self, now_ns: int) -> None:
        self._autoplay(now_ns)

    def _autoplay(self, now_ns: int) -> None:
        if self.play is None or self.autoplay is None:
            return
        rig = self.services.rig
        due = self.autoplay.due_taps(self.play.session, rig.clock_map, now_ns)
        if due:
            self.play.session.on_taps(due)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        if self.play is None:
            self._draw_problems(self.services.surface)
            return None
        if not self.play.session.paused:
            self._paused_backdrop = None
            return self.play.on_draw(now_ns)
        if self._paused_backdrop is None:
            # The scene draws only what changes; under the shade it must be one still frame.
            self.play.on_draw(now_ns)
            self._paused_backdrop = self.services.surface.copy()
        self.services.surface.blit(self._paused_backdrop, (0, 0))
        self._draw_pause(self.services.surface)
        return None

    def _draw_pause(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = height / 720
        shade = pygame.Surface((width, height), pygame.SRCALPHA)
        shade.fill((10, 10, 25, 190))
        surface.blit(shade, (0, 0))
        text = self.services.messages
        draw_text(
            surface, text("pause.title"), int(90 * unit), TEXT, center=(width / 2, height * 0.36)
        )
        lines = (text("pause.go_on"), text("pause.leave"))
        for index, line in enumerate(lines):
            center = (width / 2, height * (0.55 + 0.08 * index))
            draw_text(surface, line, int(34 * unit), DIM_TEXT, center=center)

    def _draw_problems(self, surface: pygame.Surface) -> None:
        unit = surface.get_height() / 720
        surface.fill((30, 30, 40))
        text = self.services.messages
        draw_text(
            surface, text("problems.title"), int(44 * unit), TEXT, topleft=(30 * unit, 24 * unit)
        )
        hint = text("problems.hint")
        draw_text(surface, hint, int(26 * unit), DIM_TEXT, topleft=(30 * unit, 76 * unit))
        line_y = 130 * unit
        for line in self.problems[:20]:
            draw_text(surface, line, int(22 * unit), (255, 215, 150), topleft=(30 * unit, line_y))
            line_y += 28 * unit


# Gamepad buttons (SDL numbering, Xbox layout): Start pauses, A resumes, Back leaves.
RESUME_BUTTON = 0
QUIT_BUTTON = 6
PAUSE_BUTTON = 7


def _is_quit(event: UiEvent) -> bool:
    return event.kind == "quit"


def _is_key(event: UiEvent, key: str) -> bool:
    return event.kind == "key" and event.key == key


def _is_button(event: UiEvent, button: int) -> bool:
    return event.kind == "button" and event.key == str(button)
