"""How an OnBeat database's schema moves forward: Alembic revisions, one per schema version
(``versions/r0001_*.py`` is version 1, and so on), written with Alembic's operations so that
they build a station's SQLite file and a clinic's PostgreSQL server alike. ``runner`` drives
Alembic from code (no alembic.ini), stamps a file of the releases before Alembic at its old
version and upgrades it in place, and says when a database is too new or too old.
``in_force_upgrade`` is version 6's filling-in of older SQLite sessions. Imports nothing of
OnBeat outside engine/store.
"""
