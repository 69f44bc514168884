"""The PostgreSQL backend of the store: a clinic's server of record, reached with psycopg 3.

``store`` opens a server by its URL and hands the connection to the SQL store of
engine/store/sql/ (the same queries as a station's SQLite file); ``address`` reads a URL and
writes it without its password; ``faults`` says what a server's error means and what to do.
Only engine/store imports this package.
"""
