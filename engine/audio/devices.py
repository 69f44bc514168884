"""Sound output devices: which ones SDL lists, and whether sound reaches anyone at all.

A station with no sound device still runs: SDL's dummy driver keeps the audio clock going,
but nobody hears the metronome, and therapy without the beat is no therapy. So whatever opens
the output says so in an `OutputStatus`, which the game shows a child and a therapist before
any level starts (and records with every session).
"""

from __future__ import annotations

from dataclasses import dataclass

# SDL drivers that keep time without sound reaching a person.
SILENT_DRIVERS = frozenset({"dummy", "disk"})


@dataclass(frozen=True)
class OutputStatus:
    """Where the sound goes: ``device`` is the output's name, or None when no sound is heard
    (then ``reason`` says why, for the therapist)."""

    device: str | None
    reason: str = ""

    @property
    def audible(self) -> bool:
        return self.device is not None


def output_device_names() -> list[str]:
    """The sound outputs SDL can open, by name (an empty list when it lists none)."""
    from pygame._sdl2 import audio as sdl_audio
    from pygame._sdl2 import sdl2

    sdl2.init_subsystem(sdl2.INIT_AUDIO)
    try:
        return [str(name) for name in sdl_audio.get_audio_device_names(False)]
    except Exception:  # pygame raises its own error type when the driver lists nothing
        return []
