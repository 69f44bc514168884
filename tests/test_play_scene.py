"""The play painter's HUD: partial frames, feedback, limb guidance, praise, and its words."""

from __future__ import annotations

import pygame
import pytest

from engine.levels.limbs import LIMBS
from engine.session.play_view import PHASE_BETWEEN, PHASE_COUNT_IN, PHASE_PLAYING
from game.i18n import Messages
from game.look import Look
from game.play_painter import (
    PlayPainter,
    judgement_word,
    merge_overlapping,
    praise_line,
    signed_ms_text,
)
from tests.play_views import JUDGEMENTS, ShownSession, make_view, tapped

TEXT = Messages("en")


@pytest.fixture
def window():
    pygame.display.init()

    def open_window(size: tuple[int, int] = (1280, 720)) -> pygame.Surface:
        return pygame.display.set_mode(size)

    yield open_window
    pygame.display.quit()


def painter_for(view, surface: pygame.Surface, look: Look | None = None) -> PlayPainter:
    return PlayPainter(ShownSession(view), surface, look=look)


def rendered_texts(painter: PlayPainter) -> set[str]:
    return {text for text, _, _ in painter._text._images}


def test_after_the_first_frame_only_changed_parts_are_presented(window):
    surface = window()
    painter = painter_for(make_view(feedback=tapped("sro", 0.1), praise_streak=5), surface)
    assert painter.draw(0) is None  # the first frame shows the whole window
    changed = painter.draw(1)
    assert changed
    presented_px = sum(rect.width * rect.height for rect in merge_overlapping(changed))
    assert presented_px < 0.5 * surface.get_width() * surface.get_height()


def test_a_new_task_line_repaints_the_whole_window_once(window):
    surface = window()
    session = ShownSession(make_view())
    painter = PlayPainter(session, surface)
    painter.draw(0)
    assert painter.draw(1) is not None
    session.shown = make_view(task_index=1, task_name="Heel walk")
    assert painter.draw(2) is None
    assert painter.draw(3) is not None


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_every_phase_and_judgement_draws_with_every_look(window, size):
    surface = window(size)
    looks = (Look(), Look(colour_blind=True, high_contrast=True, large_text=True, show_ms=False))
    for look in looks:
        for phase in (PHASE_COUNT_IN, PHASE_PLAYING, PHASE_BETWEEN):
            for judgement in JUDGEMENTS:
                view = make_view(
                    phase=phase,
                    feedback=tapped(judgement, 0.2),
                    count_in_beats_left=3,
                    praise_streak=10,
                    metronome_silent=True,
                    theme="parade",
                )
                painter = painter_for(view, surface, look)
                painter.draw(0)
                painter.draw(1)


def test_feedback_shows_the_word_and_the_signed_ms_only_when_asked(window):
    surface = window()
    view = make_view(feedback=tapped("good", 0.2, asynchrony_ms=-23.0))
    shown = painter_for(view, surface, Look(show_ms=True))
    shown.draw(0)
    assert {"Great!", "-23 ms early"} <= rendered_texts(shown)
    hidden = painter_for(view, surface, Look(show_ms=False))
    hidden.draw(0)
    assert "Great!" in rendered_texts(hidden)
    assert not any(" ms" in text for text in rendered_texts(hidden))


def test_an_old_tap_no_longer_shows_its_word(window):
    surface = window()
    painter = painter_for(make_view(feedback=tapped("ok", 2.0, asynchrony_ms=71.0)), surface)
    painter.draw(0)
    assert "+71 ms late" not in rendered_texts(painter)


def test_limb_guidance_names_the_next_limb(window):
    surface = window()
    for limb in LIMBS:
        painter = painter_for(make_view(next_limb=limb), surface)
        painter.draw(0)
        assert TEXT(f"limb.{limb}") in rendered_texts(painter)
    assert TEXT("limb.left_toe") == "Left toe"


def test_praise_and_streak_lines(window):
    surface = window()
    painter = painter_for(make_view(streak=10, praise_streak=10), surface)
    painter.draw(0)
    assert {praise_line(TEXT, 10), "10 in a row"} <= rendered_texts(painter)


def test_praise_lines_cover_every_milestone():
    assert praise_line(TEXT, 5) == "Five in a row!"
    assert praise_line(TEXT, 20) == "20 in a row! Amazing!"
    assert praise_line(TEXT, 35) == "35 in a row! Amazing!"
    assert praise_line(Messages("es"), 35) == "¡35 seguidos! ¡Increíble!"


def test_signed_ms_says_early_or_late():
    assert signed_ms_text(TEXT, -12.4) == "-12 ms early"
    assert signed_ms_text(TEXT, 8.0) == "+8 ms late"
    assert signed_ms_text(TEXT, 0.0) == "+0 ms"
    assert signed_ms_text(Messages("es"), 8.0) == "+8 ms tarde"


def test_no_harsh_words_for_a_miss():
    for language in ("en", "es"):
        text = Messages(language)
        assert judgement_word(text, "off") and judgement_word(text, "extra") == ""
        for harsh in ("miss", "wrong", "bad", "fail", "mal", "error", "fallo"):
            assert harsh not in judgement_word(text, "off").lower()


def test_merge_overlapping_joins_only_what_touches():
    rects = [pygame.Rect(0, 0, 10, 10), pygame.Rect(5, 5, 10, 10), pygame.Rect(100, 0, 5, 5)]
    assert merge_overlapping(rects) == [pygame.Rect(0, 0, 15, 15), pygame.Rect(100, 0, 5, 5)]
    chained = [pygame.Rect(0, 0, 10, 10), pygame.Rect(20, 0, 10, 10), pygame.Rect(8, 0, 14, 4)]
    assert merge_overlapping(chained) == [pygame.Rect(0, 0, 30, 10)]


def test_a_resized_window_is_drawn_whole_at_its_new_size(window):
    surface = window((1280, 720))
    painter = painter_for(make_view(feedback=tapped("good", 0.1)), surface)
    painter.draw(0)
    assert painter.draw(1) is not None
    resized = pygame.display.set_mode((1920, 1080))  # the display surface, now larger
    painter.surface = resized
    assert painter.draw(2) is None
    assert painter._layer.get_size() == (1920, 1080)
    assert painter.draw(3) is not None
