"""Where a station's therapist may save a child's report or export: the reports folder of the
settings, the data folder's own exports/ (kept with the data, backed up with it), and any
removable drive (a USB stick) the operating system has mounted for the station's account.
"""

from __future__ import annotations

import getpass
from pathlib import Path

EXPORTS_FOLDER = "exports"
# Where Linux desktops mount a stick (udisks: /media/USER or /run/media/USER), and macOS.
MEDIA_ROOTS = ("/media/{user}", "/run/media/{user}", "/Volumes")


def mounted_drives(roots: tuple[str, ...] = MEDIA_ROOTS, user: str | None = None) -> list[Path]:
    """The folders of the removable drives mounted now, by name, that the station may write."""
    user = user or getpass.getuser()
    drives: list[Path] = []
    for root in roots:
        folder = Path(root.format(user=user))
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue  # no such folder on this system, or not ours to read
        drives += [entry for entry in entries if entry.is_dir() and not entry.name.startswith(".")]
    return drives


def save_folders(
    reports_folder: Path, data_dir: Path, drives: list[Path] | None = None
) -> list[Path]:
    """The folders to offer, in order: the reports folder, the data folder's exports/, then
    each mounted drive (``drives``: those of `mounted_drives` when None)."""
    folders = [reports_folder, data_dir / EXPORTS_FOLDER]
    for drive in mounted_drives() if drives is None else drives:
        if drive not in folders:
            folders.append(drive)
    return folders
