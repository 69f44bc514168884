"""Level discovery: built-in, the user's folder and extra folders; bad files never stop it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.levels.library import THEMES, discover_levels
from engine.levels.paths import (
    BUILTIN_LEVELS_DIR,
    FOLDER_BUILTIN,
    FOLDER_EXTRA,
    FOLDER_USER,
    user_levels_dir,
)

SHIPPED_COUNT = len(list(BUILTIN_LEVELS_DIR.rglob("*.yaml")))


def level_text(level_id: str, theme: str = "pond") -> str:
    return f"""\
format: 1
id: {level_id}
title: Hop
theme: {theme}
tempo_bpm: 100
tasks:
  - name: Hop
    limb: both_hands
    length: {{beats: 20}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_levels_dir_follows_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert user_levels_dir() == tmp_path / "OnBeat" / "levels"


def test_shipped_levels_alone(tmp_path: Path) -> None:
    library = discover_levels(user_dir=tmp_path / "mine")
    assert library.problems == ()
    assert len(library.levels) == SHIPPED_COUNT
    by_theme = library.levels_by_theme
    assert list(by_theme) == list(THEMES) == ["pond", "space", "parade"]
    assert sum(len(levels) for levels in by_theme.values()) == SHIPPED_COUNT
    assert all(level.theme == theme for theme, levels in by_theme.items() for level in levels)


def test_three_kinds_of_folder_in_order_and_bad_files_listed(tmp_path: Path) -> None:
    user_dir = tmp_path / "user" / "levels"
    mine = write(user_dir, "my-hop.yaml", level_text("my-hop", "space"))
    extra = tmp_path / "clinic"
    theirs = write(extra, "clinic-hop.yaml", level_text("clinic-hop", "parade"))
    broken = write(extra, "broken.yaml", level_text("broken").replace("tempo_bpm", "tempo"))
    clash = write(extra, "clash.yaml", level_text("my-hop"))

    library = discover_levels([extra], user_dir=user_dir)

    assert [(folder.path, folder.kind) for folder in library.folders] == [
        (BUILTIN_LEVELS_DIR, FOLDER_BUILTIN),
        (user_dir, FOLDER_USER),
        (extra, FOLDER_EXTRA),
    ]
    assert [level.source_path for level in library.levels[-2:]] == [mine, theirs]
    assert library.levels_by_theme["space"][-1].id == "my-hop"
    assert library.levels_by_theme["parade"][-1].id == "clinic-hop"
    assert [(problem.path, problem.where) for problem in library.problems] == [
        (broken, "tempo_bpm"),
        (broken, "tempo"),
        (clash, "id"),
    ]
    assert str(mine) in library.problems[-1].what


def test_a_user_level_cannot_take_a_shipped_id(tmp_path: Path) -> None:
    clash = write(tmp_path, "frog.yaml", level_text("frog-hop"))
    library = discover_levels(user_dir=tmp_path)
    assert len(library.levels) == SHIPPED_COUNT
    (problem,) = library.problems
    assert problem.path == clash
    assert str(BUILTIN_LEVELS_DIR / "pond" / "frog-hop.yaml") in problem.what


def test_the_user_folder_is_created_on_demand(tmp_path: Path) -> None:
    user_dir = tmp_path / "deep" / "down" / "levels"
    library = discover_levels(user_dir=user_dir)
    assert user_dir.is_dir()
    assert library.problems == ()


def test_a_user_folder_that_cannot_be_made_is_one_problem(tmp_path: Path) -> None:
    in_the_way = write(tmp_path, "OnBeat", "a file where the folder should be")
    library = discover_levels(user_dir=in_the_way / "levels")
    assert len(library.levels) == SHIPPED_COUNT
    assert [str(problem) for problem in library.problems] == [
        f"{in_the_way / 'levels'}:1:1: (file): cannot create your levels folder: Not a directory"
    ]


def test_missing_extra_folder_is_a_problem_not_a_stop(tmp_path: Path) -> None:
    library = discover_levels([tmp_path / "gone"], user_dir=tmp_path / "mine")
    assert len(library.levels) == SHIPPED_COUNT
    assert [str(problem) for problem in library.problems] == [
        f"{tmp_path / 'gone'}:1:1: (file): cannot read: No such file or directory"
    ]


def test_empty_themes_are_still_listed(tmp_path: Path) -> None:
    write(tmp_path / "only", "hop.yaml", level_text("hop"))
    library = discover_levels(
        [tmp_path / "only"], builtin_dir=tmp_path / "none", user_dir=tmp_path / "mine"
    )
    assert {theme: len(levels) for theme, levels in library.levels_by_theme.items()} == {
        "pond": 1,
        "space": 0,
        "parade": 0,
    }
