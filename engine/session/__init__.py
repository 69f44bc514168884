"""One child's session as domain logic: the play session the live loop drives (count-in,
tasks, pause, feedback), adaptation (the staircase), rewards, calibration, and the simulated
tapper. Depends on the store only through its records and protocol; never on pygame or game.
"""
