"""The one judge: numba kernels that pair taps with beats and judge each by its windows,
online (tap by tap in the live loop) and in batch (a whole session), with identical results.
May import `engine.levels` and `engine.timing`; nothing of pygame, the store or game.
"""
