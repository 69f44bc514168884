"""The click track as a function of absolute audio frames, rendered block by block.

The schedule grows as tasks are queued (and, later, as difficulty changes tempo); any block
can be rendered at any time and always puts each click's first sample on its frame.
"""

from __future__ import annotations

import numpy as np


class ClickTrack:
    """Sorted click onsets (absolute frames) and kinds, rendered to stereo float32 blocks."""

    def __init__(self, sounds: tuple[np.ndarray, ...]) -> None:
        self._sounds = sounds
        self._longest_frames = max(sound.shape[0] for sound in sounds)
        self._frames = np.zeros(0, dtype=np.int64)
        self._kinds = np.zeros(0, dtype=np.int8)
        self._one_shots: list[tuple[int, np.ndarray]] = []  # (start frame, stereo samples)

    def set_sounds(self, sounds: tuple[np.ndarray, ...]) -> None:
        """New click sounds (a volume change); clicks already rendered keep the old ones."""
        self._sounds = sounds
        self._longest_frames = max(sound.shape[0] for sound in sounds)

    def add_clicks(self, frames: np.ndarray, kinds: np.ndarray) -> None:
        """Add clicks at absolute frames (any order; kept sorted)."""
        all_frames = np.concatenate([self._frames, np.asarray(frames, dtype=np.int64)])
        all_kinds = np.concatenate([self._kinds, np.asarray(kinds, dtype=np.int8)])
        order = np.argsort(all_frames, kind="stable")
        self._frames, self._kinds = all_frames[order], all_kinds[order]

    def add_one_shot(self, start_frame: int, samples: np.ndarray) -> None:
        """A stereo sound (guide tone, effect) to play once from ``start_frame``."""
        self._one_shots.append((int(start_frame), samples))

    def clear_from(self, frame: int) -> None:
        """Forget clicks and sounds starting at or after ``frame`` (a level stopped)."""
        keep = self._frames < frame
        self._frames, self._kinds = self._frames[keep], self._kinds[keep]
        self._one_shots = [(start, sound) for start, sound in self._one_shots if start < frame]

    @property
    def click_frames(self) -> np.ndarray:
        return self._frames

    def render(self, start_frame: int, out: np.ndarray) -> None:
        """Write frames [start_frame, start_frame + len(out)) into ``out`` (frames × 2)."""
        out[:] = 0.0
        n_frames = out.shape[0]
        first = np.searchsorted(self._frames, start_frame - self._longest_frames, side="right")
        last = np.searchsorted(self._frames, start_frame + n_frames, side="left")
        for onset, kind in zip(self._frames[first:last], self._kinds[first:last], strict=True):
            sound = self._sounds[kind]
            skip = max(0, start_frame - int(onset))
            begin = max(0, int(onset) - start_frame)
            count = min(sound.shape[0] - skip, n_frames - begin)
            if count > 0:
                out[begin : begin + count] += sound[skip : skip + count, None]
        self._mix_one_shots(start_frame, out)

    def _mix_one_shots(self, start_frame: int, out: np.ndarray) -> None:
        # Sounds that ended before this block will never be rendered again: drop them.
        self._one_shots = [
            (start, sound)
            for start, sound in self._one_shots
            if start + sound.shape[0] > start_frame
        ]
        for start, sound in self._one_shots:
            skip = max(0, start_frame - start)
            begin = max(0, start - start_frame)
            count = min(sound.shape[0] - skip, out.shape[0] - begin)
            if count > 0:
                out[begin : begin + count] += sound[skip : skip + count]
