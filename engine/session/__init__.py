"""One child's session as domain logic: the play session the live loop drives (count-in,
tasks, pause, feedback), adaptation (the staircase), rewards, calibration, and the simulated
tapper; and the kiosk station's rules: session plans and the progress through them, the PIN
gate and the PIN's hash, idle times, the supervisor's restart policy, the audit log. Depends
on the store only through its records and protocol; never on pygame or game.
"""
