"""Latency calibration: offsets from taps, and the per-machine calibration file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from engine.session.calibration import (
    DROPPED_TAPS,
    MIN_TAPS,
    Calibration,
    default_calibration_path,
    input_offset_from_taps,
    load_calibration,
    save_calibration,
    session_calibration,
    visual_offset_from_taps,
    with_offset,
)


def steady_taps(offset_ms: float, sd_ms: float, count: int, seed: int) -> np.ndarray:
    return offset_ms + np.random.default_rng(seed).normal(0.0, sd_ms, count)


# --- offsets from taps ----------------------------------------------------------------------
@pytest.mark.parametrize("offset_ms", [-20.0, 0.0, 12.3, 37.5, 95.0, 180.0])
def test_a_constant_offset_plus_noise_is_recovered_within_1_ms(offset_ms: float) -> None:
    for seed in range(5):
        taps_ms = steady_taps(offset_ms, 4.0, 200, seed)
        # Whatever the first taps were (finding the beat), they are dropped.
        taps_ms[:DROPPED_TAPS] = [300, -250, 180, -90, 400, 0, 220, -300]
        result = input_offset_from_taps(taps_ms)
        assert result.accepted, result.problem
        assert abs(result.offset_ms - offset_ms) < 1.0
        assert result.taps_used == 200 - DROPPED_TAPS
        assert result.problem is None


def test_a_real_length_calibration_is_unbiased() -> None:
    """40 taps of SD 15 ms, many times: no bias, and the spread the median's theory gives."""
    errors_ms = (
        np.array(
            [
                input_offset_from_taps(steady_taps(25.0, 15.0, 40, seed)).offset_ms
                for seed in range(400)
            ]
        )
        - 25.0
    )
    assert abs(errors_ms.mean()) < 0.3
    expected_sd_ms = 1.2533 * 15.0 / np.sqrt(40 - DROPPED_TAPS)  # SD of a normal sample median
    assert errors_ms.std() == pytest.approx(expected_sd_ms, rel=0.15)


def test_uneven_taps_are_refused_with_a_reason() -> None:
    result = input_offset_from_taps(steady_taps(20.0, 41.0, 60, seed=2))
    assert not result.accepted
    assert result.offset_ms is None
    assert result.sd_ms == pytest.approx(41.0, abs=6.0)
    assert result.problem == f"too uneven (SD {result.sd_ms:.0f} ms): tap again, steadily"


def test_the_sd_limit_is_30_ms() -> None:
    base = np.random.default_rng(4).normal(0.0, 1.0, 52)
    base = (base - base[DROPPED_TAPS:].mean()) / base[DROPPED_TAPS:].std(ddof=1)
    assert input_offset_from_taps(10.0 + 29.5 * base).accepted
    assert not input_offset_from_taps(10.0 + 30.5 * base).accepted


def test_fewer_than_40_taps_are_refused() -> None:
    result = input_offset_from_taps(steady_taps(20.0, 5.0, MIN_TAPS - 1, seed=1))
    assert not result.accepted
    assert result.problem.startswith(f"too few taps ({MIN_TAPS - 1} of at least {MIN_TAPS})")
    assert input_offset_from_taps(steady_taps(20.0, 5.0, MIN_TAPS, seed=1)).accepted


def test_taps_that_paired_with_no_click_do_not_count() -> None:
    taps_ms = steady_taps(20.0, 5.0, 45, seed=3)
    taps_ms[[10, 20, 30, 40, 44, 5]] = np.nan
    result = input_offset_from_taps(taps_ms)
    assert not result.accepted
    assert "too few taps (39 " in result.problem


def test_an_implausible_offset_is_refused() -> None:
    result = input_offset_from_taps(steady_taps(320.0, 5.0, 50, seed=5))
    assert not result.accepted
    assert result.problem.startswith(f"the taps came {result.median_ms:.0f} ms after the clicks")


def test_the_visual_offset_is_what_flashes_add_to_the_input_offset() -> None:
    input_offset_ms = 18.0
    screen_ms = 33.0
    result = visual_offset_from_taps(steady_taps(input_offset_ms + screen_ms, 4.0, 200, 6), 18.0)
    assert result.accepted
    assert abs(result.offset_ms - screen_ms) < 1.0
    assert result.median_ms == pytest.approx(input_offset_ms + screen_ms, abs=1.0)
    uneven = visual_offset_from_taps(steady_taps(50.0, 45.0, 60, 7), 18.0)
    assert uneven.problem.startswith("too uneven")
    assert "flash" in visual_offset_from_taps([1.0] * 10, 0.0).problem


# --- the calibration file -------------------------------------------------------------------
def test_the_file_lives_in_the_config_folder() -> None:
    path = default_calibration_path()
    assert path.name == "calibration.yaml"
    assert "OnBeat" in path.parts or "onbeat" in str(path).lower()


def test_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config" / "calibration.yaml"
    calibration = with_offset(Calibration(), "input", 23.25, "2026-03-02T10:00:00+00:00")
    calibration = with_offset(calibration, "visual", 31.5, "2026-03-02T10:05:00+00:00")
    assert save_calibration(calibration, path) == path
    loaded, problems = load_calibration(path)
    assert problems == []
    assert loaded == calibration
    assert loaded.output_offset_ms == 0.0 and loaded.output_measured_at_utc is None
    assert not list(path.parent.glob(".calibration.*"))  # no temp file left behind
    assert path.read_text(encoding="utf-8").startswith("# OnBeat latency calibration")


def test_a_missing_file_gives_defaults_quietly(tmp_path: Path) -> None:
    assert load_calibration(tmp_path / "absent.yaml") == (Calibration(), [])


@pytest.mark.parametrize(
    "content",
    [
        b"input_offset_ms: [unclosed\n",
        b"\xff\xfe\x00garbage",
        b"- just\n- a list\n",
        b"42\n",
    ],
)
def test_a_bad_file_gives_defaults_and_a_message(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "calibration.yaml"
    path.write_bytes(content)
    calibration, problems = load_calibration(path)
    assert calibration == Calibration()
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: ")


def test_bad_values_fall_back_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "calibration.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "input_offset_ms": 21.0,
                "input_measured_at_utc": "2026-03-02T10:00:00+00:00",
                "visual_offset_ms": "fast",
                "output_offset_ms": 9000,
                "visual_measured_at_utc": "yesterday",
                "colour": "blue",
            }
        ),
        encoding="utf-8",
    )
    calibration, problems = load_calibration(path)
    assert calibration == Calibration(
        input_offset_ms=21.0, input_measured_at_utc="2026-03-02T10:00:00+00:00"
    )
    assert len(problems) == 4
    assert any("visual_offset_ms: 'fast'" in problem for problem in problems)
    assert any("output_offset_ms: 9000" in problem for problem in problems)
    assert any("visual_measured_at_utc" in problem for problem in problems)
    assert any("colour: unknown setting" in problem for problem in problems)


def test_sessions_record_how_the_offsets_were_set() -> None:
    assert session_calibration(Calibration()).method == "defaults"
    assert session_calibration(Calibration()).calibrated_at_utc is None
    calibration = with_offset(Calibration(), "input", 20.0, "2026-03-01T09:00:00+00:00")
    calibration = with_offset(calibration, "output", 4.0, "2026-03-02T09:00:00+00:00")
    recorded = session_calibration(calibration)
    assert recorded.method == "input tap test, output loopback"
    assert recorded.calibrated_at_utc == "2026-03-02T09:00:00+00:00"
    assert recorded.visual_offset_ms == 0.0
    with pytest.raises(ValueError, match="unknown offset kind"):
        with_offset(Calibration(), "tactile", 1.0)
    fresh = with_offset(Calibration(), "visual", 12.0)
    assert dataclasses.replace(fresh, visual_measured_at_utc=None) == Calibration(
        visual_offset_ms=12.0
    )
    assert fresh.visual_measured_at_utc is not None
