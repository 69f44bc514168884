"""The one data layer of every OnBeat database: SQLAlchemy 2 Core tables (``tables``) and the
queries built from them, which run unchanged on a station's SQLite file and on a clinic's
PostgreSQL server (psycopg 3).

``store`` puts together the queries of ``sessions`` (profiles and sessions), ``recordings``
(tasks, beats, taps, adaptation steps), ``clinical`` (notes, plans, adaptive positions,
progress sums), ``kiosk`` (station settings, the append-only audit log, plans given to
profiles) and ``chart`` (therapists, minutes per code, signatures, goals, chart fields);
``connected`` is what they share (transactions, bulk paths); ``reading`` is what a read-only
store does differently. The backends open the connection and explain its errors.
Imports nothing of OnBeat outside engine/store.
"""
