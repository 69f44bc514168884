"""What the ``run.py clinic`` commands do with a station and its server: make or upgrade the
server, join it, sync, and say where things stand. Each opens what it needs and closes it;
a server that cannot be reached is a StoreError of one line (ServerUnreachableError)."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from engine.store.clinic import settings
from engine.store.clinic.roles import grant_station_role
from engine.store.clinic.sync import SyncCounts, sessions_not_on_server, sync
from engine.store.clinic.sync.levels import text_sha256
from engine.store.opening import open_server_store, open_store, server_address
from engine.store.protocol import StoreError
from engine.store.sql import tables as t
from engine.store.sql.connected import edit_time_utc, upsert
from engine.store.sql.store import SqlStore


class NotJoinedError(StoreError):
    """No server was given and the station has not joined one."""


def init_server(url: str, station_role: str | None = None) -> str:
    """Make or upgrade the schema of the server at ``url``; with ``station_role``, give
    that role a station's rights. Returns the server's address without its password."""
    server = open_server_store(url, read_only=False, upgrade=True)
    try:
        if station_role:
            grant_station_role(server._connection, station_role)  # type: ignore[attr-defined]
    finally:
        server.close()
    return server_address(url)


def join(data_dir: Path, url: str, station_name: str) -> str:
    """Check that the server answers with this OnBeat's schema, then remember it and the
    station's name in the station's settings. Returns the server's address for messages."""
    open_server_store(url, read_only=True).close()
    station = open_store(data_dir)
    try:
        settings.join(station, url, station_name)
    finally:
        station.close()
    return server_address(url)


def _url(given: str | None, station: SqlStore) -> str:
    url = settings.server_url_of(given, station)
    if url is None:
        raise NotJoinedError(
            f"{station.path}: this station has not joined a clinic; run `run.py clinic join "
            f"--server URL --station NAME`, or give --server or {settings.URL_VARIABLE}"
        )
    return url


@dataclass(frozen=True)
class SyncResult:
    server: str  # the address without its password
    counts: SyncCounts


def sync_station(
    data_dir: Path,
    given_url: str | None = None,
    levels_dir: Path | None = None,
    check_level: Callable[[Path, str], str | None] | None = None,
) -> SyncResult:
    """One sync of the station in ``data_dir`` with its server (``given_url`` first); with
    ``levels_dir`` and ``check_level``, the clinic's shared levels come down there
    (engine/store/clinic/sync/levels.py)."""
    station = open_store(data_dir)
    try:
        url = _url(given_url, station)  # type: ignore[arg-type]
        server = open_server_store(url, read_only=False)
        try:
            name = _name_of(station)
            counts = sync(station, server, name, levels_dir, check_level)  # type: ignore[arg-type]
        finally:
            server.close()
        station.set_station_setting(
            settings.LAST_SYNC_SETTING, datetime.now(UTC).isoformat(timespec="seconds")
        )
        return SyncResult(server_address(url), counts)
    finally:
        station.close()


def _name_of(station: SqlStore) -> str:
    return settings.station_name_of(station) or platform.node() or "station"


@dataclass(frozen=True)
class ClinicLevel:
    level_id: str
    sha256: str
    published_at_utc: str
    station: str  # the station it was published from


def publish_level(
    data_dir: Path, level_id: str, yaml_text: str, given_url: str | None = None
) -> tuple[str, ClinicLevel]:
    """Put a level file (checked by the caller) on the clinic's server, replacing an earlier
    publication of the same id; stations bring it down at their next sync. Returns the
    server's address and what was stored."""
    station = open_store(data_dir)
    try:
        url = _url(given_url, station)  # type: ignore[arg-type]
        name = _name_of(station)  # type: ignore[arg-type]
    finally:
        station.close()
    level = ClinicLevel(level_id, text_sha256(yaml_text), edit_time_utc(), name)
    server = open_server_store(url, read_only=False)
    try:
        values = {
            "level_id": level_id,
            "yaml_text": yaml_text,
            "sha256": level.sha256,
            "published_at_utc": level.published_at_utc,
            "station": name,
        }
        statement = upsert(server._dialect_name, t.clinic_levels).values(values)  # type: ignore[attr-defined]
        with server.transaction():
            server._run(  # type: ignore[attr-defined]
                statement.on_conflict_do_update(index_elements=["level_id"], set_=values)
            )
    finally:
        server.close()
    return server_address(url), level


def clinic_levels(data_dir: Path, given_url: str | None = None) -> tuple[str, list[ClinicLevel]]:
    """The levels published to the clinic, by id."""
    station = open_store(data_dir, read_only=True)
    try:
        url = _url(given_url, station)  # type: ignore[arg-type]
    finally:
        station.close()
    server = open_server_store(url, read_only=True)
    try:
        c = t.clinic_levels.c
        rows = server._fetch_rows(  # type: ignore[attr-defined]
            select(c.level_id, c.sha256, c.published_at_utc, c.station).order_by(c.level_id)
        )
    finally:
        server.close()
    return server_address(url), [ClinicLevel(*row) for row in rows]


@dataclass(frozen=True)
class StationStatus:
    station_name: str | None
    server: str | None  # without its password; None: not joined
    last_sync_utc: str | None
    sessions_here: int
    sessions_not_sent: int | None  # None: the server could not be asked
    server_problem: str | None  # why not, in one line


def station_status(data_dir: Path, given_url: str | None = None) -> StationStatus:
    station = open_store(data_dir, read_only=True)
    try:
        url = settings.server_url_of(given_url, station)
        sessions_here = len(station.list_sessions())
        not_sent, problem = None, None
        if url is not None:
            try:
                server = open_server_store(url, read_only=True)
                try:
                    not_sent = sessions_not_on_server(station, server)  # type: ignore[arg-type]
                finally:
                    server.close()
            except StoreError as error:
                problem = str(error)
        return StationStatus(
            settings.station_name_of(station),
            None if url is None else server_address(url),
            station.station_setting(settings.LAST_SYNC_SETTING),
            sessions_here,
            not_sent,
            problem,
        )
    finally:
        station.close()
