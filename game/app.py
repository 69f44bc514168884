"""The game in a real window, on the real audio clock and input."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pygame

from engine.audio.config import load_audio_settings
from engine.audio.output import SdlAudioOutput
from engine.audio.synth import click_sounds
from engine.config.user_settings import load_user_settings
from engine.input.gamepad import init_gamepads, quit_gamepads
from engine.input.mapping import load_station_input_mapping
from engine.input.pump import InputPump
from engine.input.sources import close_all, start_tap_sources
from engine.input.stamps import PressMatcher
from engine.input.x11 import start_x11_press_source
from engine.levels.library import discover_levels
from engine.scoring.kernels import warm_up
from engine.session.calibration import Calibration, load_calibration, session_calibration
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.store.records import STAMP_X11_SERVER
from engine.timing.host_clock import RealClock
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.context import GameContext
from game.director import Director
from game.frame_loop import FrameLoop, present_window
from game.palette import TEXT, THEME_BACKGROUNDS
from game.scene import Goto
from game.text import draw_text

WINDOW_SIZE = (1280, 720)


class NoDisplayError(RuntimeError):
    """There is no screen to open a window on."""


def display_available() -> bool:
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver in ("dummy", "offscreen"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def open_window(
    size: tuple[int, int] = WINDOW_SIZE, flags: int = pygame.RESIZABLE
) -> pygame.Surface:
    if not display_available():
        raise NoDisplayError("no display")
    # SDL's default window framebuffer on X11 is a GPU texture presented whole every frame;
    # the plain one presents only the changed rects (docs/benchmarks.md, frame times).
    os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    try:
        pygame.display.init()
        pygame.font.init()
        init_gamepads()
        pygame.display.set_caption("OnBeat")
        return pygame.display.set_mode(size, flags)
    except pygame.error as error:
        raise NoDisplayError(str(error)) from None


def show_title(surface: pygame.Surface, message: str) -> None:
    width, height = surface.get_size()
    surface.fill(THEME_BACKGROUNDS["space"][0])
    draw_text(surface, "OnBeat", int(height * 0.16), TEXT, center=(width / 2, height * 0.4))
    draw_text(surface, message, int(height * 0.05), TEXT, center=(width / 2, height * 0.6))
    pygame.display.flip()


@dataclass
class Station:
    """The running program's parts: window, clock, input, audio, recorder, calibration."""

    surface: pygame.Surface
    clock: RealClock
    pump: InputPump
    rig: AudioRig
    recorder: Recorder
    calibration: Calibration


@contextmanager
def open_station(
    data_dir: Path,
    metronome_volume: float = 0.8,
    window_size: tuple[int, int] = WINDOW_SIZE,
    warm_up_behind_title: bool = False,
    window_flags: int = pygame.RESIZABLE,
) -> Iterator[Station]:
    """Open the window, recorder, input and audio; close them all, whatever happens.

    ``warm_up_behind_title``: compile the scoring kernels behind a plain title first, before
    the audio device runs (nothing would feed it meanwhile). The game's own title scene
    does this itself while the device runs. ``window_flags``: pygame's display flags (the
    kiosk's window is full screen and borderless).
    """
    surface = open_window(window_size, window_flags)
    if warm_up_behind_title:
        show_title(surface, "Getting ready...")
        warm_up()  # JIT compile (or load from cache), never during play
    store = open_store(data_dir)
    store.mark_abandoned_sessions_incomplete()  # sessions cut short by a crash are kept
    store.close()
    recorder = Recorder(data_dir)
    clock = RealClock()
    matcher = PressMatcher(STAMP_X11_SERVER)
    x11_source = start_x11_press_source(matcher)
    if x11_source is None:
        print("Input stamps: polled at 1 kHz (no X server stamps on this system)")
    calibration, problems = load_calibration()
    for problem in problems:
        print(problem)
    audio = load_audio_settings()
    # The measured output latency replaces the configured guess when there is one.
    if calibration.output_measured_at_utc is not None:
        audio = dataclasses.replace(audio, output_offset_ms=calibration.output_offset_ms)
    rig = AudioRig.create(audio)
    rig.track.set_sounds(click_sounds(rig.settings.sample_rate_hz, metronome_volume))
    output = SdlAudioOutput(rig.ring)
    tap_sources = []
    try:
        rig.ring.fill_ahead(rig.track.render)
        print(output.open())
        output.start()
        mapping = load_station_input_mapping()
        tap_sources = start_tap_sources(mapping, print)  # evdev and MIDI, each if it can run
        pump = InputPump(mapping, clock, matcher if x11_source else None, tap_sources)
        yield Station(surface, clock, pump, rig, recorder, calibration)
    finally:
        output.close()
        close_all(tap_sources)
        if x11_source is not None:
            x11_source.stop()
        quit_gamepads()
        pygame.display.quit()
        recorder.close()
        if rig.ring.underruns:
            print(f"Audio underruns: {rig.ring.underruns}")


def play_level(
    level_path: Path,
    data_dir: Path,
    profile_name: str,
    exit_when_done: bool,
    watch: bool = False,
    autoplay: AutoTapper | None = None,
) -> list[int]:
    """Play the level in ``level_path`` in a window; returns the ids of the sessions recorded.

    Raises NoDisplayError when there is no screen.
    """
    with open_station(data_dir, warm_up_behind_title=True) as station:
        context = GameContext(
            station.surface,
            station.recorder,
            station.rig,
            data_dir=data_dir,
            player_name=profile_name,
            autoplay=autoplay,
            input_offset_ms=station.calibration.input_offset_ms,
            visual_offset_ms=station.calibration.visual_offset_ms,
            calibration=session_calibration(station.calibration),
        )
        director = Director(
            context,
            Goto(
                "play",
                level=level_path,
                alone=True,
                watch=watch,
                exit_when_done=exit_when_done,
                results_hold_s=4.0,
            ),
        )
        try:
            FrameLoop(station.clock, station.pump, present_window).run(director)
        finally:
            director.close()
    return director.scene.session_ids


def run_game(
    data_dir: Path,
    levels_dirs: list[Path],
    settings_path: Path,
    window_size: tuple[int, int] = WINDOW_SIZE,
    autoplay: AutoTapper | None = None,
) -> None:
    """The whole game: title, profiles, level map, play, results, settings."""
    settings, problems = load_user_settings(settings_path)
    for problem in problems:
        print(problem)
    library = discover_levels(levels_dirs)
    for problem in library.problems:
        print(problem)  # a bad level is listed, never stops the game
    with open_station(data_dir, settings.metronome_volume, window_size) as station:
        if settings.fullscreen:
            pygame.display.toggle_fullscreen()
        context = GameContext(
            station.surface,
            station.recorder,
            station.rig,
            settings=settings,
            settings_path=settings_path,
            data_dir=data_dir,
            library=library,
            autoplay=autoplay,
            input_offset_ms=station.calibration.input_offset_ms,
            visual_offset_ms=station.calibration.visual_offset_ms,
            calibration=session_calibration(station.calibration),
        )
        director = Director(context, Goto("title"))
        try:
            FrameLoop(station.clock, station.pump, present_window).run(director)
        finally:
            director.close()


def run_calibration(data_dir: Path, kind: str, settings_path: Path) -> None:
    """`run.py calibrate`: the tap-along calibration on its own, saved for this machine."""
    settings, _problems = load_user_settings(settings_path)
    with open_station(data_dir, settings.metronome_volume, warm_up_behind_title=True) as station:
        context = GameContext(
            station.surface, station.recorder, station.rig, settings=settings, data_dir=data_dir
        )
        director = Director(context, Goto("calibrate", kind=kind, back=None))
        try:
            FrameLoop(station.clock, station.pump, present_window).run(director)
        finally:
            director.close()
    scene = director.scene
    if scene.result is not None:
        if scene.result.accepted:
            print(
                f"Calibration saved: {kind} offset {scene.result.offset_ms:+.1f} ms "
                f"(SD {scene.result.sd_ms:.1f} ms, {scene.result.taps_used} taps)"
            )
        else:
            print(f"Calibration not saved: {scene.result.problem}")
