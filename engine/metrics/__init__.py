"""Numbers from scored taps: clinic metrics per task, research metrics of synchronisation
(phase, continuation, Wing–Kristofferson), per-session summaries, progress across
sessions and toward a child's goals. Pure functions over arrays and records; no database, no
drawing.
"""
