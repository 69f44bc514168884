"""Plain colours of scenes outside play. (The judgements' colours and shapes are in
game/look.py, per child; their words in the message catalogues.)"""

from __future__ import annotations

THEME_BACKGROUNDS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "pond": ((18, 70, 78), (30, 110, 100)),
    "space": ((12, 14, 40), (40, 30, 90)),
    "parade": ((90, 30, 50), (150, 70, 60)),
}
TEXT = (245, 245, 250)
DIM_TEXT = (200, 205, 215)
