"""What every scene of the game shares: the window, the clock, audio, records, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import pygame

from engine.config.user_settings import UserSettings, save_user_settings
from engine.levels.library import LevelLibrary
from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.recorder import Recorder
from engine.store.records import ProfileRecord, SessionCalibration
from engine.timing.host_clock import HostClock
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.i18n import Messages
from game.look import Look


@dataclass
class GameContext:
    surface: pygame.Surface
    clock: HostClock
    recorder: Recorder
    rig: AudioRig
    data_dir: Path
    library: LevelLibrary
    settings: UserSettings
    settings_path: Path | None  # None: settings are not saved (tests, demo)
    messages: Messages = field(default_factory=Messages)
    profile: ProfileRecord | None = None
    autoplay: AutoTapper | None = None  # the demo plays levels by itself
    input_offset_ms: float = 0.0
    visual_offset_ms: float = 0.0
    calibration: SessionCalibration | None = None
    calibration_path: Path | None = None  # None: the machine's config folder

    def __post_init__(self) -> None:
        if self.messages.language != self.settings.language:
            self.messages = Messages(self.settings.language)

    @property
    def look(self) -> Look:
        s = self.settings
        return Look(s.colour_blind, s.high_contrast, s.reduced_motion, s.large_text, s.show_ms)

    def reports_folder(self) -> Path:
        """Where therapist reports are saved: the chosen folder, else Documents/OnBeat reports."""
        if self.settings.reports_dir:
            return Path(self.settings.reports_dir).expanduser()
        return Path(platformdirs.user_documents_dir()) / "OnBeat reports"

    def open_store(self) -> Store:
        """A short-lived connection for the menus (the recorder writes on its own one)."""
        return open_store(self.data_dir)

    def change_settings(self, settings: UserSettings) -> None:
        self.settings = settings
        if settings.language != self.messages.language:
            self.messages = Messages(settings.language)
        if self.settings_path is not None:
            save_user_settings(settings, self.settings_path)
