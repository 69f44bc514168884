"""Plays a short level's click track through the real SDL audio device on the disk driver.

Run as a script by tests/test_audio_disk.py (SDL reads its driver from the environment once,
so it gets a process of its own). Prints the scheduled click frames as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.audio.output import AudioRing, AudioSettings, SdlAudioOutput
from engine.audio.synth import click_sounds
from engine.audio.track import ClickTrack
from engine.timing.clock import ClockMap
from engine.timing.schedule import schedule_task
from tests.level_factory import make_level, make_task

TIMEOUT_S = 60.0


def main() -> None:
    assert os.environ["SDL_AUDIODRIVER"] == "disk"
    settings = replace(AudioSettings(), ring_seconds=10.0)
    clock = ClockMap(settings.sample_rate_hz, settings.output_latency_ns)
    ring = AudioRing(settings, clock)
    track = ClickTrack(click_sounds(settings.sample_rate_hz))
    level = make_level(
        make_task(beats=6, pattern="x"), make_task(beats=5), tempo_bpm=137.0, count_in_beats=2
    )
    first = schedule_task(level, 0, count_in_start_frame=3_001, sample_rate_hz=48_000)
    second = schedule_task(level, 1, first.end_frame + 12_345, 48_000)
    for grid in (first, second):
        track.add_clicks(grid.click_frames, grid.click_kinds)
    end_frame = second.end_frame + 4_800
    ring.fill_until(end_frame, track.render)  # all of it before the device starts
    output = SdlAudioOutput(ring)
    output.open()
    output.start()
    deadline = time.monotonic() + TIMEOUT_S
    while ring.frames_handed < end_frame and time.monotonic() < deadline:
        time.sleep(0.01)  # waiting for the device thread to get through the file
    output.close()
    clicks = [int(f) for grid in (first, second) for f in grid.click_frames]
    print(json.dumps({"clicks": clicks, "frames_handed": ring.frames_handed, "end": end_frame}))


if __name__ == "__main__":
    main()
