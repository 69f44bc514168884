"""The SQLite backend of the store: one file per station (WAL, foreign keys on).

``store`` opens and configures the file and assembles SqliteStore from the queries of
``sessions`` (profiles and sessions), ``recordings`` (tasks, beats, taps, adaptation steps)
``clinical`` (notes, plans, adaptive positions, progress sums) and ``kiosk`` (station
settings, the append-only audit log, plans given to profiles); ``schema`` holds the tables
and the migrations between schema versions; ``connected`` what they all share. ``files``
keeps the files private, ``faults`` says what an error means and what to do, ``reading`` is
what a read-only store does differently, ``backup`` keeps the daily last good copy. Only
engine/store imports this package's modules, and only the opening of a store names it.
"""
