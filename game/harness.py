"""Headless harness: the real frame loop, play scene, scorer and recorder on a virtual clock.

`run.py demo` plays a level with it, and so do the staircase evidence (`play_tapper`) and the
tests (the whole game, driven by scripted keys, is tests/game_harness.py). Time is virtual:
nothing waits, and no assertion depends on how fast this machine is. A simulated audio device
pulls samples like SDL's audio thread, on time or a little late; scripted taps are planned on
the audio clock, turned into the host time at which that sound was heard, and delivered as
real SDL key events at that instant (with a scripted OS stamp, as the X server would give,
unless `stamped=False`). Each frame takes a random draw time of up to `frame_jitter_ms`,
during which no events are pumped.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pygame

from engine.audio.devices import OutputStatus
from engine.audio.output import AudioRing, AudioSettings
from engine.input.mapping import InputMapping, load_input_mapping
from engine.input.pump import InputPump
from engine.input.stamps import PRESS_KEY, OsPress, PressMatcher
from engine.levels.limbs import accept_mask, channel_index
from engine.levels.model import Level
from engine.session.adaptation import build_ladder, level_rung
from engine.session.play import PlaySession
from engine.session.simulate import Tapper, TapPlan, Trials, trials_of_session
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.store.records import STAMP_SCRIPTED, ProfileRecord
from engine.timing.clock import NS_PER_S
from engine.timing.schedule import TaskGrid
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.context import GameContext
from game.director import Director
from game.frame_loop import FrameLoop, present_window
from game.scene import Goto, Scene
from game.sound import VIRTUAL_OUTPUT, FixedOutput

VIRTUAL_START_NS = 5_000 * NS_PER_S  # an arbitrary monotonic-clock reading
KEY_HOLD_NS = 30_000_000


class VirtualClock:
    """A clock that jumps forward, running scheduled actions at their instants, in order."""

    def __init__(self, start_ns: int = VIRTUAL_START_NS) -> None:
        self._now_ns = start_ns
        self._queue: list[tuple[int, int, Callable[[int], None]]] = []
        self._order = itertools.count()

    def now_ns(self) -> int:
        return self._now_ns

    def at(self, when_ns: int, action: Callable[[int], None]) -> None:
        heapq.heappush(self._queue, (int(when_ns), next(self._order), action))

    def sleep_until_ns(self, deadline_ns: int) -> None:
        while self._queue and self._queue[0][0] <= deadline_ns:
            when_ns, _, action = heapq.heappop(self._queue)
            self._now_ns = max(self._now_ns, when_ns)
            action(self._now_ns)
        self._now_ns = max(self._now_ns, deadline_ns)

    def spend(self, duration_ns: int) -> None:
        self.sleep_until_ns(self._now_ns + duration_ns)


class VirtualAudioDevice:
    """Calls `AudioRing.fill_stream` as SDL's audio thread would: each buffer on time or late.

    The truth of this device is known: frame F is audible at `true_host_ns(F)`.
    """

    def __init__(
        self,
        clock: VirtualClock,
        ring: AudioRing,
        rng: np.random.Generator,
        late_share: float = 0.7,
        max_late_ms: float = 3.0,
    ) -> None:
        self.clock = clock
        self.ring = ring
        self.rng = rng
        self.late_share = late_share
        self.max_late_ns = int(max_late_ms * 1e6)
        settings = ring.settings
        self.buffer_frames = settings.buffer_frames
        self.sample_rate_hz = settings.sample_rate_hz
        self.output_latency_ns = settings.output_latency_ns
        self._stream = bytearray(self.buffer_frames * 2 * 4)
        self._start_ns = 0
        self._callbacks = 0
        self._last_call_ns = 0

    def start(self) -> None:
        self._start_ns = self.clock.now_ns()
        self._schedule_next()

    def _nominal_ns(self, callback_index: int) -> int:
        return (
            self._start_ns + callback_index * self.buffer_frames * NS_PER_S // self.sample_rate_hz
        )

    def _schedule_next(self) -> None:
        late_ns = 0
        if self.rng.random() < self.late_share:
            late_ns = int(self.rng.uniform(0, self.max_late_ns))
        when_ns = max(self._nominal_ns(self._callbacks) + late_ns, self._last_call_ns)
        self.clock.at(when_ns, self._callback)

    def _callback(self, now_ns: int) -> None:
        self.ring.fill_stream(now_ns, self._stream)
        self._callbacks += 1
        self._last_call_ns = now_ns
        self._schedule_next()

    def true_host_ns(self, frame: float) -> int:
        return round(
            self._start_ns + frame * NS_PER_S / self.sample_rate_hz + self.output_latency_ns
        )


@dataclass(frozen=True)
class PlannedTap:
    task_index: int
    target_index: int  # -1 for a tap aimed at no target
    channel: str
    key: str
    intended_asynchrony_ms: float
    host_ns: int  # the truth: when the tap happened


def human_like(mean_ms: float = -20.0, sd_ms: float = 25.0, lapse_share: float = 0.03) -> TapPlan:
    """A child-like tapper: a little early on average, variable, now and then missing a beat."""

    def plan(grid: TaskGrid, target_index: int, rng: np.random.Generator) -> float | None:
        if rng.random() < lapse_share:
            return None
        return float(rng.normal(mean_ms, sd_ms))

    return plan


def _key_for_limb(limb: str, mapping: InputMapping) -> tuple[str, str]:
    """A key whose channel the limb accepts, preferring the limb's own channel."""
    mask = accept_mask(limb)
    candidates = [(key, channel) for key, channel in mapping.keys.items()]
    candidates.sort(key=lambda item: item[1] != limb)
    for key, channel in candidates:
        if mask >> channel_index(channel) & 1:
            return key, channel
    raise ValueError(f"no key in the input mapping can play limb {limb!r}")


@dataclass
class ScriptedTapper:
    """Plans a tap for each target when its task is queued, and again for the targets still to
    come when the task is laid out anew (a pause, a tempo change): presses planned on a grid
    that has since been replaced are not made. ``planned`` holds the presses made."""

    clock: VirtualClock
    device: VirtualAudioDevice
    session_of: Callable[[], PlaySession | None]
    mapping: InputMapping
    plan: TapPlan
    rng: np.random.Generator
    matcher: PressMatcher | None
    planned: list[PlannedTap] = field(default_factory=list)
    _session: PlaySession | None = None
    _grids: dict[int, TaskGrid] = field(default_factory=dict)  # the grid each task is planned on
    _asynchrony_ms: dict[tuple[int, int], float | None] = field(default_factory=dict)

    def plan_new_tasks(self) -> None:
        """Plan taps for tasks queued, or laid out anew, since the last call."""
        session = self.session_of()
        if session is None:
            return
        if session is not self._session:
            self._session, self._grids, self._asynchrony_ms = session, {}, {}
        now_ns = self.clock.now_ns()
        for grid in session.grids:
            if self._grids.get(grid.task_index) is grid:
                continue
            self._grids[grid.task_index] = grid
            for target_index, frame in enumerate(grid.target_frames):
                key = (grid.task_index, target_index)
                if key not in self._asynchrony_ms:  # one decision per target, kept on replans
                    self._asynchrony_ms[key] = self.plan(grid, target_index, self.rng)
                asynchrony_ms = self._asynchrony_ms[key]
                if asynchrony_ms is None:
                    continue
                tap_frame = float(frame) + asynchrony_ms * grid.sample_rate_hz / 1000.0
                host_ns = self.device.true_host_ns(tap_frame)
                if host_ns <= now_ns:
                    continue
                key_name, channel = _key_for_limb(grid.limb_of_target(target_index), self.mapping)
                tap = PlannedTap(
                    grid.task_index, target_index, channel, key_name, asynchrony_ms, host_ns
                )
                self._schedule(tap, grid)

    def _schedule(self, tap: PlannedTap, grid: TaskGrid) -> None:
        key_code = pygame.key.key_code(tap.key)

        def press(now_ns: int) -> None:
            if self._grids.get(tap.task_index) is not grid:
                return  # the task was laid out anew: this press belongs to the old grid
            self.planned.append(tap)
            if self.matcher is not None:
                self.matcher.push(OsPress(tap.host_ns, PRESS_KEY, tap.key))
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key_code, mod=0, scancode=0))

        def release(now_ns: int) -> None:
            pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key_code, mod=0, scancode=0))

        self.clock.at(tap.host_ns, press)
        self.clock.at(tap.host_ns + KEY_HOLD_NS, release)


class Harness:
    """One level on the virtual clock: build it, schedule extra actions if needed, run it."""

    def __init__(
        self,
        recorder: Recorder,
        plan: TapPlan,
        level: Level | None = None,
        watch_path: Path | None = None,
        frame_jitter_ms: float = 0.0,
        seed: int = 0,
        stamped: bool = True,
        window_size: tuple[int, int] = (1280, 720),
        profile_name: str = "Demo",
        profile: ProfileRecord | None = None,
        exit_when_done: bool = True,
        autoplay: AutoTapper | None = None,
        data_dir: Path | None = None,
        frame_rate_hz: float = 60.0,
        poll_period_ms: float = 1.0,
        simulated_player: bool = False,
    ) -> None:
        """``simulated_player``: the sessions are marked autoplayed (the demo), as a level
        the game plays itself is; tests that stand in for a child leave it False."""
        self.rng = np.random.default_rng(seed)
        self.frame_jitter_ms = frame_jitter_ms
        self.clock = VirtualClock()
        if not pygame.display.get_init():
            pygame.display.init()
        surface = pygame.display.set_mode(window_size)
        pygame.event.clear()
        self.rig = AudioRig.create(AudioSettings())
        self.context = GameContext(
            surface,
            recorder,
            self.rig,
            data_dir=data_dir,
            # A profile chosen by code, else the one in use called profile_name (made if new).
            profile=profile or recorder.station_profile(profile_name),
            autoplay=autoplay,
            simulated_player=simulated_player,
            sound=FixedOutput(OutputStatus(VIRTUAL_OUTPUT)),
        )
        assert level is not None or watch_path is not None, "give a level or a level file"
        self.director = Director(
            self.context,
            Goto(
                "play",
                level=level if level is not None else watch_path,
                alone=True,
                watch=watch_path is not None,
                exit_when_done=exit_when_done,
                results_hold_s=0.5,
            ),
        )
        self.device = VirtualAudioDevice(self.clock, self.rig.ring, self.rng)
        self.matcher = PressMatcher(STAMP_SCRIPTED, frozenset({PRESS_KEY})) if stamped else None
        mapping = load_input_mapping()
        self.tapper = ScriptedTapper(
            self.clock,
            self.device,
            lambda: self.scene.session,
            mapping,
            plan,
            self.rng,
            self.matcher,
        )
        self.pump = InputPump(mapping, self.clock, self.matcher)
        # Long runs (a 15-minute assessment) may draw and poll less often; stamps are scripted.
        self.loop = FrameLoop(self.clock, self.pump, self._present, frame_rate_hz, poll_period_ms)

    def _present(self, changed: list[pygame.Rect] | None) -> None:
        present_window(changed)
        self.tapper.plan_new_tasks()
        self.clock.spend(int(self.rng.uniform(0.0, self.frame_jitter_ms) * 1e6))

    @property
    def scene(self) -> Scene:
        """The play scene (game/scenes/play.py): its `session` is the level's session now
        (None while the level file has errors), `session_ids` those recorded so far."""
        return self.director.scene

    @property
    def session(self) -> PlaySession:
        """The last session played."""
        assert self.scene.last_session is not None
        return self.scene.last_session

    def run(self, max_frames: int | None = 500_000) -> Harness:
        self.device.start()
        try:
            self.loop.run(self.director, max_frames=max_frames)
        finally:
            self.director.close()
        return self


def run_headless(level: Level, recorder: Recorder, plan: TapPlan, **options) -> Harness:
    """Play ``level`` to its end on a virtual clock; returns the harness for inspection."""
    return Harness(recorder, plan, level=level, **options).run()


# Evidence runs are long (minutes of virtual time each): the loop draws and polls less often
# than the game's 60 Hz / 1 kHz. Taps carry scripted stamps, so they are judged as exactly,
# and the staircase still decides each bar 0.25 s or more before it sounds.
EVIDENCE_FRAME_RATE_HZ = 10.0
EVIDENCE_POLL_PERIOD_MS = 10.0


def play_tapper(
    level: Level, tapper: Tapper, data_dir: Path, seed: int
) -> tuple[Trials, PlaySession]:
    """One session of the adaptive ``level`` played by ``tapper`` through the real play scene
    and session, for a child new to the level, recorded in ``data_dir`` (a fresh folder); its
    trials read back from the record, and the session (whose staircase heard them live)."""
    assert level.adaptive is not None, f"level {level.id!r} is not adaptive"
    recorder = Recorder(data_dir)
    try:
        harness = Harness(
            recorder,
            tapper.plan(level),
            level=level,
            seed=seed,
            data_dir=data_dir,
            window_size=(320, 240),
            profile_name="Simulated",
            frame_rate_hz=EVIDENCE_FRAME_RATE_HZ,
            poll_period_ms=EVIDENCE_POLL_PERIOD_MS,
        ).run()
    finally:
        recorder.close()
    session = harness.session
    store = open_store(data_dir)
    try:
        first_rung = level_rung(level, build_ladder(level))
        trials = trials_of_session(store, session.session_id, level, first_rung)
    finally:
        store.close()
    return trials, session
