"""Results of a level, for the child: stars, a short celebration, one big friendly figure
("38 on the beat!"), praise that fits the round, and the dots of every tap.

The clinic's numbers (Task Average, SRO %, early and late) are for therapists: they are on
the therapist's session screen and in the reports, never here. The longest run is the same
run the play screen counted (engine/session/streak.py).

Leaving wants a deliberate choice: a press that is also a tap (a click, a touch, the pad's A)
must be held, and for a moment after the level such presses are not taken at all; Enter
and the pad's Start choose at once (game/widgets.py). A child clapping on never starts a
level from here.
"""

from __future__ import annotations

import math

import pygame

from engine.levels.model import Level, Windows
from engine.levels.text import level_in_language
from engine.session.play import PlaySession
from engine.session.praise import praise_kind
from engine.session.rewards import Progress, profile_progress, stars_for_hit_rate
from game.canvas import Canvas, design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.scene import Goto
from game.tap_chart import draw_tap_chart
from game.text import draw_text
from game.widgets import STAR_OFF, STAR_ON, Button, draw_star

STAR_POP_S = 0.35  # each star grows in over this long...
STAR_STAGGER_S = 0.3  # ...one after the other
CELEBRATION_S = 2.2  # confetti falls this long (not at all with less movement)
CONFETTI_PIECES = 60
CONFETTI_COLOURS = ((255, 205, 40), (90, 210, 120), (90, 170, 240), (240, 120, 160))
RUN_SHOWN_FROM = 2  # a run of one is not worth a line


class ResultsScene(MenuScene):
    hold_taps = True

    def __init__(
        self,
        context: GameContext,
        level: Level,
        session: PlaySession,
        progress_before: Progress | None = None,
        back_to: Goto | None = None,
        again: Goto | None = None,
    ) -> None:
        """``back_to``: where Continue goes (the level map if None); ``again``: the same level
        anew (no "again" button without it)."""
        super().__init__(context)
        self.level = level
        self.shown_level = level_in_language(level, context.settings.language)
        self.session = session
        self.overall = session.overall()
        self.stars = stars_for_hit_rate(self.overall.hit_rate)
        self.praise = praise_kind(self.overall.hits, self.overall.targets)
        self.longest_run = session.streak.longest
        self.summaries = session.view(0).results
        taps = [session.task_taps(index) for index in range(len(self.summaries))]
        self.asynchrony_ms = [a for task in taps for a in task.asynchrony_ms]
        self.judgements = [j for task in taps for j in task.judgements]
        # Each tap's own windows (adaptive levels change them); an unpaired tap has none and
        # is drawn over the windows of the tap before it.
        self.windows: list[Windows] = []
        for windows in (w for task in taps for w in task.windows):
            self.windows.append(windows or (self.windows[-1] if self.windows else level.windows))
        self.progress_before = progress_before
        self.back_to = back_to or Goto("level_map")
        self.again = again
        self.new_stickers: tuple[str, ...] = ()
        self._shown_at_ns: int | None = None
        self._age_s = 0.0  # since the results were first shown: the stars pop in, confetti

    def on_enter(self) -> None:
        context = self.context
        if context.profile is None:
            return
        context.recorder.flush()  # this session's taps must be in the store to count
        store = context.open_store()
        try:
            after = profile_progress(store, context.profile.code, context.library.levels_by_theme)
        finally:
            store.close()
        before = self.progress_before
        earlier = set(before.stickers) if before is not None else set(after.stickers)
        self.new_stickers = tuple(s for s in after.stickers if s not in earlier)

    def headline(self) -> str:
        """The one big friendly figure; after a round without hits, the encouragement."""
        if self.overall.hits == 0:
            return self.text("praise.try_again")
        return self.text("results.on_the_beat", hits=self.overall.hits)

    def praise_line(self) -> str:
        return "" if self.overall.hits == 0 else self.text(f"praise.{self.praise}")

    def title(self) -> str:
        return self.shown_level.title

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        go_on = pygame.Rect(0, 0, int(300 * unit), int(72 * unit))
        go_on.bottomright = (width - int(30 * unit), height - int(24 * unit))
        buttons = [Button("continue", self.text("results.continue"), go_on)]
        if self.again is not None:
            again = go_on.move(-(go_on.width + int(24 * unit)), 0)
            buttons.append(Button("again", self.text("results.again"), again))
        return buttons

    def activate(self, key: str) -> None:
        if key == "again" and self.again is not None:
            self.next = self.again
        elif key in ("continue", "back"):
            self.next = self.back_to

    def on_update(self, now_ns: int) -> None:
        if self._shown_at_ns is None:
            self._shown_at_ns = now_ns
        super().on_update(now_ns)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        if self._shown_at_ns is None:
            self._shown_at_ns = now_ns
        self._age_s = (now_ns - self._shown_at_ns) / 1e9
        return super().on_draw(now_ns)

    def draw_more(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        look = self.context.look
        still = look.reduced_motion
        age_s = self._age_s
        for index in range(3):
            grown = 1.0 if still else _ease(age_s - index * STAR_STAGGER_S, STAR_POP_S)
            colour = STAR_ON if index < self.stars else STAR_OFF
            center = (width / 2 + (index - 1) * 110 * unit, 162 * unit)
            if grown > 0:
                draw_star(surface, center, 44 * unit * grown, colour)
        draw_text(
            surface, self.headline(), int(76 * self.unit), STAR_ON, center=(width / 2, 258 * unit)
        )
        lines = [self.praise_line()]
        if self.longest_run >= RUN_SHOWN_FROM:
            lines.append(self.text("results.longest_run", run=self.longest_run))
        line = "   ".join(text for text in lines if text)
        if line:
            draw_text(
                surface, line, int(34 * self.unit), look.text_colour, center=(width / 2, 324 * unit)
            )
        chart = pygame.Rect(
            int(60 * unit), int(362 * unit), int(width - 120 * unit), int(height - 482 * unit)
        )
        if self.asynchrony_ms:
            words = {
                "late": self.text("results.chart_late"),
                "early": self.text("results.chart_early"),
                "ms": "{ms:+.0f} ms",
            }
            canvas = Canvas(surface, lambda rect: rect, look)
            draw_tap_chart(
                canvas,
                chart,
                self.asynchrony_ms,
                self.judgements,
                self.windows or self.level.windows,
                words,
                window_labels=look.show_ms,
            )
        if self.new_stickers:
            names = ", ".join(self.text(f"sticker.{sticker}") for sticker in self.new_stickers)
            draw_text(
                surface,
                self.text("results.new_sticker", names=names),
                int(30 * self.unit),
                STAR_ON,
                topleft=(30 * unit, height - 78 * unit),
            )
        else:
            draw_text(
                surface,
                self.text("results.hold_hint"),
                int(22 * self.unit),
                look.dim_text_colour,
                topleft=(30 * unit, height - 70 * unit),
            )
        if self.stars and not still and age_s < CELEBRATION_S:
            _confetti(surface, age_s, unit)


def _ease(elapsed_s: float, length_s: float) -> float:
    """0 before, rising past 1 and settling at 1: a star that pops in."""
    if elapsed_s <= 0:
        return 0.0
    t = min(1.0, elapsed_s / length_s)
    return t + 0.25 * math.sin(math.pi * t)


def _confetti(surface: pygame.Surface, age_s: float, unit: float) -> None:
    """A short shower of confetti, the same every time (no randomness to test around)."""
    width, height = surface.get_size()
    for piece in range(CONFETTI_PIECES):
        x0 = (piece * 97 % 101) / 101 * width
        speed = (0.45 + (piece * 37 % 23) / 40) * height
        y = -20 * unit + age_s * speed - (piece * 53 % 17) * 12 * unit
        if not -10 * unit < y < height:
            continue
        x = x0 + math.sin(age_s * 3 + piece) * 30 * unit
        colour = CONFETTI_COLOURS[piece % len(CONFETTI_COLOURS)]
        size = max(3, int(9 * unit))
        pygame.draw.rect(surface, colour, (int(x), int(y), size, int(size * 0.6)))
