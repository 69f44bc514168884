"""The game in a real window, on the real audio clock and input."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pygame

from engine.audio.config import load_audio_settings, machine_audio_path
from engine.audio.output import SdlAudioOutput
from engine.audio.synth import click_sounds
from engine.config.user_settings import UserSettings, load_user_settings
from engine.input.devices import StationInput
from engine.input.gamepad import init_gamepads, quit_gamepads
from engine.input.mapping import read_station_input_mapping
from engine.input.pump import InputPump
from engine.input.sources import close_all, start_tap_sources
from engine.input.stamps import PressMatcher
from engine.input.x11 import open_x11_press_source
from engine.levels.library import LevelLibrary, clinic_level_problem, discover_levels
from engine.levels.paths import clinic_levels_dir
from engine.scoring.kernels import warm_up
from engine.session.calibration import Calibration, load_calibration, session_calibration
from engine.store.clinic.background import start_background_sync
from engine.store.clinic.settings import station_name_in
from engine.store.opening import keep_last_good_copy
from engine.store.recorder import Recorder
from engine.store.records import AUDIO_SILENT, STAMP_POLLED, STAMP_X11_SERVER, ProfileRecord
from engine.timing.host_clock import RealClock
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.context import NO_LEVELS, GameContext
from game.director import Director
from game.frame_loop import FrameLoop, present_window
from game.i18n import Messages
from game.palette import TEXT, THEME_BACKGROUNDS
from game.scene import Goto
from game.sound import SdlOutput, chosen_device
from game.text import draw_text

WINDOW_SIZE = (1280, 720)


# SDL's video drivers that draw into memory only: no one sees the window.
INVISIBLE_DRIVERS = ("dummy", "offscreen")


class NoDisplayError(RuntimeError):
    """There is no screen to open a window on; the message says why."""


def asked_video_drivers() -> tuple[str, ...]:
    """The SDL video drivers asked for in SDL_VIDEODRIVER (a comma-separated list)."""
    text = os.environ.get("SDL_VIDEODRIVER", "")
    return tuple(name.strip().lower() for name in text.split(",") if name.strip())


def display_available() -> bool:
    if set(asked_video_drivers()) & set(INVISIBLE_DRIVERS):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def check_visible_driver(chosen: str) -> None:
    """Refuse to play where no one can see: with a DISPLAY that no longer answers (a closed
    remote session) and no SDL_VIDEODRIVER, SDL falls back to its offscreen driver, and a
    child's session would be recorded unseen. The invisible drivers run only when asked."""
    chosen = chosen.lower()
    if chosen in INVISIBLE_DRIVERS and chosen not in asked_video_drivers():
        where = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY") or "none"
        raise NoDisplayError(
            f"SDL reached no screen (display {where!r}) and would draw the game invisibly; "
            f"to run without a window on purpose, set SDL_VIDEODRIVER={chosen}"
        )


def check_display() -> None:
    """NoDisplayError unless a visible window can be opened here; asked before anything is
    recorded (a profile made, a session started), then the display is closed again."""
    if not display_available():
        raise NoDisplayError("neither DISPLAY nor WAYLAND_DISPLAY is set")
    try:
        pygame.display.init()
        check_visible_driver(pygame.display.get_driver())
    except pygame.error as error:
        raise NoDisplayError(str(error)) from None
    finally:
        pygame.display.quit()


def open_window(
    size: tuple[int, int] = WINDOW_SIZE, flags: int = pygame.RESIZABLE
) -> pygame.Surface:
    if not display_available():
        raise NoDisplayError("neither DISPLAY nor WAYLAND_DISPLAY is set")
    # SDL's default window framebuffer on X11 is a GPU texture presented whole every frame;
    # the plain one presents only the changed rects (docs/benchmarks.md, frame times).
    os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    try:
        pygame.display.init()
        try:
            check_visible_driver(pygame.display.get_driver())
        except NoDisplayError:
            pygame.display.quit()
            raise
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
    sound: SdlOutput
    input: StationInput | None = None  # how its taps come in, for the device screen


@contextmanager
def open_station(
    data_dir: Path,
    metronome_volume: float = 0.8,
    window_size: tuple[int, int] = WINDOW_SIZE,
    warm_up_behind_title: bool = False,
    audio_device: str | None = None,
    window_flags: int = pygame.RESIZABLE,
) -> Iterator[Station]:
    """Open the window, recorder, input and audio; close them all, whatever happens.

    ``audio_device``: the sound output to open, as SDL lists it (None: the system default).

    ``warm_up_behind_title``: compile the scoring kernels behind a plain title first, before
    the audio device runs (nothing would feed it meanwhile). The game's own title scene
    does this itself while the device runs. ``window_flags``: pygame's display flags (the
    kiosk's window is full screen and borderless).
    """
    # Settings files first: a problem in them is listed before any window opens.
    calibration, problems = load_calibration()
    audio, audio_problems = load_audio_settings(machine_audio_path())
    mapping, mapping_problems = read_station_input_mapping()
    for problem in (*problems, *audio_problems, *mapping_problems):
        print(problem)  # a bad value keeps its default; the game goes on
    with ExitStack() as cleanup:  # closed in reverse order, whatever happens
        # The window first: where no one could see the game, no file is made.
        surface = open_window(window_size, window_flags)
        cleanup.callback(pygame.display.quit)
        cleanup.callback(quit_gamepads)
        # Yesterday's database, checked, beside today's: the copy a damaged one is replaced by.
        keep_last_good_copy(data_dir)
        # Opening the store for writing marks the sessions of a crashed OnBeat incomplete
        # (their data kept); a session that another running OnBeat records is left alone.
        recorder = Recorder(data_dir)
        cleanup.callback(recorder.close)
        # A station of a clinic sends its sessions to the clinic's server from a thread of
        # its own: never in a frame, and a server that is down only delays it.
        clinic_sync = start_background_sync(
            data_dir, (clinic_levels_dir(data_dir), clinic_level_problem)
        )
        if clinic_sync is not None:
            cleanup.callback(clinic_sync.stop)
        if warm_up_behind_title:
            show_title(surface, "Getting ready...")
            warm_up()  # JIT compile (or load from cache), never during play
        clock = RealClock()
        matcher = PressMatcher(STAMP_X11_SERVER)
        x11_source, no_x11_reason = open_x11_press_source(matcher)
        if x11_source is None:
            print(f"Input stamps: polled at 1 kHz (no X server stamps: {no_x11_reason})")
        else:
            cleanup.callback(x11_source.stop)
        # The measured output latency replaces the configured guess when there is one.
        if calibration.output_measured_at_utc is not None:
            audio = dataclasses.replace(audio, output_offset_ms=calibration.output_offset_ms)
        rig = AudioRig.create(audio)
        cleanup.callback(_report_underruns, rig)
        rig.track.set_sounds(click_sounds(rig.settings.sample_rate_hz, metronome_volume))
        output = SdlAudioOutput(rig.ring)
        cleanup.callback(output.close)
        rig.ring.fill_ahead(rig.track.render)
        status = output.open(audio_device)
        print(f"Audio: {status.device}" if status.audible else f"Audio: {status.reason}")
        output.start()
        tap_sources = start_tap_sources(mapping, print)  # evdev and MIDI, each if it can run
        cleanup.callback(close_all, tap_sources)
        pump = InputPump(mapping, clock, matcher if x11_source else None, tap_sources)
        stamps = STAMP_X11_SERVER if x11_source else STAMP_POLLED
        station_input = StationInput(mapping, stamps, no_x11_reason)
        sound = SdlOutput(output, status)
        yield Station(surface, clock, pump, rig, recorder, calibration, sound, station_input)


def _report_underruns(rig: AudioRig) -> None:
    if rig.ring.underruns:
        print(f"Audio underruns: {rig.ring.underruns}")


def station_context(
    station: Station,
    settings: UserSettings,
    data_dir: Path,
    *,
    settings_path: Path | None = None,
    library: LevelLibrary | None = None,
    messages: Messages | None = None,
    autoplay: AutoTapper | None = None,
    configured_station: str | None = None,
) -> GameContext:
    """The one context of a game on an open station (the game, one level, the kiosk): its
    window, recorder, audio, calibration, sound output and the station's name (the clinic's
    name for it, else ``configured_station``, else the computer's)."""
    return GameContext(
        station.surface,
        station.recorder,
        station.rig,
        settings=settings,
        settings_path=settings_path,
        data_dir=data_dir,
        library=library or NO_LEVELS,
        messages=messages or Messages(settings.language),
        autoplay=autoplay,
        input_offset_ms=station.calibration.input_offset_ms,
        visual_offset_ms=station.calibration.visual_offset_ms,
        calibration=session_calibration(station.calibration),
        sound=station.sound,
        station_input=station.input,
        station_name=station_name_in(data_dir, configured_station),
    )


def play_level(
    level_path: Path,
    data_dir: Path,
    profile: ProfileRecord,
    exit_when_done: bool,
    watch: bool = False,
    autoplay: AutoTapper | None = None,
    silent: bool = False,
) -> list[int]:
    """Play the level in ``level_path`` in a window for ``profile``; returns the ids of the
    sessions recorded.

    ``silent``: play even without sound (sessions record "silent"); otherwise a station with
    no sound output shows the stop screen and records nothing. Raises NoDisplayError when
    there is no screen.
    """
    settings = UserSettings(audio_device=AUDIO_SILENT if silent else "")
    with open_station(data_dir, warm_up_behind_title=True) as station:
        context = station_context(station, settings, data_dir, autoplay=autoplay)
        context.profile = profile
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
    # The play scene, unless there was no sound and the stop screen ended the program.
    return list(getattr(director.scene, "session_ids", []))


def run_game(
    data_dir: Path,
    levels_dirs: list[Path],
    settings_path: Path,
    window_size: tuple[int, int] = WINDOW_SIZE,
    autoplay: AutoTapper | None = None,
) -> None:
    """The whole game: title, profiles, level map, play, results, settings."""
    settings, problems = load_user_settings(settings_path)
    messages = Messages(settings.language)  # CatalogueError: the game could show no text
    for problem in (*problems, *messages.problems):
        print(problem)
    library = discover_levels(levels_dirs, clinic_dir=clinic_levels_dir(data_dir))
    for problem in library.problems:
        print(problem)  # a bad level is listed, never stops the game
    with open_station(
        data_dir, settings.metronome_volume, window_size, audio_device=chosen_device(settings)
    ) as station:
        if settings.fullscreen:
            pygame.display.toggle_fullscreen()
        context = station_context(
            station,
            settings,
            data_dir,
            settings_path=settings_path,
            library=library,
            messages=messages,
            autoplay=autoplay,
        )
        director = Director(context, Goto("title"))
        try:
            FrameLoop(station.clock, station.pump, present_window).run(director)
        finally:
            director.close()


def run_calibration(data_dir: Path, kind: str, settings_path: Path) -> None:
    """`run.py calibrate`: the tap-along calibration on its own, saved for this machine."""
    settings, _problems = load_user_settings(settings_path)
    with open_station(
        data_dir,
        settings.metronome_volume,
        warm_up_behind_title=True,
        audio_device=chosen_device(settings),
    ) as station:
        context = GameContext(
            station.surface,
            station.recorder,
            station.rig,
            settings=settings,
            data_dir=data_dir,
            sound=station.sound,
        )
        director = Director(context, Goto("calibrate", kind=kind, back=None))
        try:
            FrameLoop(station.clock, station.pump, present_window).run(director)
        finally:
            director.close()
    scene = director.scene
    if getattr(scene, "result", None) is not None:  # None also: the stop screen, no sound
        if scene.result.accepted:
            print(
                f"Calibration saved: {kind} offset {scene.result.offset_ms:+.1f} ms "
                f"(SD {scene.result.sd_ms:.1f} ms, {scene.result.taps_used} taps)"
            )
        else:
            print(f"Calibration not saved: {scene.result.problem}")
