"""What every scene shares: the window, audio, records, settings, who plays, the offsets.

One object, passed to each scene the router builds (game/router.py). The program fills it in
game/app.py; tests and the headless demo fill it in game/harness.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import pygame

from engine.config.user_settings import UserSettings, save_user_settings
from engine.input.devices import StationInput
from engine.levels.library import LevelLibrary
from engine.store.clinic.settings import station_name_in
from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.recorder import Recorder
from engine.store.records import ProfileRecord, SessionCalibration
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.i18n import Messages
from game.look import Look
from game.sound import FixedOutput, SoundOutput

NO_LEVELS = LevelLibrary((), (), ())


@dataclass
class GameContext:
    surface: pygame.Surface
    recorder: Recorder
    rig: AudioRig
    settings: UserSettings = field(default_factory=UserSettings)
    settings_path: Path | None = None  # None: settings are not saved (tests, demo)
    # The store's folder, read by the menus and for each child's place on adaptive levels;
    # None: nothing is read back (a level played headless without a profile).
    data_dir: Path | None = None
    library: LevelLibrary = NO_LEVELS
    messages: Messages = field(default_factory=Messages)
    # Whom sessions are recorded under: the child chosen in the profile picker, or the
    # profile `run.py play --profile` or the harness chose. Always by code, never by name.
    profile: ProfileRecord | None = None
    autoplay: AutoTapper | None = None  # the game plays levels by itself (`--autoplay`)
    simulated_player: bool = False  # taps come from a simulated child (`run.py demo`)
    input_offset_ms: float = 0.0
    visual_offset_ms: float = 0.0
    calibration: SessionCalibration | None = None  # recorded with every session
    calibration_path: Path | None = None  # None: the machine's config folder
    sound: SoundOutput = field(default_factory=FixedOutput)  # where the metronome is heard
    # How taps come in (mapping, how keys are stamped), for the device screen; None: it reads
    # the station's mapping itself and names key stamps polled (tests, the demo).
    station_input: StationInput | None = None
    # Host ns until which menus ignore presses that are also taps: set when a level ends,
    # so that a child clapping on does not press the next screen's buttons (game/widgets.py).
    taps_quiet_until_ns: int = 0
    # The station every session is recorded under ("" until __post_init__ asks the store):
    # the clinic-wide name the station joined under, else the kiosk's, else the computer's.
    station_name: str = ""

    def __post_init__(self) -> None:
        if not self.station_name:
            self.station_name = station_name_in(self.data_dir)
        if self.messages.language != self.settings.language:
            self.messages = Messages(self.settings.language)

    @property
    def look(self) -> Look:
        s = self.settings
        letters = (self.messages("limb.badge.left"), self.messages("limb.badge.right"))
        return Look(
            s.colour_blind, s.high_contrast, s.reduced_motion, s.large_text, s.show_ms, letters
        )

    def reports_folder(self) -> Path:
        """Where therapist reports are saved: the chosen folder, else Documents/OnBeat reports."""
        if self.settings.reports_dir:
            return Path(self.settings.reports_dir).expanduser()
        return Path(platformdirs.user_documents_dir()) / "OnBeat reports"

    def open_store(self) -> Store:
        """A short-lived connection for the menus (the recorder writes on its own one)."""
        if self.data_dir is None:
            raise RuntimeError("this game has no data folder to read (GameContext.data_dir)")
        return open_store(self.data_dir)

    def change_settings(self, settings: UserSettings) -> None:
        self.settings = settings
        if settings.language != self.messages.language:
            self.messages = Messages(settings.language)
        if self.settings_path is not None:
            try:
                save_user_settings(settings, self.settings_path)
            except OSError as error:  # a read-only or full config folder must not end a game
                print(
                    f"{self.settings_path}: cannot save the settings ({error.strerror or error}); "
                    "they hold until OnBeat closes"
                )
