"""The kiosk's game process, full screen and borderless, and the call-your-therapist screen the
supervisor shows instead after repeated crashes. Each returns how it ended (QUIT_STATION or
RETRY_GAME); the supervisor (game/kiosk/supervisor.py) starts them and restarts them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pygame

from engine.config.kiosk import KioskConfig
from engine.config.user_settings import load_user_settings
from engine.input.mapping import load_station_input_mapping
from engine.input.pump import InputPump
from engine.levels.library import discover_levels
from engine.levels.paths import clinic_levels_dir
from engine.timing.host_clock import RealClock
from game.app import open_station, open_window, station_context
from game.context import GameContext
from game.frame_loop import FrameLoop, present_window
from game.kiosk.director import KioskDirector
from game.kiosk.gestures import SdlPointer, show_pointer
from game.kiosk.state import CALL_THERAPIST, GAME, KioskState
from game.sound import chosen_device

# Full screen at the desktop's own size, no frame to grab or close.
KIOSK_WINDOW_FLAGS = pygame.FULLSCREEN | pygame.NOFRAME
DESKTOP_SIZE = (0, 0)  # SDL: the size of the desktop


def _kiosk_sdl_hints() -> None:
    """SDL settings that keep a child in the window; set before the display opens."""
    # Windows: Alt+F4 would otherwise close the window (the kiosk ignores the quit anyway).
    os.environ.setdefault("SDL_WINDOWS_NO_CLOSE_ON_ALT_F4", "1")
    # A full-screen window must not minimise when another window takes the focus.
    os.environ.setdefault("SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS", "0")
    # With the keyboard grabbed, keys the desktop would take (Alt+Tab, the Windows/Super key)
    # come to the kiosk instead, where the window manager allows it (docs/kiosk.md).
    os.environ.setdefault("SDL_GRAB_KEYBOARD", "1")
    # SIGTERM and SIGINT stop the process as usual (the supervisor stops the game so) instead
    # of becoming SDL's quit event, which the kiosk ignores.
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")


def _grab_input() -> None:
    pygame.event.set_grab(True)
    show_pointer(False)


def run_kiosk_game(
    data_dir: Path, levels_dirs: list[Path], settings_path: Path, config: KioskConfig
) -> str | None:
    """The kiosk for children, until the therapist quits; returns how it ended."""
    _kiosk_sdl_hints()
    settings, problems = load_user_settings(settings_path)
    for problem in problems:
        print(problem)
    library = discover_levels(levels_dirs, clinic_dir=clinic_levels_dir(data_dir))
    for problem in library.problems:
        print(problem)
    with open_station(
        data_dir,
        settings.metronome_volume,
        DESKTOP_SIZE,
        warm_up_behind_title=True,
        audio_device=chosen_device(settings),
        window_flags=KIOSK_WINDOW_FLAGS,
    ) as station:
        _grab_input()
        kiosk = KioskState.open(config, data_dir, station.clock.now_ns(), GAME)
        # The game's own context: the station's sound output too, so that a level starts
        # with sound where there is some, and stops for the therapist where there is none.
        context = station_context(
            station,
            settings,
            data_dir,
            settings_path=settings_path,
            library=library,
            configured_station=kiosk.config.station,
        )
        director = KioskDirector(context, kiosk, SdlPointer(), station.clock.now_ns())
        try:
            FrameLoop(station.clock, station.pump, present_window).run(director)
        finally:
            director.close()
    return kiosk.ending


def run_call_screen(data_dir: Path, settings_path: Path, config: KioskConfig) -> str | None:
    """ "Please call your therapist", with the PIN pad behind it and nothing else: no audio,
    no recorder, so that whatever kept crashing the game is not started again."""
    _kiosk_sdl_hints()
    settings, _problems = load_user_settings(settings_path)
    surface = open_window(DESKTOP_SIZE, KIOSK_WINDOW_FLAGS)
    try:
        _grab_input()
        clock = RealClock()
        kiosk = KioskState.open(config, data_dir, clock.now_ns(), CALL_THERAPIST)
        context = GameContext(surface, None, None, settings=settings, data_dir=data_dir)
        director = KioskDirector(context, kiosk, SdlPointer(), clock.now_ns())
        pump = InputPump(load_station_input_mapping(), clock)
        try:
            FrameLoop(clock, pump, present_window).run(director)
        finally:
            director.close()
    finally:
        pygame.display.quit()
    return kiosk.ending
