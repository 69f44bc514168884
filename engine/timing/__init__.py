"""Time: the audio clock and host clock, and where beats fall on them.

`clock` maps host nanoseconds (CLOCK_MONOTONIC) to audio sample frames and milliseconds;
`tempo_map` is the one converter of beats and frames, and says which tempo and IOI are in
force at a beat; `host_clock` is the host clock the loop reads (real or virtual in tests);
`schedule` lays a task's beats and targets out as sample frames, with the windows in force for
each target. Pure Python and numpy: imports nothing of pygame or game.
"""
