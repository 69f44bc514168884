"""Words of the judgements and plain colours of scenes outside play. Gentle on a miss: never
an alarm word. (The judgements' colours and shapes are in game/look.py, per child.)"""

from __future__ import annotations

JUDGEMENT_WORDS: dict[str, str] = {
    "sro": "Right on!",
    "good": "Great!",
    "ok": "Good",
    "off": "Keep going",
    "extra": "",
}
THEME_BACKGROUNDS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "pond": ((18, 70, 78), (30, 110, 100)),
    "space": ((12, 14, 40), (40, 30, 90)),
    "parade": ((90, 30, 50), (150, 70, 60)),
}
TEXT = (245, 245, 250)
DIM_TEXT = (200, 205, 215)
