"""Tap-stamp error of our frame loop against a naive pygame loop, on the same scripted input.

Both loops run the real scene, scorer and recorder on the harness's virtual clock, with the
same scripted taps (same seed) and the same random draw times (0–25 ms a frame):

- naive: events read once per frame at 60 fps and stamped with the frame's time;
- ours, polled: events pumped every millisecond and between draw phases, stamped mid-interval;
- ours, OS-stamped: as above, with the press time from an OS stamp source (as X11 gives).

Reported: p50/p99/max of |recorded asynchrony − true asynchrony| in ms, and naive/ours ratios.
Virtual time makes the comparison independent of this machine's speed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import pygame

from engine.input.pump import InputPump, Tap
from engine.levels.load import load_level
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.store.records import STAMP_POLLED
from game import harness

ROOT = Path(__file__).resolve().parent.parent
LEVEL = ROOT / "bench" / "levels" / "steady-beat.yaml"
FRAME_JITTER_MS = 25.0


class FramePump(InputPump):
    """The naive loop's input: SDL events read once per frame, stamped with the frame time."""

    def pump(self) -> None:
        events = pygame.event.get()
        now_ns = self.clock.now_ns()
        for event in events:
            if event.type == pygame.KEYDOWN:
                channel = self.mapping.keys.get(pygame.key.name(event.key))
                if channel is not None:
                    self.taps.append(Tap(now_ns, channel, STAMP_POLLED))
        self.polls += 1


class NaiveLoop(harness.FrameLoop):
    """Read input once a frame at 60 fps: the usual pygame main loop."""

    def run(self, scene, max_frames=None) -> None:
        clock, pump = self.clock, self.pump
        next_frame_ns = clock.now_ns()
        while not scene.done:
            pump.pump()
            now_ns = clock.now_ns()
            scene.on_input(pump.drain_taps(), pump.drain_ui(), now_ns)
            scene.on_update(now_ns)
            scene.on_idle(now_ns)
            self.present(scene.on_draw(now_ns))
            self.frames += 1
            next_frame_ns = max(next_frame_ns + self.frame_period_ns, clock.now_ns())
            clock.sleep_until_ns(next_frame_ns)


def errors_ms(kind: str, seed: int) -> np.ndarray:
    level = load_level(LEVEL)
    with tempfile.TemporaryDirectory() as data_dir:
        recorder = Recorder(Path(data_dir))
        original_pump, original_loop = harness.InputPump, harness.FrameLoop
        if kind == "naive":
            harness.InputPump, harness.FrameLoop = FramePump, NaiveLoop
        try:
            run = harness.run_headless(
                level,
                recorder,
                harness.human_like(lapse_share=0.0),
                frame_jitter_ms=FRAME_JITTER_MS,
                seed=seed,
                stamped=(kind == "ours, OS-stamped"),
            )
        finally:
            harness.InputPump, harness.FrameLoop = original_pump, original_loop
        recorder.close()
        store = open_store(Path(data_dir))
        taps = [row.tap for row in store.iter_taps()]
        store.close()
    truth = {p.target_index: p.intended_asynchrony_ms for p in run.tapper.planned}
    return np.array(
        [tap.asynchrony_ms - truth[tap.beat_index] for tap in taps if tap.beat_index is not None]
    )


def main() -> None:
    print("Tap-stamp error, same scripted taps, draw time 0–25 ms per frame (virtual clock)")
    results = {}
    for kind in ("naive", "ours, polled", "ours, OS-stamped"):
        magnitude_ms = np.abs(np.concatenate([errors_ms(kind, seed) for seed in (1, 2)]))
        results[kind] = np.percentile(magnitude_ms, [50, 99, 100])
        p50, p99, worst = results[kind]
        print(
            f"  {kind:17s} taps {magnitude_ms.size:4d}  "
            f"p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  max {worst:7.3f} ms"
        )
    for kind in ("ours, polled", "ours, OS-stamped"):
        ratio = results["naive"] / np.maximum(results[kind], 1e-6)
        print(f"  naive / {kind}: p50 ×{ratio[0]:.0f}  p99 ×{ratio[1]:.0f}  max ×{ratio[2]:.0f}")


if __name__ == "__main__":
    main()
