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
from engine.scoring.judgement import Judgement
from engine.scoring.kernels import OnlineScorer, ScoredTaps
from engine.scoring.summary import TaskSummary, summarize
from engine.session.adaptation import (
    Rung,
    Staircase,
    build_ladder,
    change_period_beats,
    visual_cue_at,
    windows_at,
)
from engine.session.play_view import (
    PHASE_BETWEEN,
    PHASE_COUNT_IN,
    PHASE_DONE,
    PHASE_PAUSED,
    PHASE_PLAYING,
    Feedback,
    JudgedTaps,
    PlayView,
    waiting_view,
)
from engine.session.streak import MISSED, Streak
from engine.store.records import AdaptationStep, BeatRecord, TapRecord, TaskRecord
from engine.timing.clock import ClockMap, frames_to_ms, frames_to_s
from engine.timing.schedule import TaskGrid, reschedule_task, schedule_task
from engine.timing.tempo_map import tempo_step_bpm

START_LEAD_S = 0.6  # silence before the first count-in click
RESUME_LEAD_S = 0.4  # silence between leaving the pause and the count-in
TASK_GAP_S = 3.0  # pause between tasks, to read the next instruction
FEEDBACK_KEEP = 12  # recent judgements kept for the scene's animations
CLOCK_OBSERVATIONS_TO_START = 16  # audio callbacks seen before the clock map is trusted
PRAISE_EVERY_HITS = 5  # a praise line at every fifth hit in a row
PRAISE_SHOW_S = 1.5
# Longer than an OS-stamped press may wait to be claimed (engine/input/stamps.py).
MISS_SETTLE_S = 0.3
# A rung is chosen this long before the first target of its bar can be tapped (its pairing
# window opens) and before its clicks are rendered, so that no tap is ever judged by windows
# that change after it.
ADAPT_DECIDE_AHEAD_S = 0.15


class RecorderLike(Protocol):
    """What the session needs from the recorder (engine.store.recorder.Recorder provides it)."""

    def task(self, task: TaskRecord) -> None: ...
    def beats(self, beats: list[BeatRecord]) -> None: ...
    def tap(self, tap: TapRecord) -> None: ...
    def adaptation_step(self, step: AdaptationStep) -> None: ...


@dataclass
class _TaskRun:
    grid: TaskGrid
    scorer: OnlineScorer
    taps: int = 0
    summary: TaskSummary | None = None  # when the task is over
    live: TaskSummary | None = None  # the taps so far, for the HUD
    # Every scored tap as (audio frame, channel index), to rebuild the scorer on a new grid.
    scored_taps: list[tuple[int, int]] = field(default_factory=list)
    # Misses are decided up to this frame: a scorer rebuilt on a new grid must not report
    # them again (the staircase would hear each of them twice).
    misses_decided_frame: int = -(2**62)

    def summarize(self) -> TaskSummary:
        result = self.scorer.result()
        return summarize(result.tap_judgement, result.tap_asynchrony_ms, self.targets)

    @property
    def targets(self) -> int:
        return int(self.grid.target_frames.shape[0])


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
        start_tempo_bpm: float | None = None,
        language: str = "",
    ) -> None:
        """``start_tempo_bpm``: where a child coming back to an adaptive level left its tempo
        (default the tempo of the staircase's rung, or the level's). ``language``: the words
        the view shows (the level's own where it has none in that language); records always
        keep the level's own."""
        self.level = level
        self._shown = level_in_language(level, language)
        self.guide_volume = guide_volume
        self.staircase = staircase
        self._ladder = build_ladder(level) if staircase is not None else ()
        self._adaptation_steps = 0
        self._next_boundary_beat = 0  # beat of the current task where a change may come next
        rung = self._rung()
        # The tempo in force: each task starts at the tempo the one before ended on.
        self._tempo_bpm = float(
            start_tempo_bpm
            if start_tempo_bpm is not None
            else (rung.tempo_bpm if rung is not None else level.tempo_bpm)
        )
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
        return OnlineScorer(
            grid.target_frames,
            grid.target_accept_mask,
            grid.pair_radius_frames,
            sample_rate_hz=self.sample_rate_hz,
            sro_ms=grid.target_sro_ms,
            good_ms=grid.target_good_ms,
            ok_ms=grid.target_ok_ms,
            input_offset_ms=self.input_offset_ms,
        )

    def _record_targets(self, grid: TaskGrid, first_target: int = 0) -> None:
        """Send the targets from ``first_target`` on (again, when they were laid out anew),
        each with the tempo and windows in force for it."""
        tempo_bpm = grid.target_tempo_bpm.tolist()
        ioi_ms = grid.target_ioi_ms.tolist()
        self.recorder.beats(
            [
                BeatRecord(
                    session_id=self.session_id,
                    task_index=grid.task_index,
                    beat_index=index,
                    limb=grid.limb_of_target(index),
                    target_frame=int(grid.target_frames[index]),
                    scored=True,
                    tempo_bpm=tempo_bpm[index],
                    ioi_ms=ioi_ms[index],
                    sro_ms=float(grid.target_sro_ms[index]),
                    good_ms=float(grid.target_good_ms[index]),
                    ok_ms=float(grid.target_ok_ms[index]),
                )
                for index in range(first_target, grid.target_frames.shape[0])
            ]
        )

    def _record_task(self, grid: TaskGrid) -> None:
        """Send the task (again after a tempo change: its last beats' tempo moved)."""
        task = self.level.tasks[grid.task_index]
        windows = self.level.windows
        settings = {"task": asdict(task), "windows": asdict(windows), "level_id": self.level.id}
        self.recorder.task(
            TaskRecord(
                session_id=self.session_id,
                task_index=grid.task_index,
                task_name=task.name,
                tempo_bpm_start=float(grid.tempo_map.tempo_bpm_at([0.0])[0]),
                tempo_bpm_end=float(grid.tempo_map.tempo_bpm_at([grid.beat_count - 1])[0]),
                start_frame=grid.start_frame,
                settings_json=json.dumps(settings, default=str, sort_keys=True),
            )
        )

    def _queue_task(self, task_index: int, count_in_start_frame: int) -> None:
        grid = schedule_task(
            self.level,
            task_index,
            count_in_start_frame,
            self.sample_rate_hz,
            tempo_bpm=self._tempo_bpm,
            windows=self._rung_windows(),
        )
        self._runs.append(_TaskRun(grid, self._new_scorer(grid)))
        self.streak.new_task()
        self._next_boundary_beat = 0
        self.track.add_clicks(grid.click_frames, grid.click_kinds)
        self._record_task(grid)
        self._record_targets(grid)

    def _replace_grid(
        self, run: _TaskRun, grid: TaskGrid, first_beat: int, relaid: bool = True
    ) -> None:
        """Score the task on a new grid, laid out anew (``relaid``: its new clicks are queued)
        or judged anew from ``first_beat`` on: the taps so far are scored again, in order, on
        it. No tap so far could reach a target from there on, so each scores as it did."""
        run.grid, run.scorer = grid, self._new_scorer(grid)
        for frame, channel in run.scored_taps:
            try:
                run.scorer.add_tap(frame, channel)
            except ValueError:
                continue
        run.scorer.newly_missed(run.misses_decided_frame)  # told to the staircase already
        run.live = run.summarize()
        if relaid:
            self.track.add_clicks(grid.click_frames, grid.click_kinds)
        self._record_task(grid)
        self._record_targets(grid, grid.first_target_from(first_beat))

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

    @property
    def tempo_bpm(self) -> float:
        """The tempo in force: where the next task starts, and where this session ends."""
        return self._tempo_bpm

    def _adapt_at_boundaries(self, run: _TaskRun, now_frame: float) -> None:
        """At the next bar boundary: take the staircase's rung (its windows from there on) and
        move the tempo toward the rung's, by at most MAX_TEMPO_STEP a bar. Decided before any
        tap can reach the bar's first target and before its clicks are rendered."""
        grid = run.grid
        task = self.level.tasks[grid.task_index]
        period = change_period_beats(task)
        if self._next_boundary_beat == 0:
            self._next_boundary_beat = period
        beat = self._next_boundary_beat
        if beat >= grid.beat_count:
            return
        boundary_frame = int(grid.beat_frames[beat])
        ahead_s = ADAPT_DECIDE_AHEAD_S + self.ring.settings.lookahead_ms / 1000.0
        decide_frames = ahead_s * self.sample_rate_hz + int(grid.pair_radius_frames.max())
        if now_frame < boundary_frame - decide_frames:
            return
        self._next_boundary_beat += period
        assert self.staircase is not None
        before = self._rung()
        rung_index = self.staircase.rung_at_boundary()
        rung = self._ladder[rung_index]
        new_grid = grid
        if rung != before:
            new_grid = grid.with_windows_from(beat, windows_at(self.level, rung))
            self._record_step(grid.task_index, boundary_frame, rung_index, before)
        tempo_bpm = tempo_step_bpm(self._tempo_bpm, rung.tempo_bpm, self.sample_rate_hz)
        # Once the metronome is silent (continuation) the child keeps the tempo they heard:
        # a change there could not be heard, only counted against them.
        relaid = tempo_bpm != self._tempo_bpm and boundary_frame < grid.continuation_start_frame
        if relaid:
            self._tempo_bpm = tempo_bpm
            self.track.clear_from(boundary_frame)
            self.ring.discard_ahead()
            new_grid = reschedule_task(
                self.level, new_grid, beat, boundary_frame, tempo_bpm=tempo_bpm, count_in_beats=0
            )
        if new_grid is not grid:
            self._replace_grid(run, new_grid, beat, relaid)

    def _record_step(
        self, task_index: int, boundary_frame: int, rung_index: int, before: Rung | None
    ) -> None:
        assert self.staircase is not None
        rung = self._ladder[rung_index]
        self.recorder.adaptation_step(
            AdaptationStep(
                session_id=self.session_id,
                task_index=task_index,
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
        resumed = reschedule_task(self.level, grid, first_beat, count_in_start)
        self._replace_grid(run, resumed, first_beat)

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
        result = None
        if not self.paused and run.summary is None and self._in_scoring_window(grid, audio_frame):
            try:
                result = run.scorer.add_tap(audio_frame, CHANNEL_INDEX[tap.channel])
            except ValueError:
                # Stamped by a slower source after a later tap was scored: keep it, unjudged,
                # rather than rescore the task or blame the child.
                result = None
        judgement = Judgement.UNSCORED if result is None else result.judgement
        windows = None
        if result is not None:
            run.scored_taps.append((audio_frame, CHANNEL_INDEX[tap.channel]))
            run.live = run.summarize()
            self._react(run, result.target, result.asynchrony_ms, judgement, audio_frame, tap)
            if judgement.is_paired:
                windows = grid.windows_of_target(result.target)
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
                beat_index=int(result.target) if judgement.is_paired else None,
                asynchrony_ms=float(result.asynchrony_ms) if judgement.is_paired else None,
                judgement=judgement.label,
                sro_ms=None if windows is None else windows.sro_ms,
                good_ms=None if windows is None else windows.good_ms,
                ok_ms=None if windows is None else windows.ok_ms,
                velocity=tap.velocity,
                device=tap.device or None,
            )
        )
        run.taps += 1

    def _react(
        self,
        run: _TaskRun,
        target: int,
        asynchrony_ms: float,
        judgement: Judgement,
        audio_frame: int,
        tap: Tap,
    ) -> None:
        """What a judged tap sets off: the staircase's trial, feedback, a guide sound, the
        streak and its praise."""
        grid = run.grid
        if judgement.is_paired and self.staircase is not None:
            self.staircase.record(judgement.is_hit)
        limb = grid.limb_of_target(target) if judgement.is_paired else tap.channel
        shown_ms = asynchrony_ms if judgement.is_paired else 0.0
        self._feedback.append(Feedback(judgement.label, shown_ms, audio_frame, limb))
        del self._feedback[:-FEEDBACK_KEEP]
        if judgement.is_paired and self.level.tasks[grid.task_index].guide_sounds:
            sound = guide_sound(
                asynchrony_ms,
                judgement,
                grid.windows_of_target(target),
                self.sample_rate_hz,
                self.guide_volume,
            )
            self._play_now(sound)
        self.streak.add(judgement)
        if judgement.is_hit and self.streak.current % PRAISE_EVERY_HITS == 0:
            self._praise = (self.streak.current, audio_frame)

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
        missed = []
        if run.summary is None:
            missed = run.scorer.newly_missed(settled_frame)
            run.misses_decided_frame = settled_frame
        for _ in missed:
            self.streak.add(MISSED)
            if self.staircase is not None:
                self.staircase.record(False)
        if self.staircase is not None and run.summary is None:
            self._adapt_at_boundaries(run, now_frame)
        if run.summary is None and now_frame > self._scoring_closes_frame(run.grid):
            run.summary = run.summarize()
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

    @property
    def recorded_taps(self) -> int:
        """Taps recorded so far, scored or not (none before the audio clock started)."""
        return sum(run.taps for run in self._runs)

    def task_taps(self, task_index: int) -> JudgedTaps:
        """A task's scored taps in tap order, with the windows each was judged with."""
        run = self._runs[task_index]
        result = run.scorer.result()
        return JudgedTaps(
            asynchrony_ms=tuple(result.tap_asynchrony_ms.tolist()),
            judgements=tuple(Judgement(code).label for code in result.tap_judgement.tolist()),
            windows=tuple(
                run.grid.windows_of_target(target) if target >= 0 else None
                for target in result.tap_target.tolist()
            ),
        )

    def overall(self) -> TaskSummary:
        """All finished tasks taken together."""
        finished = [run for run in self._runs if run.summary is not None]
        results: list[ScoredTaps] = [run.scorer.result() for run in finished]
        if not results:
            return summarize(np.zeros(0, np.int8), np.zeros(0), 0)
        return summarize(
            np.concatenate([result.tap_judgement for result in results]),
            np.concatenate([result.tap_asynchrony_ms for result in results]),
            sum(run.targets for run in finished),
            task_index=np.concatenate(
                [
                    np.full(r.tap_judgement.shape[0], run.grid.task_index)
                    for run, r in zip(finished, results, strict=True)
                ]
            ),
        )

    def view(self, now_host_ns: int, visual_offset_ms: float = 0.0) -> PlayView:
        if not self._runs:
            return waiting_view(self._shown)
        now_frame = self.clock.host_ns_to_frame(now_host_ns + visual_offset_ms * 1_000_000)
        run = self._current
        grid = run.grid
        task = self.level.tasks[grid.task_index]
        shown_task = self._shown.tasks[grid.task_index]
        rung = self._rung()
        frames_per_beat = grid.tempo_map.frames_per_beat_at_frame(now_frame)
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
        live = run.live or run.summary
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
            task_average_ms=live.task_average_ms if live else float("nan"),
            sro_percent=live.sro_percent if live else float("nan"),
            paired_taps=live.paired_taps if live else 0,
            theme=self.level.theme,
            streak=self.streak.current,
            praise_streak=self._praise_now(now_frame),
            results=tuple(r.summary for r in self._runs if r.summary is not None),
        )
