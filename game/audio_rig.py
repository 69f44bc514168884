"""The audio parts that live as long as the program: clock map, ring, click track."""

from __future__ import annotations

from dataclasses import dataclass

from engine.audio.output import AudioRing, AudioSettings
from engine.audio.synth import click_sounds
from engine.audio.track import ClickTrack
from engine.timing.clock import ClockMap


@dataclass
class AudioRig:
    settings: AudioSettings
    clock_map: ClockMap
    ring: AudioRing
    track: ClickTrack

    @classmethod
    def create(cls, settings: AudioSettings) -> AudioRig:
        clock_map = ClockMap(settings.sample_rate_hz, settings.output_latency_ns)
        ring = AudioRing(settings, clock_map)
        return cls(settings, clock_map, ring, ClickTrack(click_sounds(settings.sample_rate_hz)))

    def silence_queued_clicks(self) -> None:
        """Drop clicks not yet heard (a level stopped or restarted), rendered ones included."""
        self.track.clear_from(self.ring.frames_handed)
        self.ring.discard_ahead()
