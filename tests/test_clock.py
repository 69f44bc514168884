import numpy as np
import pytest

from engine.timing.clock import NS_PER_S, ClockMap, frames_to_ms, ms_to_frames

RATE_HZ = 48_000
BUFFER = 256
LATENCY_NS = 10_666_666


def _observe(
    clock: ClockMap,
    rng: np.random.Generator,
    count: int,
    late_share: float,
    true_rate_hz: float = RATE_HZ,
    start_ns: int = 7 * NS_PER_S,
) -> None:
    last_ns = 0
    for index in range(count):
        nominal_ns = start_ns + index * BUFFER * NS_PER_S / true_rate_hz
        late_ns = rng.uniform(0, 4e6) if rng.random() < late_share else 0.0
        when_ns = max(int(nominal_ns + late_ns), last_ns)
        clock.observe(when_ns, index * BUFFER)
        last_ns = when_ns


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("true_rate_hz", [48_000.0, 46_900.0, 49_100.0])
def test_fit_ignores_late_callbacks(seed: int, true_rate_hz: float) -> None:
    # The dummy driver paces a few % off real time; late callbacks must not bias the map.
    clock = ClockMap(RATE_HZ, LATENCY_NS)
    _observe(clock, np.random.default_rng(seed), 400, 0.7, true_rate_hz)
    clock.refit()
    start_ns = 7 * NS_PER_S
    for frame in (1_000.0, 50_000.0, 100_000.0):
        true_heard_ns = start_ns + frame * NS_PER_S / true_rate_hz + LATENCY_NS
        error_frames = clock.host_ns_to_frame(true_heard_ns) - frame
        assert abs(frames_to_ms(error_frames, RATE_HZ)) < 0.02


def test_frame_and_host_time_are_inverse() -> None:
    clock = ClockMap(RATE_HZ, LATENCY_NS)
    _observe(clock, np.random.default_rng(1), 100, 0.5)
    clock.refit()
    for host_ns in (7 * NS_PER_S, 8 * NS_PER_S + 123_456):
        assert clock.frame_to_host_ns(clock.host_ns_to_frame(host_ns)) == pytest.approx(
            host_ns, abs=1
        )


def test_latency_moves_the_audible_frame_back() -> None:
    clock = ClockMap(RATE_HZ, output_latency_ns=0)
    delayed = ClockMap(RATE_HZ, output_latency_ns=NS_PER_S // 100)
    for each in (clock, delayed):
        _observe(each, np.random.default_rng(2), 50, 0.0)
        each.refit()
    difference = clock.host_ns_to_frame(9 * NS_PER_S) - delayed.host_ns_to_frame(9 * NS_PER_S)
    assert difference == pytest.approx(RATE_HZ / 100, abs=0.01)


def test_not_ready_until_fitted() -> None:
    clock = ClockMap(RATE_HZ, LATENCY_NS)
    assert not clock.ready
    clock.refit()
    assert not clock.ready
    clock.observe(NS_PER_S, 0)
    clock.refit()
    assert clock.ready


def test_frames_and_ms_round_trip() -> None:
    assert ms_to_frames(frames_to_ms(1234, RATE_HZ), RATE_HZ) == pytest.approx(1234)
