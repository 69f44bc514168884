"""Storage: the records a session produces and what therapists add (``records``, ``columns``),
the ``Store`` protocol that the rest of OnBeat depends on (``protocol``), its SQLite backend
with the schema and migrations (``sqlite/``), the one place that opens a store (``opening``),
the recorder that writes a live session from a background thread (``recorder``), and which
process records a session and whether it still runs (``owners``).

Only this package talks to a database. Domain code (sessions, metrics, reports) imports
``records``, ``columns`` and ``protocol``, never ``sqlite``; this package imports nothing of
OnBeat's outside itself.
"""
