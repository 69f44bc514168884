"""A clinic server's address: a SQLAlchemy URL for psycopg 3, and the same without its
password, the only form that may appear in output, logs and reports."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from engine.store.protocol import StoreError

_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def server_url(text: str) -> URL:
    """The URL of ``text`` (``postgresql://user:password@host:port/database?sslmode=...``)
    for psycopg 3; StoreError (without the password) when it is not a PostgreSQL URL."""
    try:
        url = make_url(text.strip())
    except ArgumentError as error:
        raise StoreError(
            f"{redact_text(text)} is not a database URL; write it as "
            "postgresql://USER@HOST:5432/DATABASE (see docs/clinic.md)"
        ) from error
    if url.drivername not in _SCHEMES:
        raise StoreError(
            f"{redact(url)}: the clinic's server is PostgreSQL; write its URL as "
            "postgresql://USER@HOST:5432/DATABASE (see docs/clinic.md)"
        )
    return url.set(drivername="postgresql+psycopg")


def redact(url: URL) -> str:
    """``url`` as text with its password (if any) replaced by ***."""
    return url.set(drivername=url.drivername.split("+")[0]).render_as_string(hide_password=True)


def redact_text(text: str) -> str:
    """Text that holds a URL, with the password of ``scheme://user:password@`` hidden, for
    text that did not even read as a URL."""
    scheme, separator, rest = text.partition("://")
    if not separator or "@" not in rest:
        return text
    credentials, at, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    hidden = f"{user}:***" if ":" in credentials else user
    return f"{scheme}://{hidden}{at}{host}"
