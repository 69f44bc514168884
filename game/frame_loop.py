"""The frame loop: our own frame pacing, with input pumped about every millisecond.

No blocking vsync flip: between frames the loop sleeps in 1 ms steps and pumps events
after each, and it also pumps between the phases of a frame (update, draw, flip), so a tap
is seen within a millisecond of when SDL could know about it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import pygame

from engine.input.pump import InputPump, Tap, UiEvent
from engine.timing.host_clock import HostClock

NS_PER_MS = 1_000_000


class FrameHooks(Protocol):
    """What the loop drives: the director (game/director.py), which hands each hook on to the
    scene showing."""

    done: bool

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None: ...

    def on_update(self, now_ns: int) -> None: ...

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None: ...

    def on_idle(self, now_ns: int) -> None: ...


def present_window(changed: list[pygame.Rect] | None) -> None:
    """Show the frame: only the changed rects when the scene knows them."""
    if changed is None:
        pygame.display.flip()
    else:
        pygame.display.update(changed)


class FrameLoop:
    def __init__(
        self,
        clock: HostClock,
        pump: InputPump,
        present: Callable[[list[pygame.Rect] | None], None],
        frame_rate_hz: float = 60.0,
        poll_period_ms: float = 1.0,
    ) -> None:
        self.clock = clock
        self.pump = pump
        self.present = present
        self.frame_period_ns = int(1e9 / frame_rate_hz)
        self.poll_period_ns = int(poll_period_ms * NS_PER_MS)
        self.frames = 0

    def run(self, scene: FrameHooks, max_frames: int | None = None) -> None:
        clock, pump = self.clock, self.pump
        next_frame_ns = clock.now_ns()
        while not scene.done and (max_frames is None or self.frames < max_frames):
            pump.pump()
            now_ns = clock.now_ns()
            scene.on_input(pump.drain_taps(), pump.drain_ui(), now_ns)
            scene.on_update(now_ns)
            pump.pump()
            changed = scene.on_draw(clock.now_ns())
            pump.pump()
            self.present(changed)
            pump.pump()
            self.frames += 1
            next_frame_ns += self.frame_period_ns
            now_ns = clock.now_ns()
            if now_ns > next_frame_ns:
                next_frame_ns = now_ns  # a late frame: do not try to catch up with a burst
            while now_ns < next_frame_ns:
                clock.sleep_until_ns(min(next_frame_ns, now_ns + self.poll_period_ns))
                pump.pump()
                now_ns = clock.now_ns()
                scene.on_idle(now_ns)
