"""What a PostgreSQL error means for the person at the keyboard: the server cannot be
reached (the network, the address, the server stopped), the password or role is refused, the
role may not do this, or the server's disk is full. Messages name the server without its
password."""

from __future__ import annotations

import psycopg
from psycopg import errors

from engine.store.protocol import StoreError, StoreFullError, StoreReadOnlyError


class ServerUnreachableError(StoreError):
    """The clinic's server did not answer (network down, wrong address, server stopped)."""


def _server(where: str) -> str:
    return f"the clinic's server {where}" if where else "the clinic's server"


def unreachable(where: str, error: BaseException) -> ServerUnreachableError:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ServerUnreachableError(
        f"cannot reach {_server(where)} ({reason}); check the network and that the server "
        "runs. Nothing recorded here is lost: it is sent at the next sync."
    )


def server_failure(error: BaseException, where: str) -> StoreError | None:
    """The StoreError that explains ``error`` met while using the server ``where``, or None
    when it is not the database's (a record refused by a constraint, a bug)."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, errors.InsufficientPrivilege):
        return StoreReadOnlyError(
            f"{_server(where)} refused this to the station's role "
            f"({error.diag.message_primary}); ask the clinic's administrator "
            "(docs/clinic.md, 'Roles')."
        )
    refused = "authentication failed" in str(error) or "no pg_hba.conf entry" in str(error)
    if refused or isinstance(error, errors.InvalidAuthorizationSpecification):
        return StoreError(
            f"{_server(where)} refused the user or password; check the URL given with "
            "--server or ONBEAT_CLINIC_URL (docs/clinic.md)."
        )
    if isinstance(error, errors.DiskFull):
        return StoreFullError(
            f"{_server(where)} is out of disk space; its administrator must free "
            "some. Nothing recorded here is lost."
        )
    if isinstance(error, psycopg.OperationalError | OSError):
        return unreachable(where, error)
    return None
