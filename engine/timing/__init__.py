"""Time: the audio clock and host clock, and where beats fall on them.

`clock` maps host nanoseconds (CLOCK_MONOTONIC) to audio sample frames and milliseconds;
`host_clock` is the host clock the loop reads (real or virtual in tests); `schedule` lays a
task's beats out as sample frames. Pure Python and numpy: imports nothing of pygame or game.
"""
