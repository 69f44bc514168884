"""Finding the levels the game offers: the shipped ones, the therapist's own, extra folders.

Levels come from four kinds of folder, read in this order: the built-in `levels/` of the
checkout, the user's levels folder (created on demand, so that a therapist can find where
to put files), the levels a clinic shared with a station (`clinic_levels_dir` of its data
folder, when given), and folders given with `--levels-dir`. A bad file anywhere becomes a problem
in the result, never an exception; an id that an earlier folder already uses is a problem
of the later file, so a user's file cannot silently replace a shipped level.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.levels.load import load_level, load_levels
from engine.levels.model import Level
from engine.levels.paths import (
    BUILTIN_LEVELS_DIR,
    FOLDER_BUILTIN,
    FOLDER_CLINIC,
    FOLDER_EXTRA,
    FOLDER_USER,
    user_levels_dir,
)
from engine.levels.schema import Theme
from engine.levels.yaml_reader import FILE_WHERE, LevelError, LevelProblem

THEMES: tuple[str, ...] = typing.get_args(Theme)


@dataclass(frozen=True)
class LevelFolder:
    path: Path
    kind: str  # FOLDER_BUILTIN, FOLDER_USER or FOLDER_EXTRA


@dataclass(frozen=True)
class LevelLibrary:
    """Every valid level found, in reading order, and the problems of every bad file."""

    folders: tuple[LevelFolder, ...]
    levels: tuple[Level, ...]
    problems: tuple[LevelProblem, ...]

    @property
    def levels_by_theme(self) -> dict[str, tuple[Level, ...]]:
        """Levels per theme, every theme of the format present (maybe empty), in THEMES order."""
        return {
            theme: tuple(level for level in self.levels if level.theme == theme) for theme in THEMES
        }


def discover_levels(
    extra_dirs: Iterable[str | Path] = (),
    *,
    builtin_dir: Path = BUILTIN_LEVELS_DIR,
    user_dir: Path | None = None,
    clinic_dir: Path | None = None,
) -> LevelLibrary:
    """Load the levels of ``builtin_dir``, ``user_dir``, ``clinic_dir`` (if given) and
    ``extra_dirs``, in that order. A missing ``clinic_dir`` is left out (its station has not
    synced any shared level: not a clinic's, or not yet).

    ``user_dir`` defaults to `user_levels_dir()` and is created if missing; a folder that
    cannot be created or read is reported as a problem like a bad file.
    """
    user_dir = user_levels_dir() if user_dir is None else user_dir
    folders = (
        LevelFolder(builtin_dir, FOLDER_BUILTIN),
        LevelFolder(user_dir, FOLDER_USER),
        *(
            ()
            if clinic_dir is None or not clinic_dir.is_dir()
            else (LevelFolder(clinic_dir, FOLDER_CLINIC),)
        ),
        *(LevelFolder(Path(folder), FOLDER_EXTRA) for folder in extra_dirs),
    )
    problems = []
    readable = list(folders)
    try:
        user_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        what = f"cannot create your levels folder: {error.strerror or error}"
        problems.append(LevelProblem(user_dir, 1, 1, FILE_WHERE, what))
        readable.remove(folders[1])  # reading it would only report the same folder again
    levels, load_problems = load_levels(folder.path for folder in readable)
    return LevelLibrary(folders, tuple(levels), (*problems, *load_problems))


def clinic_level_problem(path: Path, level_id: str) -> str | None:
    """Why the level file at ``path`` may not be kept as the clinic's level ``level_id`` (it
    does not load, or it is another level), or None. For a clinic's sync, which checks each
    shared level before it writes it (engine/store/clinic/sync/levels.py)."""
    try:
        level = load_level(path)
    except LevelError as error:
        first = error.problems[0]
        more = len(error.problems) - 1
        return f"line {first.line}: {first.where}: {first.what}" + (
            f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        )
    if level.id != level_id:
        return f"the file is level {level.id!r}, not {level_id!r}"
    return None
