"""Which clinic server a station syncs with, and under what name.

The server's URL comes from the command line, else the environment (ONBEAT_CLINIC_URL),
else the station's own settings (written by ``run.py clinic join``, kept in its database,
which only its owner can read). Only its redacted form (password ***) is ever shown.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from engine.store.opening import open_store, store_exists
from engine.store.protocol import Store, StoreError
from engine.store.sql.connected import JOINED_STATION_SETTING

URL_VARIABLE = "ONBEAT_CLINIC_URL"
SERVER_SETTING = "clinic_server_url"
STATION_SETTING = JOINED_STATION_SETTING
LAST_SYNC_SETTING = "clinic_last_sync_utc"


def server_url_of(given: str | None, station: Store | None) -> str | None:
    """The server's URL: ``given`` (--server), else $ONBEAT_CLINIC_URL, else the one the
    station joined; None when there is none."""
    if given:
        return given
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE]
    if station is not None:
        return station.station_setting(SERVER_SETTING)
    return None


def join(station: Store, url: str, station_name: str) -> None:
    """Remember the server and this station's name in the station's settings."""
    if not station_name.strip():
        raise ValueError("a station needs a name, such as room-2")
    with station.transaction():
        station.set_station_setting(SERVER_SETTING, url)
        station.set_station_setting(STATION_SETTING, station_name.strip())


def station_name_of(station: Store) -> str | None:
    return station.station_setting(STATION_SETTING)


def station_name_in(data_dir: Path | None, configured: str | None = None) -> str:
    """The name sessions recorded in ``data_dir`` carry as their station: the one it joined
    its clinic under (``run.py clinic join --station``), else ``configured`` (a kiosk's
    config), else the computer's name. A folder with no readable store yet has no joined
    name; that is no reason to stop a child's level, so it falls through."""
    joined = None
    if data_dir is not None and store_exists(data_dir):
        try:
            store = open_store(data_dir, read_only=True)
        except StoreError:
            store = None
        if store is not None:
            try:
                joined = station_name_of(store)
            finally:
                store.close()
    return joined or configured or platform.node() or "station"
