"""A station of a clinic: its link to the clinic's PostgreSQL server and the sync over it.

A station always records into its own SQLite file; ``sync`` sends the server what it lacks
(profiles, plans, ended sessions with everything they produced, notes, audit rows), one
transaction a session, keyed by the rows' clinic-wide UUIDs so that sending twice, or again
after a kill, adds nothing twice; brings down the profiles, plans, chart and shared levels
of the clinic; and settles edits made on two sides by the later one (sync/ says how).
``settings`` is where the station keeps its server and name, ``background`` runs syncs off
the game's frame loop, ``roles`` is the SQL that gives stations a role of their own on the
server. Part of engine/store (it talks to both databases); imports nothing outside it.
"""
