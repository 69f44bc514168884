"""Storage: the records a session produces and what therapists add (``records``, ``columns``),
the ``Store`` protocol that the rest of OnBeat depends on (``protocol``), the one SQL data
layer (``sql/``: SQLAlchemy Core tables and queries) over a station's SQLite file
(``sqlite/``) or a clinic's PostgreSQL server (``postgres/``), the Alembic migrations
(``migrations/``), the one place that opens a store (``opening``), the recorder that writes
a live session from a background thread (``recorder``), which process records a session and
whether it still runs (``owners``), and a clinic station's sync with its server
(``clinic/``).

Only this package talks to a database. Domain code (sessions, metrics, reports) imports
``records``, ``columns`` and ``protocol``, never a backend; this package imports nothing of
OnBeat's outside itself.
"""
