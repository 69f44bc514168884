"""Storage: the record types that a session produces, the store that keeps them (SQLite
now), its schema and migrations, and the recorder that writes taps from a background
thread. Only this package talks to a database.
"""
