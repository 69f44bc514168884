import numpy as np

from engine.audio.synth import click_sounds
from engine.audio.track import ClickTrack
from tests.audio_onsets import onsets

RATE_HZ = 48_000


def _track() -> ClickTrack:
    track = ClickTrack(click_sounds(RATE_HZ))
    track.add_clicks(np.array([5000, 100, 24_000, 2_399]), np.array([0, 1, 2, 0]))
    return track


def test_blocks_of_any_size_render_the_same_samples() -> None:
    track = _track()
    whole = np.zeros((30_000, 2), np.float32)
    track.render(0, whole)
    pieces = np.zeros_like(whole)
    start = 0
    for size in [1, 7, 256, 999, 3, 4096] * 20:
        if start >= whole.shape[0]:
            break
        block = pieces[start : start + size]
        track.render(start, block)
        start += block.shape[0]
    np.testing.assert_array_equal(whole, pieces)


def test_each_click_starts_on_its_frame() -> None:
    track = _track()
    audio = np.zeros((30_000, 2), np.float32)
    track.render(0, audio)
    assert onsets(audio) == [100, 2_399, 5000, 24_000]
    assert np.abs(audio[[100, 2_399, 5000, 24_000], 0]).min() > 0.1  # full-amplitude start
    assert np.array_equal(audio[:, 0], audio[:, 1])


def test_clear_from_forgets_later_clicks() -> None:
    track = _track()
    track.clear_from(5000)
    assert list(track.click_frames) == [100, 2_399]
