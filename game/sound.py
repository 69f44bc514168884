"""The sound output as the scenes see it: where the sound goes, which outputs there are, moving
to another, and what a session records about it.

The metronome is the therapy: a level never starts silently by accident. With no output a
child sees a friendly stop screen (game/scenes/no_sound.py); only a therapist's choice of
"silent" in the settings plays without sound, and then each session records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from engine.audio.devices import OutputStatus, output_device_names
from engine.audio.output import SdlAudioOutput
from engine.config.user_settings import UserSettings
from engine.store.records import AUDIO_SILENT

VIRTUAL_OUTPUT = "virtual output (headless)"  # the simulated device of the demo and tests
NO_OUTPUT_GIVEN = OutputStatus(None, "the game was started without a sound output")


class SoundOutput(Protocol):
    """Where the sound goes now, the outputs there are, and moving to one of them."""

    status: OutputStatus

    def devices(self) -> list[str]: ...

    def use(self, device_name: str | None) -> OutputStatus:
        """Move the sound to ``device_name`` (None: the system default); the new status."""
        ...


@dataclass
class FixedOutput:
    """An output that is what it is: the headless harness's simulated device, or none."""

    status: OutputStatus = NO_OUTPUT_GIVEN
    names: tuple[str, ...] = ()

    def devices(self) -> list[str]:
        return list(self.names)

    def use(self, device_name: str | None) -> OutputStatus:
        if device_name in self.names:
            self.status = OutputStatus(device_name)
        return self.status


class SdlOutput:
    """The station's real output (engine/audio/output.py), listed and moved through SDL."""

    def __init__(self, output: SdlAudioOutput, status: OutputStatus) -> None:
        self.output = output
        self.status = status

    def devices(self) -> list[str]:
        return output_device_names()

    def use(self, device_name: str | None) -> OutputStatus:
        self.status = self.output.reopen(device_name)
        return self.status


def chosen_device(settings: UserSettings) -> str | None:
    """The output the settings name (None: the system default; never the silent choice)."""
    if settings.audio_device in ("", AUDIO_SILENT):
        return None
    return settings.audio_device


def session_audio_device(settings: UserSettings, status: OutputStatus) -> str | None:
    """What a session records as its sound: AUDIO_SILENT when a therapist chose to play
    without sound, the output's name when there is sound, and None when there is none: then
    the level must not start."""
    if settings.audio_device == AUDIO_SILENT:
        return AUDIO_SILENT
    return status.device
