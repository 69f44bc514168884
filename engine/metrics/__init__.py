"""Numbers from scored taps: clinic metrics per task, research metrics of synchronisation
(phase, continuation, Wing–Kristofferson), per-session summaries and progress across
sessions. Pure functions over arrays and records; no database, no drawing.
"""
