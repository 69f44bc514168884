"""The one judge: numba kernels that pair taps with beats and judge each by the windows in
force for its own target, online (tap by tap in the live loop) and in batch (a whole session,
one merge of sorted taps and targets, ``merge``; millions of taps in pieces on all cores,
``chunks``), with identical results (``kernels``), and what they
refuse, with messages that name the fix (``checks``); the Judgement
type that knows what a hit is (``judgement``); and the one summary of judged taps that the
HUD, results, rewards and reports all show (``summary``).
May import `engine.levels` and `engine.timing`; nothing of pygame, the store or game.
"""
