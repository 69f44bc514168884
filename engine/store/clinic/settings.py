"""Which clinic server a station syncs with, and under what name.

The server's URL comes from the command line, else the environment (ONBEAT_CLINIC_URL),
else the station's own settings (written by ``run.py clinic join``, kept in its database,
which only its owner can read). Only its redacted form (password ***) is ever shown.
"""

from __future__ import annotations

import os

from engine.store.protocol import Store

URL_VARIABLE = "ONBEAT_CLINIC_URL"
SERVER_SETTING = "clinic_server_url"
STATION_SETTING = "clinic_station_name"
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
