"""PlayView snapshots built in code, and a stand-in session that shows them to the scene."""

from __future__ import annotations

from dataclasses import replace

from engine.session.play_view import PHASE_PLAYING, Feedback, PlayView
from tests.level_factory import make_level, make_task

JUDGEMENTS = ("sro", "good", "ok", "off", "extra")
ALTERNATING_CUES = ((0.3, "right_toe"), (0.9, "left_toe"), (1.5, "right_toe"), (2.1, "left_toe"))


def make_view(**overrides) -> PlayView:
    fields = dict(
        phase=PHASE_PLAYING,
        level_title="Frog Hop",
        task_index=0,
        task_count=2,
        task_name="Hop, hop, hop!",
        instruction="Clap with both hands on every croak!",
        next_limb="right_toe",
        count_in_beats_left=0,
        beat_fraction=0.5,
        beat_number=4,
        upcoming_s=ALTERNATING_CUES,
        visual_cue="full",
        metronome_silent=False,
        feedback=(),
        task_average_ms=20.0,
        sro_percent=40.0,
        paired_taps=5,
        results=(),
        theme="pond",
        streak=3,
        praise_streak=None,
    )
    fields.update(overrides)
    return PlayView(**fields)


def tapped(judgement: str, age_s: float, asynchrony_ms: float = -12.0) -> tuple:
    """A view's feedback field holding one tap of this judgement, ``age_s`` old."""
    return ((Feedback(judgement, asynchrony_ms, 48_000, "right_toe"), age_s),)


class ShownSession:
    """What PlayScene needs from a session, showing whatever view it is given."""

    def __init__(self, view: PlayView) -> None:
        self.shown = view
        self.level = replace(make_level(make_task(), make_task()), theme=view.theme)
        self.finished = False

    def view(self, now_ns: int, visual_offset_ms: float = 0.0) -> PlayView:
        return self.shown

    def on_taps(self, taps) -> None:
        pass

    def update(self, now_ns: int) -> None:
        pass
