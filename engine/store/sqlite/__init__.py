"""The SQLite backend of the store: one file per station (WAL, foreign keys on).

``store`` opens and configures the file and hands the connection to the SQL store of
engine/store/sql/ (whose queries every backend shares; engine/store/migrations/ brings the
file up to date); ``files`` keeps the files private, ``faults`` says what an error
means and what to do, ``backup`` keeps the daily last good copy. Only engine/store imports
this package's modules, and only the opening of a store names it.
"""
