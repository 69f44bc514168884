"""Sessions carry the name the station joined its clinic under (`run.py clinic join
--station`), else the kiosk's configured name, else the computer's: the station column of
every export and of the clinic's server says which room a session was played in."""

from __future__ import annotations

import platform
from pathlib import Path

from engine.store.clinic.settings import join, station_name_in
from engine.store.opening import open_store
from tests.fault_rigs import make_home, record_demo


def recorded_stations(data_dir: Path) -> list[str]:
    store = open_store(data_dir, read_only=True)
    try:
        return [session.station for session in store.list_sessions()]
    finally:
        store.close()


def test_a_joined_station_records_its_sessions_under_the_name_it_joined_with(
    tmp_path: Path,
) -> None:
    home, data_dir = make_home(tmp_path), tmp_path / "station"
    store = open_store(data_dir)
    try:
        join(store, "postgresql://onbeat@clinic.invalid/onbeat", "room-2")
    finally:
        store.close()
    record_demo(home, data_dir)
    assert recorded_stations(data_dir) == ["room-2"]


def test_without_a_clinic_the_kiosk_name_then_the_computer_name(tmp_path: Path) -> None:
    assert station_name_in(None) == (platform.node() or "station")
    assert station_name_in(tmp_path / "nothing-yet") == (platform.node() or "station")
    assert station_name_in(tmp_path / "nothing-yet", "front-desk") == "front-desk"
    open_store(tmp_path / "station").close()
    assert station_name_in(tmp_path / "station", "front-desk") == "front-desk"
