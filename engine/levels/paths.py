"""Where level files live: the shipped `levels/` folder, its schema, the user's own folder."""

from __future__ import annotations

from pathlib import Path

import platformdirs

LEVEL_SUFFIX = ".yaml"
BUILTIN_LEVELS_DIR = Path(__file__).resolve().parents[2] / "levels"
SCHEMA_PATH = BUILTIN_LEVELS_DIR / "schema.json"

# Kinds of level folder, in the order the game reads them.
FOLDER_BUILTIN = "built-in"
FOLDER_USER = "user"
FOLDER_EXTRA = "extra"  # given with --levels-dir
FOLDER_CLINIC = "clinic"  # the clinic's shared levels, brought down by its sync


def user_levels_dir() -> Path:
    """The user's own levels folder; it may not exist yet."""
    return Path(platformdirs.user_data_dir("OnBeat", appauthor=False)) / "levels"


def clinic_levels_dir(data_dir: Path) -> Path:
    """Where a clinic's station keeps the levels published to its clinic (docs/clinic.md);
    the clinic's sync writes it, nobody else."""
    return data_dir / "levels" / "clinic"
