"""Fault injection on what comes in: bad arguments, broken config files, a missing sound
driver, a display that is not there, a damaged message catalogue, and a bug. Arguments are
refused before anything is recorded (exit 2); a config problem is one line with its place,
its value keeps the default and the program goes on; nothing prints a traceback, and a bug
says where the log is.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

import pytest

import cli.main as cli_main
import game.app as game_app
from engine.audio.config import load_audio_settings, machine_audio_path
from engine.audio.output import AudioSettings
from engine.config.user_settings import UserSettings, load_user_settings
from engine.input.mapping import load_input_mapping, read_station_input_mapping
from engine.levels.yaml_reader import MAX_FILE_BYTES
from engine.store.sqlite.store import DATABASE_FILE_NAME
from game.i18n import CatalogueError, Messages
from tests.fault_rigs import (
    Home,
    assert_refused,
    assert_sound,
    copy_of,
    make_home,
    run_cli,
)

# The YAML alias bomb of the probe: nine levels of nine aliases, a billion strings once
# expanded, in a few hundred bytes.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join(['*' + chr(97 + level)] * 9)}]\n"
    for level in range(8)
)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


# --- arguments ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "advice"),
    [
        (("demo", "--jitter-ms", "-5"), "from 0 to 25 ms"),
        (("demo", "--jitter-ms", "nan"), "from 0 to 25 ms"),
        (("demo", "--jitter-ms", "inf"), "from 0 to 25 ms"),
        (("demo", "--jitter-ms", "1000"), "from 0 to 25 ms"),
        (("demo", "--seed", "-1"), "whole number from 0"),
        (("play", "--autoplay", "--jitter-ms", "-5"), "from 0 to 100 ms"),
        (("play", "--profile", "   "), "not blank"),
        (("play", "--profile", "R" * 41), "at most 40 characters"),
        (("play", "--profile", "Robin\nSam"), "one line"),
        (("export", "--out", "x.csv", "--session", "99999999999999999999999"), "whole number"),
        (("export", "--out", ""), "is empty"),
        (("report", "--out", "r.html", "--profile", ""), "not blank"),
        (("report", "--out", "r.html", "--session", "-3"), "whole number"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_recorded(
    home: Home, tmp_path: Path, args: tuple[str, ...], advice: str
) -> None:
    data_dir = tmp_path / "data"
    result = run_cli(home, *args, "--data-dir", str(data_dir))
    assert_refused(result, 2, advice)
    assert not (data_dir / DATABASE_FILE_NAME).exists()


def test_an_empty_data_folder_and_an_output_folder_are_usage_errors(
    home: Home, recorded: Path, tmp_path: Path
) -> None:
    assert_refused(run_cli(home, "--data-dir", "", "demo"), 2, "--data-dir: is empty")
    assert_refused(run_cli(home, "demo", "--data-dir", ""), 2, "--data-dir: is empty")
    data_dir = copy_of(recorded, tmp_path / "data")
    before = assert_sound(data_dir)
    result = run_cli(home, "export", "--data-dir", str(data_dir), "--out", str(tmp_path))
    assert_refused(result, 2, "is a folder", "give a file name inside it")
    missing = tmp_path / "no-such-folder" / "t.csv"
    result = run_cli(home, "export", "--data-dir", str(data_dir), "--out", str(missing))
    assert_refused(result, 1, "does not exist; make it first")
    assert assert_sound(data_dir) == before


# --- config files, a missing sound driver -------------------------------------------------------
def test_broken_station_files_are_listed_and_the_level_is_still_played(
    home: Home, tmp_path: Path
) -> None:
    home.config_dir.mkdir(parents=True)
    audio = home.config_dir / "audio.yaml"
    audio.write_text("buffer_frames: 512\nlookahead_ms: -100\nring_seconds: 0\n", encoding="utf-8")
    keys = home.config_dir / "input.yaml"
    keys.write_text("keys:\n  f: left_foot\n  j: right_hand\nwheels: 4\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    result = run_cli(
        home,
        *("play", str(home.level), "--data-dir", str(data_dir), "--exit-when-done"),
        "--autoplay",  # a session with no taps is not complete
        "--silent",  # no sound device here: the therapist's choice to play without
        env_changes={"SDL_AUDIODRIVER": "no-such-driver"},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert (
        f"{audio}:2:15: lookahead_ms: must be a number from 20 to 2000 ms, not -100; using 200"
        in lines
    )
    assert f"{audio}:3:15: ring_seconds: must be a number from 0.5 to 30 s, not 0; using 2" in lines
    assert any(
        line.startswith(f"{keys}:2:6: keys.f: unknown channel 'left_foot'") for line in lines
    )
    assert any(line.startswith(f"{keys}:4:1: wheels: unknown section") for line in lines)
    assert any("Audio: no sound device" in line and "no-such-driver" in line for line in lines)
    assert "Session 1 of" in result.stdout
    assert assert_sound(data_dir).statuses == [(1, "complete")]


def test_the_machines_own_audio_and_input_files_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "OnBeat"
    folder.mkdir()
    (folder / "audio.yaml").write_text("buffer_frames: 512\nlookahead_ms: 300\n", encoding="utf-8")
    (folder / "input.yaml").write_text("keys:\n  q: left_toe\n", encoding="utf-8")
    assert machine_audio_path() == folder / "audio.yaml"
    settings, problems = load_audio_settings(machine_audio_path())
    assert problems == []
    assert (settings.buffer_frames, settings.lookahead_ms) == (512, 300.0)
    assert settings.sample_rate_hz == AudioSettings().sample_rate_hz  # from the shipped file
    mapping, problems = read_station_input_mapping()
    assert problems == [] and mapping.keys == {"q": "left_toe"}
    assert mapping.mouse_buttons == load_input_mapping().mouse_buttons  # shipped section


def test_audio_settings_that_would_starve_the_device_keep_their_defaults(tmp_path: Path) -> None:
    audio = tmp_path / "audio.yaml"
    audio.write_text("buffer_frames: 4096\nlookahead_ms: 50\n", encoding="utf-8")
    settings, problems = load_audio_settings(audio)
    assert len(problems) == 1
    assert problems[0].startswith(f"{audio}: lookahead_ms 50 is shorter than 2 device buffers")
    assert "fall silent" in problems[0]
    defaults = AudioSettings()
    assert (settings.buffer_frames, settings.lookahead_ms, settings.ring_seconds) == (
        defaults.buffer_frames,
        defaults.lookahead_ms,
        defaults.ring_seconds,
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (ALIAS_BOMB.encode(), "YAML anchors"),
        (b"metronome_volume: 0.5\n" + b"x" * (MAX_FILE_BYTES + 1), "larger than"),
        ("".join(f"k{n}: 1\n" for n in range(1_000_000)).encode(), "larger than"),
        (b"\x00\x01binary", "does not belong in a text file"),
        (b"- a list\n- of things\n", "'name: value' lines"),
    ],
)
def test_a_hostile_settings_file_costs_nothing_and_says_one_line(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "settings.yaml"
    path.write_bytes(content)
    started_ns = time.monotonic_ns()
    settings, problems = load_user_settings(path)
    assert settings == UserSettings()
    assert len(problems) == 1 and problem in problems[0] and problems[0].startswith(f"{path}:")
    # Not a speed test: a guard against reading the bomb or the million keys at all,
    # which takes minutes (or all memory), far beyond this bound on any machine.
    assert time.monotonic_ns() - started_ns < 30 * 10**9


def test_bad_settings_values_keep_their_defaults_one_line_each(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(
        "metronome_volume: 3\nlanguage: klingon\nfullscreen: yes\ncolour: blue\n",
        encoding="utf-8",
    )
    settings, problems = load_user_settings(path)
    assert settings == UserSettings(fullscreen=True)
    assert problems == [
        f"{path}:1:19: metronome_volume: must be a number from 0 to 1, not 3; using 0.8",
        f"{path}:2:11: language: must be one of en, es, not 'klingon'; using 'en'",
        f"{path}:4:1: colour: unknown setting, ignored; known: "
        + ", ".join(UserSettings.__dataclass_fields__),
    ]


# --- the message catalogue ------------------------------------------------------------------
def test_a_missing_language_falls_back_to_english_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("a.b: Hello\n", encoding="utf-8")
    (tmp_path / "es.yaml").write_text("a.b: &x Hola\nc.d: *x\n", encoding="utf-8")
    messages = Messages("es", tmp_path)
    assert messages("a.b") == "Hello"
    assert len(messages.problems) == 1 and "YAML anchors" in messages.problems[0]
    assert "speaks English" in messages.problems[0]
    (tmp_path / "en.yaml").unlink()
    with pytest.raises(CatalogueError, match="git checkout assets/i18n"):
        Messages("en", tmp_path)


def test_a_missing_english_catalogue_stops_the_game_with_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(game_app, "Messages", functools.partial(Messages, folder=tmp_path))
    assert cli_main.main(["--data-dir", str(tmp_path / "data")]) == 1
    error = capsys.readouterr().err
    assert f"{tmp_path / 'en.yaml'}" in error and "git checkout assets/i18n" in error
    assert "Traceback" not in error
    assert not (tmp_path / "data" / DATABASE_FILE_NAME).exists()  # stopped before recording


# --- no display ---------------------------------------------------------------------------------
def test_the_game_refuses_to_run_where_no_one_can_see_it(home: Home, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = run_cli(
        home,
        *("play", str(home.level), "--data-dir", str(data_dir), "--autoplay", "--exit-when-done"),
        env_changes={"SDL_VIDEODRIVER": None, "DISPLAY": ":93", "WAYLAND_DISPLAY": None},
    )
    assert_refused(result, 1, "invisibly", "SDL_VIDEODRIVER=offscreen", "make demo")
    assert not data_dir.exists()  # nothing recorded, not even an empty database


# --- a bug ------------------------------------------------------------------------------------
def test_an_unexpected_error_says_where_the_log_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(_args: object) -> int:
        raise ZeroDivisionError("a bug in OnBeat")

    def parser_of_a_broken_command() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser()
        parser.set_defaults(command="broken", handler=broken)
        return parser

    monkeypatch.setattr(cli_main, "build_parser", parser_of_a_broken_command)
    assert cli_main.main([]) == 1
    error = capsys.readouterr().err
    log_file = tmp_path / "state" / "OnBeat" / "log" / "onbeat.log"
    assert "unexpected problem (ZeroDivisionError: a bug in OnBeat)" in error
    assert str(log_file) in error and "Traceback" not in error
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback" in logged and "a bug in OnBeat" in logged
    assert oct(log_file.stat().st_mode & 0o777) == oct(0o600)
    assert oct(log_file.parent.stat().st_mode & 0o777) == oct(0o700)
