"""A child's reports and exports behind the PIN: an export of one profile holds that child's
sessions only; the station offers its reports folder, its data folder's exports/ and any
mounted stick, or a folder typed in; each file is 0600 and an audit row names it."""

from __future__ import annotations

import csv
import stat
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from engine.reports.destinations import EXPORTS_FOLDER, mounted_drives, save_folders
from engine.reports.export import WHAT, count_rows, export
from engine.store.opening import open_store
from tests.kiosk_harness import PIN, Station, audit_rows, harness, kiosk_station, open_pad
from tests.kiosk_harness import type_pin as enter_pin
from tests.test_cli import run_cli
from tests.test_export import record_session


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture
def two_children(tmp_path: Path) -> tuple[Path, str, list[int], list[int]]:
    """Robin with two sessions and Sam with one, each of three taps and two beats."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    robin = [record_session(store, "Robin", "hands-1"), record_session(store, "Robin", "feet-1")]
    sam = [record_session(store, "Sam", "hands-1")]
    code = store.session(robin[0]).profile_code
    store.close()
    return data_dir, code, robin, sam


def test_an_export_of_one_profile_holds_its_sessions_only(two_children, tmp_path: Path) -> None:
    data_dir, code, robin, _sam = two_children
    store = open_store(data_dir)
    try:
        for what in WHAT:
            out = tmp_path / f"{what}.csv"
            written = export(store, out, what, "csv", profile_code=code)
            rows = csv_rows(out)
            assert len(rows) == written == count_rows(store, what, None, code)
            assert {int(row["session_id"]) for row in rows} == set(robin), what
        assert count_rows(store, "taps", None, code) == 6  # and the station has 9
        with pytest.raises(LookupError):
            export(store, tmp_path / "x.csv", "taps", "csv", profile_code="P-NOSUCH")
        with pytest.raises(ValueError):
            export(store, tmp_path / "x.csv", "taps", "csv", robin[0], profile_code=code)
    finally:
        store.close()
    result = run_cli(
        "export", "--what", "sessions", "--profile", code, "--out", str(tmp_path / "cli.csv"),
        "--data-dir", str(data_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [int(row["session_id"]) for row in csv_rows(tmp_path / "cli.csv")] == robin
    unknown = run_cli(
        "export", "--profile", "P-NOSUCH", "--out", str(tmp_path / "no.csv"),
        "--data-dir", str(data_dir),
    )  # fmt: skip
    assert unknown.returncode == 1 and "P-NOSUCH: no such profile" in unknown.stderr


def test_the_folders_offered_are_the_reports_folder_exports_and_mounted_sticks(
    tmp_path: Path,
) -> None:
    media = tmp_path / "media" / "kiosk"
    (media / "STICK").mkdir(parents=True)
    (media / ".hidden").mkdir()
    roots = (str(tmp_path / "media" / "{user}"), str(tmp_path / "no-such-root"))
    drives = mounted_drives(roots, user="kiosk")
    assert drives == [media / "STICK"]
    folders = save_folders(tmp_path / "reports", tmp_path / "data", drives)
    assert folders == [tmp_path / "reports", tmp_path / "data" / EXPORTS_FOLDER, media / "STICK"]


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    with kiosk_station(tmp_path) as made:
        yield made


def test_a_childs_report_and_exports_go_to_the_chosen_folder_private_and_audited(
    station, tmp_path: Path
) -> None:
    data_dir, _recorder, _library, mia = station
    store = open_store(data_dir)
    mine = record_session(store, "Mia", "stop-one")
    record_session(store, "Ben", "stop-one")  # another child's: never in Mia's files
    store.close()
    kiosk = harness(station, reports_dir=tmp_path / "reports")
    open_pad(kiosk)
    enter_pin(kiosk, PIN)
    kiosk.click("reports")
    kiosk.click(f"player:{mia}")
    assert kiosk.director.scene.folder == tmp_path / "reports"
    kiosk.click("folder")  # the next folder offered: the data folder's exports/
    exports = data_dir / EXPORTS_FOLDER
    assert kiosk.director.scene.folder == exports
    for key in ("export:taps", "export:sessions", "report:html"):
        kiosk.click(key)
    saved = sorted(exports.iterdir())
    assert sorted(path.suffix for path in saved) == [".csv", ".csv", ".html"]
    assert all(mia in path.name for path in saved)
    assert all(mode_of(path) == 0o600 for path in saved)
    taps = next(path for path in saved if "-taps-" in path.name)
    assert {int(row["session_id"]) for row in csv_rows(taps)} == {mine}
    names = [detail for action, detail in audit_rows(data_dir)[-3:]]
    assert sorted(names) == sorted(path.name for path in saved)

    # Another folder, typed (a stick's path, here a folder of the test's).
    stick = tmp_path / "STICK"
    kiosk.click("type_folder")  # the keyboard opens on the folder shown; a therapist clears it
    kiosk.director.scene.folder_text = ""
    kiosk.post(pygame.event.Event(pygame.TEXTINPUT, text=str(stick)))
    kiosk.run(0.2)
    kiosk.click("done")
    assert kiosk.director.scene.folder == stick
    kiosk.click("report:pdf")
    [pdf] = list(stick.iterdir())
    assert pdf.suffix == ".pdf" and mode_of(pdf) == 0o600
    assert audit_rows(data_dir)[-1] == ("report_saved", pdf.name)

    # A folder that is not a whole path is refused, and the folder stays.
    kiosk.click("type_folder")
    kiosk.director.scene.folder_text = ""
    kiosk.post(pygame.event.Event(pygame.TEXTINPUT, text="usb"))
    kiosk.run(0.2)
    kiosk.click("done")
    assert kiosk.director.scene.folder == stick
    assert "whole folder path" in kiosk.director.scene.message
    kiosk.close()
