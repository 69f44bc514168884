"""The one converter of beats and time: a task's tempo map.

A map is a tuple of segments in time order, each (start frame, start beat, tempo in bpm).
From its start a segment's beats follow one another at its tempo until the next segment
starts: beat b falls on ``start_frame + round((b − start_beat) · frames per beat)``, each
beat computed from the segment's start, never accumulated, so long tasks do not drift.
A tempo change is a new segment at a bar line; a pause shifts the rest of the task later and
puts a *count-in* segment before it, which says where the count-in clicks fall (frames to
beats) but is never asked for a beat's frame or tempo, since its beats were played already.

Everyone who turns beats into frames, frames into beats, or wants the tempo or inter-onset
interval (IOI) in force at a beat asks this module; nobody else computes 60 / bpm. The IOI in
force at a beat is the interval from it to the next beat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECONDS_PER_MINUTE = 60.0
MS_PER_MINUTE = 60_000.0
# The beat interval may change by at most 5 % from one beat to the next (docs/adaptation.md):
# small enough that a child follows without noticing a jump.
MAX_TEMPO_STEP = 0.05


def beat_interval_ms(tempo_bpm: float) -> float:
    """Milliseconds from one beat to the next at ``tempo_bpm``."""
    return MS_PER_MINUTE / tempo_bpm


def frames_per_beat(tempo_bpm: float, sample_rate_hz: float) -> float:
    """Sample frames from one beat to the next at ``tempo_bpm`` (not rounded)."""
    return sample_rate_hz * SECONDS_PER_MINUTE / tempo_bpm


def tempo_of_frames_per_beat(beat_frames: float, sample_rate_hz: float) -> float:
    """The tempo (bpm) whose beats are ``beat_frames`` sample frames apart."""
    return sample_rate_hz * SECONDS_PER_MINUTE / beat_frames


def beats_lasting(seconds: float, tempo_bpm: float) -> int:
    """Beats needed to fill ``seconds`` at ``tempo_bpm``, rounded up, at least one."""
    return max(1, int(-(-seconds * tempo_bpm // SECONDS_PER_MINUTE)))


def seconds_of_beats(beats: float, tempo_bpm: float) -> float:
    """How long ``beats`` beats last at ``tempo_bpm``, in seconds."""
    return beats * SECONDS_PER_MINUTE / tempo_bpm


def tempo_step_bpm(from_bpm: float, to_bpm: float, sample_rate_hz: float) -> float:
    """The tempo to play after ``from_bpm`` on the way to ``to_bpm``: ``to_bpm`` itself when the
    beat interval changes by at most MAX_TEMPO_STEP, else as far toward it as that allows.

    Beats fall on whole frames, so an interval laid out at a tempo is up to a frame longer or
    shorter than its exact length; the limit keeps two frames of slack on each side, so that
    every pair of neighbouring intervals on the audio clock is within MAX_TEMPO_STEP.
    """
    old_frames = frames_per_beat(from_bpm, sample_rate_hz)
    new_frames = frames_per_beat(to_bpm, sample_rate_hz)
    ratio = 1.0 + MAX_TEMPO_STEP
    longest_frames = ratio * (old_frames - 1.0) - 1.0
    shortest_frames = (old_frames + 1.0) / ratio + 1.0
    if shortest_frames <= new_frames <= longest_frames:
        return float(to_bpm)
    limited_frames = min(max(new_frames, shortest_frames), longest_frames)
    return tempo_of_frames_per_beat(limited_frames, sample_rate_hz)


@dataclass(frozen=True)
class TempoSegment:
    start_frame: int
    start_beat: float
    tempo_bpm: float
    count_in: bool = False  # the count-in after a pause: only for frames -> beats


@dataclass(frozen=True)
class TempoMap:
    """Beats <-> audio frames of one task, and the tempo in force at each beat."""

    sample_rate_hz: int
    segments: tuple[TempoSegment, ...]

    def __post_init__(self) -> None:
        if not any(not segment.count_in for segment in self.segments):
            raise ValueError("a tempo map needs at least one segment that is not a count-in")

    @classmethod
    def steady(
        cls, sample_rate_hz: int, start_frame: int, tempo_bpm: float, start_beat: float = 0.0
    ) -> TempoMap:
        """One tempo throughout, beat ``start_beat`` on ``start_frame`` (earlier beats, such as
        a count-in, lie before it at the same tempo)."""
        return cls(int(sample_rate_hz), (TempoSegment(int(start_frame), start_beat, tempo_bpm),))

    # --- lookups --------------------------------------------------------------------------
    @property
    def _beat_segments(self) -> tuple[TempoSegment, ...]:
        return tuple(segment for segment in self.segments if not segment.count_in)

    def _segments_of_beats(self, beats: np.ndarray) -> np.ndarray:
        """Index into _beat_segments of the segment in force at each beat (the first one for
        beats before it: they extrapolate it backwards)."""
        starts = np.array([segment.start_beat for segment in self._beat_segments])
        return np.maximum(np.searchsorted(starts, beats, side="right") - 1, 0)

    def frames_at(self, beats: np.ndarray | list[float]) -> np.ndarray:
        """Audio frames (int64) of beat positions (fractional positions allowed)."""
        beats = np.asarray(beats, dtype=np.float64)
        segments = self._beat_segments
        which = self._segments_of_beats(beats)
        start_frames = np.array([s.start_frame for s in segments], dtype=np.int64)[which]
        start_beats = np.array([s.start_beat for s in segments])[which]
        spacing = np.array([self._frames_per_beat(s) for s in segments])[which]
        return start_frames + np.rint((beats - start_beats) * spacing).astype(np.int64)

    def frame_at(self, beat: float) -> int:
        return int(self.frames_at(np.array([beat]))[0])

    def tempo_bpm_at(self, beats: np.ndarray | list[float]) -> np.ndarray:
        """The tempo (bpm) in force at each beat position."""
        beats = np.asarray(beats, dtype=np.float64)
        tempi = np.array([segment.tempo_bpm for segment in self._beat_segments])
        return tempi[self._segments_of_beats(beats)]

    def frames_per_beat_at(self, beats: np.ndarray | list[float]) -> np.ndarray:
        """Frames from each beat position to the next beat, at the tempo in force there."""
        return frames_per_beat(self.tempo_bpm_at(beats), self.sample_rate_hz)

    def beat_interval_ms_at(self, beats: np.ndarray | list[float]) -> np.ndarray:
        """The IOI (ms) in force at each beat position: from it to the next beat."""
        return MS_PER_MINUTE / self.tempo_bpm_at(beats)

    def _segment_at_frame(self, frame: float) -> TempoSegment:
        in_force = self.segments[0]
        for segment in self.segments:
            if segment.start_frame <= frame:
                in_force = segment
        return in_force

    def beat_at(self, frame: float) -> float:
        """The beat position heard at ``frame`` (between beats, a fraction)."""
        segment = self._segment_at_frame(frame)
        return segment.start_beat + (frame - segment.start_frame) / self._frames_per_beat(segment)

    def frames_per_beat_at_frame(self, frame: float) -> float:
        """Frames from one beat to the next where ``frame`` is heard."""
        return self._frames_per_beat(self._segment_at_frame(frame))

    def count_in_frames(self) -> np.ndarray:
        """Frames (int64) of the clicks of the latest count-in after a pause: its beats were
        played before the pause, so looking them up by beat would give where they were then."""
        position = max(i for i, segment in enumerate(self.segments) if segment.count_in)
        count_in, resumed = self.segments[position], self.segments[position + 1]
        beats = np.arange(resumed.start_beat - count_in.start_beat)
        return count_in.start_frame + np.rint(beats * self._frames_per_beat(count_in)).astype(
            np.int64
        )

    @property
    def last_tempo_bpm(self) -> float:
        """The tempo of the last beats laid out: where the task ends."""
        return self._beat_segments[-1].tempo_bpm

    def _frames_per_beat(self, segment: TempoSegment) -> float:
        return frames_per_beat(segment.tempo_bpm, self.sample_rate_hz)

    # --- changes --------------------------------------------------------------------------
    def with_tempo_from(self, beat: float, tempo_bpm: float) -> TempoMap:
        """The map with ``tempo_bpm`` from ``beat`` on (a bar line): ``beat`` keeps its frame,
        the beats after it follow at the new tempo, anything laid out beyond it is dropped."""
        frame = self.frame_at(beat)
        kept = tuple(
            segment
            for segment in self.segments
            if (segment.start_frame < frame if segment.count_in else segment.start_beat < beat)
        )
        return TempoMap(self.sample_rate_hz, (*kept, TempoSegment(frame, beat, tempo_bpm)))

    def resumed(self, beat: float, count_in_start_frame: int, count_in_beats: int) -> TempoMap:
        """The map after a pause: ``count_in_beats`` count-in beats from
        ``count_in_start_frame``, then ``beat`` and everything after it, shifted later as a
        whole, at the tempi they had. Beats before ``beat`` keep their frames."""
        tempo_bpm = float(self.tempo_bpm_at([beat])[0])
        count_in_frames = round(count_in_beats * frames_per_beat(tempo_bpm, self.sample_rate_hz))
        resume_frame = int(count_in_start_frame) + count_in_frames
        shift_frames = resume_frame - self.frame_at(beat)
        earlier = tuple(
            segment
            for segment in self.segments
            if (
                segment.start_frame < count_in_start_frame
                if segment.count_in
                else segment.start_beat < beat
            )
        )
        later = tuple(
            TempoSegment(segment.start_frame + shift_frames, segment.start_beat, segment.tempo_bpm)
            for segment in self._beat_segments
            if segment.start_beat > beat
        )
        count_in = (
            (TempoSegment(int(count_in_start_frame), beat - count_in_beats, tempo_bpm, True),)
            if count_in_beats > 0
            else ()
        )
        resumed = TempoSegment(resume_frame, beat, tempo_bpm)
        return TempoMap(self.sample_rate_hz, (*earlier, *count_in, resumed, *later))
