"""Colours of the judgements and the themes. Gentle on a miss: never an alarm red."""

from __future__ import annotations

JUDGEMENT_COLOURS: dict[str, tuple[int, int, int]] = {
    "sro": (255, 205, 40),  # gold: right on
    "good": (90, 210, 120),
    "ok": (90, 170, 240),
    "off": (180, 150, 220),
    "extra": (150, 150, 160),
}
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
TARGET = (250, 250, 255)
