"""Guide sounds: left ear early, right ear late, a soft chime when right on."""

from __future__ import annotations

import numpy as np

from engine.audio.guide_sounds import MAX_LENGTH_MS, guide_sound
from engine.levels.model import Level, Task, Windows
from engine.scoring.judgement import Judgement
from engine.store.recorder import Recorder
from game.harness import Harness

RATE_HZ = 48_000
WINDOWS = Windows()


def zero_crossings(mono: np.ndarray) -> int:
    return int((np.diff(np.signbit(mono)) != 0).sum())


def test_early_is_left_late_is_right_right_on_is_both() -> None:
    early = guide_sound(-40.0, Judgement.GOOD, WINDOWS, RATE_HZ, 1.0)
    late = guide_sound(40.0, Judgement.GOOD, WINDOWS, RATE_HZ, 1.0)
    right_on = guide_sound(5.0, Judgement.SRO, WINDOWS, RATE_HZ, 1.0)
    assert np.abs(early[:, 0]).max() > 0.1 and np.abs(early[:, 1]).max() == 0
    assert np.abs(late[:, 1]).max() > 0.1 and np.abs(late[:, 0]).max() == 0
    np.testing.assert_array_equal(right_on[:, 0], right_on[:, 1])
    assert np.abs(right_on).max() < np.abs(late).max()  # the chime is the softest


def test_further_off_is_higher_and_longer_up_to_a_limit() -> None:
    near, far, very_far = (
        guide_sound(a, judged, WINDOWS, RATE_HZ, 1.0)
        for a, judged in ((20.0, Judgement.GOOD), (80.0, Judgement.OK), (400.0, Judgement.OFF))
    )
    assert far.shape[0] > near.shape[0]
    pitch = [zero_crossings(s[:, 1]) / s.shape[0] for s in (near, far)]
    assert pitch[1] > pitch[0]
    assert very_far.shape[0] == int(RATE_HZ * MAX_LENGTH_MS / 1000)
    assert np.abs(very_far).max() <= 0.35  # soft, whatever the error
    edges = np.abs(very_far[[0, -1], 1])
    assert edges.max() < 0.01  # faded in and out: no click


def capture_output(harness: Harness) -> list[np.ndarray]:
    """Every buffer the virtual device takes from the ring, as it took it."""
    captured: list[np.ndarray] = []
    ring = harness.rig.ring
    fill_stream = ring.fill_stream

    def fill_and_keep(host_ns: int, stream: bytearray) -> None:
        fill_stream(host_ns, stream)
        captured.append(np.frombuffer(stream, dtype=np.float32).copy())

    ring.fill_stream = fill_and_keep
    return captured


def test_late_taps_are_heard_in_the_right_ear_during_play(tmp_path) -> None:
    level = Level(
        format=1,
        id="guided",
        title="Guided",
        theme="pond",
        tempo_bpm=100.0,
        count_in_beats=2,
        tasks=(Task("Claps", ("both_hands",), 8, None, guide_sounds=True),),
    )
    energy = {}
    for name, asynchrony_ms in (("late", 60.0), ("early", -60.0)):
        recorder = Recorder(tmp_path / name)
        harness = Harness(recorder, lambda grid, index, rng, a=asynchrony_ms: a, level=level)
        captured = capture_output(harness)
        harness.run()
        recorder.close()
        audio = np.concatenate(captured).reshape(-1, 2)
        # Clicks are the same in both ears; what differs is the guide tones.
        energy[name] = float((audio[:, 1] ** 2).sum() - (audio[:, 0] ** 2).sum())
    assert energy["late"] > 1.0
    assert energy["early"] < -1.0
