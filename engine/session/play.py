"""One level being played: the live loop's decisions, with no drawing.

It queues each task's clicks on the audio clock, maps every tap from host time to the audio
clock, scores it online, records it, and offers the scene a `PlayView` snapshot to draw.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Protocol

import numpy as np

from engine.audio.guide_sounds import guide_sound
from engine.audio.output import AudioRing
from engine.audio.track import ClickTrack
from engine.input.pump import Tap
from engine.levels.limbs import CHANNEL_INDEX
from engine.levels.model import Level, Windows
from engine.levels.text import level_in_language
from engine.metrics.clinic import TaskSummary, summarize_task
from engine.scoring.kernels import EXTRA, JUDGEMENT_NAMES, OnlineScorer, judgement_for
from engine.session.adaptation import (
    Rung,
    Staircase,
    build_ladder,
    change_period_beats,
    visual_cue_at,
    windows_at,
)
from engine.session.streak import MISSED, Streak
from engine.store.records import AdaptationStep, BeatRecord, TapRecord, TaskRecord
from engine.timing.clock import ClockMap, frames_to_ms, frames_to_s
from engine.timing.schedule import TaskGrid, reschedule_task, schedule_task

START_LEAD_S = 0.6  # silence before the first count-in click
RESUME_LEAD_S = 0.4  # silence between leaving the pause and the count-in
TASK_GAP_S = 3.0  # pause between tasks, to read the next instruction
FEEDBACK_KEEP = 12  # recent judgements kept for the scene's animations
CLOCK_OBSERVATIONS_TO_START = 16  # audio callbacks seen before the clock map is trusted
HIT_JUDGEMENTS = frozenset({"sro", "good"})  # within the good window: what hit rate counts
PRAISE_EVERY_HITS = 5  # a praise line at every fifth hit in a row
PRAISE_SHOW_S = 1.5
# Longer than an OS-stamped press may wait to be claimed (engine/input/stamps.py).
MISS_SETTLE_S = 0.3
ADAPT_DECIDE_AHEAD_S = 0.15  # a rung is chosen this long before its bar is rendered

PHASE_COUNT_IN = "count_in"
PHASE_PLAYING = "playing"
PHASE_BETWEEN = "between"
PHASE_PAUSED = "paused"
PHASE_DONE = "done"


class RecorderLike(Protocol):
    """What the session needs from the recorder (engine.store.recorder.Recorder provides it)."""

    def task(self, task: TaskRecord) -> None: ...
    def beats(self, beats: list[BeatRecord]) -> None: ...
    def tap(self, tap: TapRecord) -> None: ...
    def adaptation_step(self, step: AdaptationStep) -> None: ...


@dataclass(frozen=True)
class Feedback:
    judgement: str
    asynchrony_ms: float
    audio_frame: int
    limb: str


@dataclass(frozen=True)
class PlayView:
    """Everything the play scene draws, already decided."""

    phase: str
    level_title: str
    task_index: int
    task_count: int
    task_name: str
    instruction: str | None
    next_limb: str | None
    count_in_beats_left: int
    beat_fraction: float  # 0 at a beat, rising to 1 just before the next
    beat_number: int  # beats since the task started (negative in the count-in)
    upcoming_s: tuple[tuple[float, str], ...]  # (seconds until audible, limb) of next targets
    visual_cue: str
    metronome_silent: bool
    feedback: tuple[tuple[Feedback, float], ...]  # (judgement, age in s), newest last
    task_average_ms: float
    sro_percent: float
    paired_taps: int
    results: tuple[TaskSummary, ...]
    theme: str = "pond"
    streak: int = 0  # hits in a row in this task (engine/session/streak.py)
    praise_streak: int | None = None  # a streak milestone to praise now (5, 10, 15, ...)


@dataclass
class _TaskRun:
    grid: TaskGrid
    scorer: OnlineScorer
    taps: int = 0
    summary: TaskSummary | None = None
    paired_asynchrony_ms: list[float] = field(default_factory=list)
    # Every scored tap as (audio frame, channel index), to rebuild the scorer on a new grid.
    scored_taps: list[tuple[int, int]] = field(default_factory=list)


class PlaySession:
    def __init__(
        self,
        level: Level,
        session_id: int,
        ring: AudioRing,
        clock: ClockMap,
        track: ClickTrack,
        recorder: RecorderLike,
        input_offset_ms: float = 0.0,
        guide_volume: float = 0.7,
        staircase: Staircase | None = None,
        language: str = "",
    ) -> None:
        """``language``: the words the view shows (the level's own where it has none in that
        language); records always keep the level's own."""
        self.level = level
        self._shown = level_in_language(level, language)
        self.guide_volume = guide_volume
        self.staircase = staircase
        self._ladder = build_ladder(level) if staircase is not None else ()
        self._adaptation_steps = 0
        self._next_boundary_beat = 0  # beat of the current task where a change may come next
        # Judgement windows by the first target frame they apply to (adaptive levels change
        # them at bar boundaries; a tap is judged by its target's).
        self._windows_from: list[tuple[int, Windows]] = [(-(2**62), self._rung_windows())]
        self.session_id = session_id
        self.ring = ring
        self.clock = clock
        self.track = track
        self.recorder = recorder
        self.input_offset_ms = input_offset_ms
        self.sample_rate_hz = ring.settings.sample_rate_hz
        self._runs: list[_TaskRun] = []
        self._feedback: list[Feedback] = []
        self.streak = Streak()  # hits in a row in the current task, and the longest run
        self._praise: tuple[int, int] | None = None  # (streak reached, audio frame)
        self.started = False
        self.finished = False
        self.paused = False
        self._paused_at_frame = 0.0

    # --- scheduling -----------------------------------------------------------------------
    def _start(self) -> None:
        self.started = True
        self._queue_task(0, self._earliest_start_frame(START_LEAD_S))

    @property
    def grids(self) -> tuple[TaskGrid, ...]:
        """Grids of the tasks queued so far (for autoplay and tests)."""
        return tuple(run.grid for run in self._runs)

    def _earliest_start_frame(self, lead_s: float) -> int:
        # Clicks must land in the part of the ring not yet written, or they would be skipped.
        base = max(self.ring.written_until, self.ring.frames_handed)
        return base + int(lead_s * self.sample_rate_hz)

    def _new_scorer(self, grid: TaskGrid) -> OnlineScorer:
        windows = self.level.windows
        return OnlineScorer(
            grid.target_frames,
            grid.target_accept_mask,
            grid.pair_radius_frames,
            sample_rate_hz=self.sample_rate_hz,
            sro_ms=windows.sro_ms,
            good_ms=windows.good_ms,
            ok_ms=windows.ok_ms,
            input_offset_ms=self.input_offset_ms,
        )

    def _record_targets(self, grid: TaskGrid, first_target: int = 0) -> None:
        """Send the targets from ``first_target`` on (again, when they were laid out anew)."""
        self.recorder.beats(
            [
                BeatRecord(
                    session_id=self.session_id,
                    task_index=grid.task_index,
                    beat_index=index,
                    limb=grid.limb_of_target(index),
                    target_frame=int(grid.target_frames[index]),
                    scored=True,
                )
                for index in range(first_target, grid.target_frames.shape[0])
            ]
        )

    def _queue_task(self, task_index: int, count_in_start_frame: int) -> None:
        grid = schedule_task(self.level, task_index, count_in_start_frame, self.sample_rate_hz)
        self._runs.append(_TaskRun(grid, self._new_scorer(grid)))
        self.streak.new_task()
        self._next_boundary_beat = 0
        self.track.add_clicks(grid.click_frames, grid.click_kinds)
        task = self.level.tasks[task_index]
        windows = self.level.windows
        settings = {"task": asdict(task), "windows": asdict(windows), "level_id": self.level.id}
        self.recorder.task(
            TaskRecord(
                session_id=self.session_id,
                task_index=task_index,
                task_name=task.name,
                settings_json=json.dumps(settings, default=str, sort_keys=True),
                tempo_bpm=grid.tempo_bpm,
                start_frame=grid.start_frame,
            )
        )
        self._record_targets(grid)

    def _replace_grid(self, run: _TaskRun, grid: TaskGrid) -> None:
        """Score the task on a new grid: the taps so far are scored again, in order, on it.

        Targets already played keep their frames, so those taps score as they did.
        """
        first_changed = int(np.argmax(grid.target_frames != run.grid.target_frames))
        run.grid, run.scorer = grid, self._new_scorer(grid)
        run.paired_asynchrony_ms = []
        for frame, channel in run.scored_taps:
            try:
                result = run.scorer.add_tap(frame, channel)
            except ValueError:
                continue
            if result.judgement != EXTRA:
                run.paired_asynchrony_ms.append(float(result.asynchrony_ms))
        self.track.add_clicks(grid.click_frames, grid.click_kinds)
        self._record_targets(grid, first_changed)

    def _play_now(self, samples: np.ndarray) -> None:
        """Start a sound as soon as the device can take it (a buffer or two from now)."""
        start = self.ring.frames_handed + 2 * self.ring.settings.buffer_frames
        self.track.add_one_shot(start, samples)
        self.ring.mix_in(start, samples)

    # --- adaptation -----------------------------------------------------------------------
    def _rung(self) -> Rung | None:
        if self.staircase is None:
            return None
        return self._ladder[self.staircase.rung]

    def _rung_windows(self) -> Windows:
        rung = self._rung()
        return self.level.windows if rung is None else windows_at(self.level, rung)

    def _windows_for(self, target_frame: int) -> Windows:
        windows = self._windows_from[0][1]
        for from_frame, later in self._windows_from:
            if from_frame <= target_frame:
                windows = later
        return windows

    def _adapt_at_boundaries(self, run: _TaskRun, now_frame: float) -> None:
        """Take the staircase's rung at the next bar boundary, early enough to re-render."""
        grid = run.grid
        task = self.level.tasks[grid.task_index]
        period = change_period_beats(task)
        if self._next_boundary_beat == 0:
            self._next_boundary_beat = period
        beat = self._next_boundary_beat
        if beat >= grid.beat_frames.shape[0]:
            return
        boundary_frame = int(grid.beat_frames[beat])
        decide_frames = (ADAPT_DECIDE_AHEAD_S + self.ring.settings.lookahead_ms / 1000.0) * (
            self.sample_rate_hz
        )
        if now_frame < boundary_frame - decide_frames:
            return
        self._next_boundary_beat += period
        assert self.staircase is not None
        before = self._rung()
        rung_index = self.staircase.rung_at_boundary()
        rung = self._ladder[rung_index]
        if rung == before:
            return
        self._windows_from.append((boundary_frame, windows_at(self.level, rung)))
        if before is not None and rung.tempo_bpm != before.tempo_bpm:
            self.track.clear_from(boundary_frame)
            self.ring.discard_ahead()
            new_grid = reschedule_task(
                self.level, grid, beat, boundary_frame, tempo_bpm=rung.tempo_bpm, count_in_beats=0
            )
            self._replace_grid(run, new_grid)
        self.recorder.adaptation_step(
            AdaptationStep(
                session_id=self.session_id,
                task_index=grid.task_index,
                step_index=self._adaptation_steps,
                audio_frame=boundary_frame,
                rung=rung_index,
                direction="up"
                if before is None or rung_index > self._ladder.index(before)
                else "down",
                tempo_bpm=rung.tempo_bpm,
                window_ms=rung.good_window_ms,
                visual_cue=rung.visual_cue,
                success_rate=self.staircase.success_rate,
            )
        )
        self._adaptation_steps += 1

    # --- pause ------------------------------------------------------------------------------
    def pause(self, now_host_ns: int) -> None:
        """Stop the task where it is: the metronome falls silent and taps are not scored."""
        if self.paused or self.finished or not self.started:
            return
        self.paused = True
        self._paused_at_frame = self.clock.host_ns_to_frame(now_host_ns)
        self.track.clear_from(self.ring.frames_handed)
        self.ring.discard_ahead()

    def resume(self, now_host_ns: int) -> None:
        """Go on from the first beat not yet reached at the pause, after a count-in."""
        if not self.paused:
            return
        self.paused = False
        run = self._current
        grid = run.grid
        first_beat = int(np.searchsorted(grid.beat_frames, self._paused_at_frame))
        first_beat = max(first_beat, grid.resume_beat)
        if first_beat >= grid.beat_frames.shape[0]:
            return  # paused after the last beat: the task closes as it is
        count_in_start = self._earliest_start_frame(RESUME_LEAD_S)
        self._replace_grid(run, reschedule_task(self.level, grid, first_beat, count_in_start))

    @property
    def _current(self) -> _TaskRun:
        return self._runs[-1]

    def _in_scoring_window(self, grid: TaskGrid, audio_frame: int) -> bool:
        """Taps in the count-in (before the first target's pairing window) are not scored."""
        opens_frame = int(grid.target_frames[0] - grid.pair_radius_frames[0])
        return opens_frame <= audio_frame <= self._scoring_closes_frame(grid)

    def _scoring_closes_frame(self, grid: TaskGrid) -> int:
        last_target = int(grid.target_frames[-1] + grid.pair_radius_frames[-1])
        return max(grid.end_frame, last_target)

    # --- live loop ------------------------------------------------------------------------
    def on_taps(self, taps: list[Tap]) -> None:
        if not self.started:
            return  # before the audio clock runs there is nothing to measure against
        for tap in sorted(taps, key=lambda tap: tap.host_ns):
            self._on_tap(tap)

    def _on_tap(self, tap: Tap) -> None:
        frame_exact = self.clock.host_ns_to_frame(tap.host_ns)
        audio_frame = round(frame_exact)
        run = self._current
        grid = run.grid
        beat_index: int | None = None
        asynchrony_ms: float | None = None
        result = None
        if not self.paused and run.summary is None and self._in_scoring_window(grid, audio_frame):
            try:
                result = run.scorer.add_tap(audio_frame, CHANNEL_INDEX[tap.channel])
            except ValueError:
                # Stamped by a slower source after a later tap was scored: keep it, unjudged,
                # rather than rescore the task or blame the child.
                result = None
        if result is not None:
            run.scored_taps.append((audio_frame, CHANNEL_INDEX[tap.channel]))
            judgement = JUDGEMENT_NAMES[result.judgement]
            if result.judgement != EXTRA:
                beat_index = int(result.target)
                asynchrony_ms = float(result.asynchrony_ms)
                run.paired_asynchrony_ms.append(asynchrony_ms)
                windows = self._windows_for(int(grid.target_frames[beat_index]))
                code = judgement_for(asynchrony_ms, windows.sro_ms, windows.good_ms, windows.ok_ms)
                judgement = JUDGEMENT_NAMES[code]
                if self.staircase is not None:
                    self.staircase.record(judgement in HIT_JUDGEMENTS)
            limb = grid.limb_of_target(beat_index) if beat_index is not None else tap.channel
            self._feedback.append(Feedback(judgement, asynchrony_ms or 0.0, audio_frame, limb))
            del self._feedback[:-FEEDBACK_KEEP]
            if asynchrony_ms is not None and self.level.tasks[grid.task_index].guide_sounds:
                self._play_now(
                    guide_sound(
                        asynchrony_ms, self.level.windows, self.sample_rate_hz, self.guide_volume
                    )
                )
            self.streak.add(judgement)
            if judgement in HIT_JUDGEMENTS and self.streak.current % PRAISE_EVERY_HITS == 0:
                self._praise = (self.streak.current, audio_frame)
        else:
            judgement = "unscored"
        self.recorder.tap(
            TapRecord(
                session_id=self.session_id,
                task_index=grid.task_index,
                tap_index=run.taps,
                channel=tap.channel,
                host_ns=tap.host_ns,
                stamp_source=tap.stamp_source,
                audio_frame=audio_frame,
                audio_time_s=frames_to_s(frame_exact, self.sample_rate_hz),
                beat_index=beat_index,
                asynchrony_ms=asynchrony_ms,
                judgement=judgement,
            )
        )
        run.taps += 1

    def update(self, now_host_ns: int) -> None:
        """Start when the audio clock is trusted, close finished tasks, queue the next one.

        The caller keeps the clock map fitted and the ring rendered ahead (they outlive levels).
        """
        if not self.started:
            if self.clock.observations >= CLOCK_OBSERVATIONS_TO_START:
                self._start()
            return
        if self.finished or self.paused:
            return
        now_frame = self.clock.host_ns_to_frame(now_host_ns)
        run = self._current
        # Misses are decided late so that a tap still on its way (an OS stamp read by another
        # thread, a press held back by a slow frame) is never overtaken by its target's miss.
        settled_frame = int(now_frame - MISS_SETTLE_S * self.sample_rate_hz)
        missed = run.scorer.newly_missed(settled_frame) if run.summary is None else []
        for _ in missed:
            self.streak.add(MISSED)
            if self.staircase is not None:
                self.staircase.record(False)
        if self.staircase is not None and run.summary is None:
            self._adapt_at_boundaries(run, now_frame)
        if run.summary is None and now_frame > self._scoring_closes_frame(run.grid):
            result = run.scorer.result()
            extra = int((result.tap_judgement == EXTRA).sum())
            run.summary = summarize_task(
                np.asarray(run.paired_asynchrony_ms),
                int(run.grid.target_frames.shape[0]),
                extra,
                self.level.windows,
            )
            next_index = run.grid.task_index + 1
            if next_index < len(self.level.tasks):
                self._queue_task(next_index, self._earliest_start_frame(TASK_GAP_S))
            else:
                self.finished = True

    # --- what the scene draws -------------------------------------------------------------
    @staticmethod
    def _next_limb(grid: TaskGrid, now_frame: float) -> str | None:
        """The limb of the first target still to come (in an alternating task, whose turn)."""
        index = int(np.searchsorted(grid.target_frames, now_frame))
        return grid.limb_of_target(index) if index < grid.target_frames.shape[0] else None

    def _praise_now(self, now_frame: float) -> int | None:
        if self._praise is None:
            return None
        streak, frame = self._praise
        if now_frame - frame > PRAISE_SHOW_S * self.sample_rate_hz:
            return None
        return streak

    def task_taps(self, task_index: int) -> tuple[np.ndarray, list[str]]:
        """Asynchronies (ms) and judgements of a task's scored taps, in tap order."""
        result = self._runs[task_index].scorer.result()
        names = [JUDGEMENT_NAMES[code] for code in result.tap_judgement]
        return result.tap_asynchrony_ms, names

    def overall(self) -> TaskSummary:
        """All scored tasks so far taken together."""
        asynchrony_ms = [a for run in self._runs for a in run.paired_asynchrony_ms]
        targets = sum(int(run.grid.target_frames.shape[0]) for run in self._runs if run.summary)
        extra = sum(run.summary.extra_taps for run in self._runs if run.summary)
        return summarize_task(np.asarray(asynchrony_ms), targets, extra, self.level.windows)

    def view(self, now_host_ns: int, visual_offset_ms: float = 0.0) -> PlayView:
        if not self._runs:
            return _waiting_view(self._shown)
        now_frame = self.clock.host_ns_to_frame(now_host_ns + visual_offset_ms * 1_000_000)
        run = self._current
        grid = run.grid
        task = self.level.tasks[grid.task_index]
        shown_task = self._shown.tasks[grid.task_index]
        rung = self._rung()
        frames_per_beat = grid.frames_per_beat
        beats_since_start = grid.beat_position(now_frame)
        beat_number = int(np.floor(beats_since_start))
        if self.finished:
            phase = PHASE_DONE
        elif self.paused:
            phase = PHASE_PAUSED
        elif run.summary is not None or now_frame < grid.count_in_start_frame:
            phase = PHASE_BETWEEN
        elif now_frame < grid.restart_frame:
            phase = PHASE_COUNT_IN
        else:
            phase = PHASE_PLAYING
        upcoming_from = np.searchsorted(grid.target_frames, now_frame - frames_per_beat / 4)
        upcoming = tuple(
            (
                frames_to_s(int(frame) - now_frame, self.sample_rate_hz),
                grid.limb_of_target(upcoming_from + offset),
            )
            for offset, frame in enumerate(grid.target_frames[upcoming_from : upcoming_from + 6])
        )
        paired = np.asarray(run.paired_asynchrony_ms)
        magnitude_ms = np.abs(paired)
        feedback_ages = tuple(
            (item, frames_to_ms(now_frame - item.audio_frame, self.sample_rate_hz) / 1000.0)
            for item in self._feedback
        )
        return PlayView(
            phase=phase,
            level_title=self._shown.title,
            task_index=grid.task_index,
            task_count=len(self.level.tasks),
            task_name=shown_task.name,
            instruction=shown_task.instruction or self._shown.instruction,
            next_limb=self._next_limb(grid, now_frame),
            count_in_beats_left=(
                max(0, grid.resume_beat - beat_number) if phase == PHASE_COUNT_IN else 0
            ),
            beat_fraction=float(beats_since_start - np.floor(beats_since_start)),
            beat_number=beat_number,
            upcoming_s=upcoming,
            visual_cue=task.visual_cue if rung is None else visual_cue_at(task, rung),
            metronome_silent=now_frame >= grid.continuation_start_frame,
            feedback=feedback_ages,
            task_average_ms=float(magnitude_ms.mean()) if paired.size else float("nan"),
            sro_percent=(
                float(100.0 * (magnitude_ms <= self.level.windows.sro_ms).mean())
                if paired.size
                else float("nan")
            ),
            paired_taps=int(paired.size),
            theme=self.level.theme,
            streak=self.streak.current,
            praise_streak=self._praise_now(now_frame),
            results=tuple(r.summary for r in self._runs if r.summary is not None),
        )


def _waiting_view(level: Level) -> PlayView:
    task = level.tasks[0]
    return PlayView(
        phase=PHASE_BETWEEN,
        level_title=level.title,
        task_index=0,
        task_count=len(level.tasks),
        task_name=task.name,
        instruction=task.instruction or level.instruction,
        next_limb=None,
        count_in_beats_left=0,
        beat_fraction=0.0,
        beat_number=0,
        upcoming_s=(),
        visual_cue=task.visual_cue,
        metronome_silent=False,
        feedback=(),
        task_average_ms=float("nan"),
        sro_percent=float("nan"),
        paired_taps=0,
        results=(),
        theme=level.theme,
    )
