"""The kiosk as a child meets it: the attract screen that shows how to start, the avatars to
pick from, and the screen shown after repeated crashes. Display names and avatars only: no
codes, no numbers."""

from __future__ import annotations

import math

import pygame

from engine.input.pump import Tap, UiEvent
from engine.store.profile_choice import picker_order
from engine.store.records import ProfileRecord
from game.avatars import AVATARS, draw_avatar
from game.canvas import design_unit
from game.context import GameContext
from game.kiosk.base import KioskMenuScene
from game.kiosk.state import KioskState
from game.paging import rows_between
from game.palette import THEME_BACKGROUNDS
from game.text import draw_text
from game.widgets import Button

BEAT_PERIOD_NS = 600_000_000  # the attract screen's pulse: 100 bpm, a child's easy tempo


class KioskAttractScene(KioskMenuScene):
    """Waits for the next child: a bouncing beat and how to start. Any key or touch starts."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if taps or any(event.kind in ("key", "pointer", "button") for event in ui_events):
            self.goto("kiosk_players")

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        width, height = surface.get_size()
        unit = design_unit((width, height))
        top, bottom = THEME_BACKGROUNDS["pond"]
        surface.fill(top)
        pygame.draw.rect(surface, bottom, (0, height * 0.62, width, height * 0.38))
        moving = not self.context.look.reduced_motion
        phase = (now_ns % BEAT_PERIOD_NS) / BEAT_PERIOD_NS
        beat = (now_ns // BEAT_PERIOD_NS) % 4
        # Four avatars hop in turn with the beat: the one on the beat jumps.
        for index, name in enumerate(list(AVATARS)[:4]):
            hop = math.sin(math.pi * phase) if moving and index == beat else 0.0
            center = (
                int(width / 2 + (index - 1.5) * 170 * unit),
                int(height * 0.55 - hop * 70 * unit),
            )
            draw_avatar(surface, name, center, int(52 * unit))
        draw_text(
            surface, "OnBeat", int(130 * unit), (255, 255, 255), center=(width / 2, height * 0.2)
        )
        glow = 0.75 + 0.25 * math.cos(2 * math.pi * phase) if moving else 1.0
        colour = tuple(int(channel * glow) for channel in (255, 235, 120))
        draw_text(
            surface,
            self.say("attract.start"),
            int(46 * unit),
            colour,
            center=(width / 2, height * 0.8),
        )
        draw_text(
            surface,
            self.say("attract.station", station=self.kiosk.config.station_name),
            int(22 * unit),
            (170, 200, 200),
            center=(width / 2, height - 24 * unit),
        )
        return None


class KioskPlayersScene(KioskMenuScene):
    """The avatars of the station's players (those config/kiosk.yaml lets appear)."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)
        self.players: list[ProfileRecord] = []
        self.pages = self.paging("players")  # as many rows of cards as the window holds

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            profiles = store.list_profiles()
        finally:
            store.close()
        shown = self.kiosk.config.profiles
        self.players = picker_order([p for p in profiles if shown is None or p.code in shown])

    def title(self) -> str:
        return self.say("players.title")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        columns, gap = 4, int(24 * unit)
        card_w = min(int(230 * unit), (width - (columns + 1) * gap) // columns)
        card_h = int(190 * unit)
        left = (width - columns * card_w - (columns - 1) * gap) // 2
        back = pygame.Rect(0, 0, int(200 * unit), int(60 * unit))
        back.bottomright = (width - int(30 * unit), height - int(24 * unit))
        top = int(120 * unit)
        rows = rows_between(top, back.top - gap, card_h, card_h + gap)
        buttons = []
        for slot, index in enumerate(self.pages.fit(len(self.players), rows * columns)):
            player = self.players[index]
            row, column = divmod(slot, columns)
            rect = pygame.Rect(
                left + column * (card_w + gap), top + row * (card_h + gap), card_w, card_h
            )
            button = Button(
                f"player:{player.code}", player.display_name, rect, draw_extra=_face(player)
            )
            buttons.append(self.pages.row(button, index))
        buttons.append(Button("back", self.say("back"), back))
        area = pygame.Rect(left, back.top, back.left - gap - left, back.height)
        return [*buttons, *self.page_controls(self.pages, area)]

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto("kiosk_attract")
        elif key.startswith("player:"):
            code = key.split(":", 1)[1]
            self.context.profile = next(p for p in self.players if p.code == code)
            self.goto("kiosk_plan")

    def draw_more(self, surface: pygame.Surface) -> None:
        if not self.players:
            width, height = surface.get_size()
            draw_text(
                surface,
                self.say("players.none"),
                int(36 * self.unit),
                self.context.look.text_colour,
                center=(width / 2, height / 2),
            )


def _face(player: ProfileRecord):
    def draw(surface: pygame.Surface, rect: pygame.Rect) -> None:
        radius = rect.height // 4
        draw_avatar(
            surface, player.avatar, (rect.centerx, rect.top + radius + rect.height // 8), radius
        )

    return draw


class KioskCallScene(KioskMenuScene):
    """After repeated crashes: no flicker of restarts, a calm page that asks for an adult. The
    therapist opens the PIN pad as anywhere, and chooses to try again or to stop."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        pass  # nothing a child does here changes anything

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        width, height = surface.get_size()
        unit = design_unit((width, height))
        surface.fill((28, 36, 60))
        breath = 0.5 + 0.5 * math.sin(now_ns / 1e9 * 2 * math.pi / 6)
        if self.context.look.reduced_motion:
            breath = 0.5
        pygame.draw.circle(
            surface,
            (70, 110, 160),
            (width // 2, int(height * 0.36)),
            int((70 + 30 * breath) * unit),
        )
        draw_avatar(surface, "owl", (width // 2, int(height * 0.36)), int(60 * unit))
        draw_text(
            surface, self.say("call.title"), int(44 * unit), (220, 225, 235),
            center=(width / 2, height * 0.62),
        )  # fmt: skip
        draw_text(
            surface, self.say("call.call"), int(64 * unit), (255, 235, 120),
            center=(width / 2, height * 0.74),
        )  # fmt: skip
        return None
