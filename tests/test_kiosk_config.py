"""config/kiosk.yaml and a station's own kiosk.yaml over it, checked with line and column."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from engine.config.kiosk import SHIPPED_KIOSK_PATH, KioskConfig, PlanDefaults, load_kiosk_config
from engine.levels.yaml_reader import LevelError


def load(tmp_path: Path, station_text: str | None) -> KioskConfig:
    station = tmp_path / "kiosk.yaml"
    if station_text is not None:
        station.write_text(station_text, encoding="utf-8")
    return load_kiosk_config(station_path=station)


def test_the_shipped_file_holds_the_documented_defaults(tmp_path: Path) -> None:
    assert load(tmp_path, None) == KioskConfig()
    assert KioskConfig().station_name == (platform.node() or "station")


def test_a_station_file_replaces_only_what_it_writes(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "format: 1\nstation: Room 2\nidle:\n  attract_s: 300\n"
        "plan_defaults:\n  assessment_every: 5\nprofiles: [P-ABC234]\n",
    )
    assert config.station_name == "Room 2"
    assert (config.idle_pause_s, config.idle_attract_s) == (30.0, 300.0)
    assert config.plan_defaults == PlanDefaults(assessment_every=5)
    assert config.profiles == ("P-ABC234",)
    assert load(tmp_path, "format: 1\nprofiles: all\n").profiles is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "format: 1\nidle:\n  pause_s: 200\n",
            ["3:3: idle.attract_s: 120 s is not longer than pause_s (200 s); the attract "
             "screen comes after the pause"],
        ),
        (
            "format: 1\nprofiles: [P-ABC234, robin]\ncursor_hide_s: -1\n",
            ["2:22: profiles[1]: 'robin' is not a profile code like P-ABC234",
             "3:16: cursor_hide_s: -1 is out of range; use 0.5 to 600 seconds"],
        ),
        (
            "format: 2\nplan_defaults:\n  break_secs: 10\n",
            ["1:9: format: format 2 is not known; write 'format: 1'",
             "3:3: plan_defaults.break_secs: unknown key 'break_secs'; did you mean "
             "'break_seconds'?"],
        ),
    ],
)  # fmt: skip
def test_problems_in_the_station_file_name_line_and_column(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    with pytest.raises(LevelError) as caught:
        load(tmp_path, text)
    station = tmp_path / "kiosk.yaml"
    assert [str(problem) for problem in caught.value.problems] == [
        f"{station}:{line}" for line in expected
    ]


def test_the_shipped_file_is_where_the_loader_looks() -> None:
    assert SHIPPED_KIOSK_PATH.read_text(encoding="utf-8").startswith("# The kiosk station")
