"""The throwaway PostgreSQL cluster the clinic-database tests run against really serves."""

from __future__ import annotations

import sqlalchemy as sa

from tests.pg_cluster import Cluster


def test_the_cluster_takes_a_database_a_table_and_rows(postgres: Cluster) -> None:
    admin = sa.create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("CREATE DATABASE cluster_check"))
    admin.dispose()

    engine = sa.create_engine(postgres.database_url("cluster_check"))
    metadata = sa.MetaData()
    taps = sa.Table(
        "taps",
        metadata,
        sa.Column("tap_id", sa.BigInteger, primary_key=True),
        sa.Column("asynchrony_ms", sa.Float, nullable=False),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.insert(taps), [{"asynchrony_ms": -12.5}, {"asynchrony_ms": 3.25}])
    with engine.connect() as connection:
        rows = connection.execute(sa.select(taps.c.asynchrony_ms).order_by(taps.c.tap_id)).all()
        version = connection.execute(sa.text("SHOW server_version")).scalar_one()
    engine.dispose()
    assert [row.asynchrony_ms for row in rows] == [-12.5, 3.25]
    assert int(version.split(".")[0]) >= 15
