"""A child's plan at the kiosk: the path of stops (where they are, what is next), the breaks the
plan asks for, and the celebration at the end. engine/session/plan_progress.py decides what
comes next; these scenes show it and go where it says."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pygame

from engine.input.pump import Tap, UiEvent
from engine.levels.model import Level
from engine.session.plan_progress import (
    BREAK,
    DONE,
    NextUp,
    PlanPlace,
    RunState,
    current_run,
    next_up,
    take_break,
)
from engine.session.plans import Plan, plan_of_json
from game.avatars import draw_avatar
from game.canvas import design_unit
from game.context import GameContext
from game.kiosk.base import KioskMenuScene
from game.kiosk.state import KioskState
from game.palette import THEME_BACKGROUNDS
from game.text import draw_text
from game.widgets import STAR_OFF, STAR_ON, Button, draw_star

NS_PER_S = 1_000_000_000
BREATH_PERIOD_S = 8.0  # four seconds in, four out: a calm breath for a child


class KioskPlanScene(KioskMenuScene):
    """The path of today's run: stops done, the next one, the ones to come; Go! plays it."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)
        self.plan: Plan | None = None
        self.plan_id: int | None = None
        self.run: RunState | None = None
        self.up: NextUp | None = None
        self.missing_level: str | None = None

    def on_enter(self) -> None:
        profile = self.context.profile
        if profile is None:
            self.goto("kiosk_attract")
            return
        store = self.context.open_store()
        try:
            assigned = store.assigned_plan(profile.code)
            sessions = store.list_sessions(profile.code)
        finally:
            store.close()
        if assigned is None:
            self.kiosk.plan_profile_code = None
            self.goto("level_map")  # no plan: the child picks levels on the map
            return
        self.kiosk.plan_profile_code = profile.code
        defaults = self.kiosk.config.plan_defaults
        self.plan = plan_of_json(assigned.definition_json).with_defaults(defaults)
        self.plan_id = assigned.plan_id
        self.run = current_run(
            self.plan, assigned.plan_id, sessions, datetime.now(UTC), defaults.resume_within_hours
        )
        breaks = self.kiosk.break_log(profile.code, assigned.plan_id, self.run.run_number)
        self.up = next_up(self.plan, self.run, breaks)
        if self.up.kind == DONE:
            self.goto("kiosk_celebration")
        elif self.up.kind == BREAK:
            self.kiosk.set_break_log(
                profile.code,
                assigned.plan_id,
                self.run.run_number,
                take_break(breaks, self.run, self.up),
            )
            self.goto("kiosk_break", seconds=self.up.break_s)
        elif self._level(self.up.stop.level_id) is None:
            self.missing_level = self.up.stop.level_id

    def _level(self, level_id: str) -> Level | None:
        return next((level for level in self.context.library.levels if level.id == level_id), None)

    def title(self) -> str:
        name = self.context.profile.display_name if self.context.profile else ""
        return self.say("plan.title", name=name)

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        # Back to the players, as Esc: a finger has no Esc key.
        back = pygame.Rect(int(24 * unit), int(34 * unit), int(150 * unit), int(52 * unit))
        buttons = [Button("back", self.say("back"), back)]
        if self.up is None or self.up.stop is None or self.missing_level is not None:
            return buttons
        go = pygame.Rect(0, 0, int(300 * unit), int(90 * unit))
        go.midbottom = (width // 2, height - int(40 * unit))
        return [Button("go", self.say("plan.go"), go), *buttons]

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto("kiosk_players")
        elif key == "go" and self.up is not None and self.up.stop is not None:
            level = self._level(self.up.stop.level_id)
            assert level is not None and self.run is not None and self.plan_id is not None
            place = PlanPlace(self.plan_id, self.run.run_number, self.up.stop.index)
            self.goto("play", level=level, plan_place=place)

    def draw_more(self, surface: pygame.Surface) -> None:
        if self.run is None:
            return
        width, height = surface.get_size()
        unit = self.unit
        stops = self.run.stops
        look = self.context.look
        left, right = 110 * unit, width - 110 * unit
        step = (right - left) / max(1, len(stops) - 1)
        points = [
            (left + index * step, height * 0.5 + math.sin(index * 1.3) * 60 * unit)
            for index in range(len(stops))
        ]
        if len(points) > 1:
            pygame.draw.lines(surface, (120, 150, 200), False, points, max(4, int(10 * unit)))
        current = self.up.stop.index if self.up is not None and self.up.stop else None
        radius = 46 * unit
        for stop, point in zip(stops, points, strict=True):
            done = stop.index in self.run.completed
            colour = (
                (90, 190, 120)
                if done
                else ((255, 205, 40) if stop.index == current else (70, 90, 130))
            )
            pygame.draw.circle(surface, colour, point, radius)
            pygame.draw.circle(surface, (255, 255, 255), point, radius, max(2, int(4 * unit)))
            if done:
                draw_star(surface, point, radius * 0.6, STAR_ON)
            elif stop.index != current:
                draw_star(surface, point, radius * 0.45, STAR_OFF)
            level = self._level(stop.level_id)
            name = (
                self.say("plan.assessment")
                if stop.plan_level is None
                else (level.title if level is not None else stop.level_id)
            )
            draw_text(
                surface, name, int(24 * unit * look.text_scale), look.text_colour,
                center=(point[0], point[1] + radius + 24 * unit),
            )  # fmt: skip
        if current is not None and self.context.profile is not None:
            x, y = points[current]
            draw_avatar(
                surface,
                self.context.profile.avatar,
                (int(x), int(y - radius * 2.1)),
                int(radius * 0.9),
            )
        if self.missing_level is not None:
            draw_text(
                surface, self.say("plan.missing_level", level=self.missing_level),
                int(30 * unit), (255, 215, 150), center=(width / 2, height - 80 * unit),
            )  # fmt: skip


class KioskBreakScene(KioskMenuScene):
    """A break the plan asks for: breathe with the circle until the time is up."""

    def __init__(self, context: GameContext, kiosk: KioskState, seconds: float) -> None:
        super().__init__(context, kiosk)
        self.seconds = seconds
        self._started_ns: int | None = None
        self._now_ns = 0

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        pass  # the break is the plan's: no key ends it early

    def on_update(self, now_ns: int) -> None:
        if self._started_ns is None:
            self._started_ns = now_ns
        self._now_ns = now_ns
        if self.left_s() <= 0:
            self.kiosk.keep_break_logs()  # taken: a restart from now on does not offer it again
            self.goto("kiosk_plan")

    def left_s(self) -> float:
        if self._started_ns is None:
            return self.seconds
        return self.seconds - (self._now_ns - self._started_ns) / NS_PER_S

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        width, height = surface.get_size()
        unit = design_unit((width, height))
        top, bottom = THEME_BACKGROUNDS["pond"]
        surface.fill(top)
        elapsed_s = 0.0 if self._started_ns is None else (now_ns - self._started_ns) / NS_PER_S
        breath = 0.5 - 0.5 * math.cos(2 * math.pi * elapsed_s / BREATH_PERIOD_S)
        if self.context.look.reduced_motion:
            breath = 0.5
        center = (width // 2, int(height * 0.48))
        pygame.draw.circle(surface, bottom, center, int((90 + 110 * breath) * unit))
        pygame.draw.circle(
            surface, (120, 200, 190), center, int((60 + 90 * breath) * unit), max(2, int(6 * unit))
        )
        draw_text(
            surface,
            self.say("break.title"),
            int(56 * unit),
            (255, 255, 255),
            center=(width / 2, 70 * unit),
        )
        draw_text(
            surface,
            self.say("break.breathe"),
            int(34 * unit),
            (220, 235, 235),
            center=(width / 2, height * 0.84),
        )
        left = max(0, math.ceil(self.left_s()))
        time = f"{left // 60}:{left % 60:02d}"
        draw_text(
            surface,
            self.say("break.left", time=time),
            int(30 * unit),
            (200, 220, 220),
            center=(width / 2, height * 0.92),
        )
        return None


class KioskCelebrationScene(KioskMenuScene):
    """The end of a run: stars rain, and the child is asked to fetch their therapist."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)
        rng = random.Random(7)  # the same confetti each time: calm, not a slot machine
        self._stars = [(rng.random(), rng.random(), 0.5 + rng.random()) for _ in range(40)]

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        pass  # waits for the therapist (the PIN pad opens from anywhere)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        width, height = surface.get_size()
        unit = design_unit((width, height))
        surface.fill(THEME_BACKGROUNDS["space"][0])
        seconds = 0.0 if self.context.look.reduced_motion else now_ns / NS_PER_S
        for x, y, speed in self._stars:
            fall = (y + seconds * 0.08 * speed) % 1.0
            draw_star(surface, (x * width, fall * height), (10 + 8 * speed) * unit, STAR_ON)
        profile = self.context.profile
        if profile is not None:
            draw_avatar(surface, profile.avatar, (width // 2, int(height * 0.4)), int(80 * unit))
        name = profile.display_name if profile is not None else ""
        draw_text(
            surface,
            self.say("celebrate.title", name=name),
            int(70 * unit),
            (255, 255, 255),
            center=(width / 2, height * 0.68),
        )
        draw_text(
            surface,
            self.say("celebrate.call"),
            int(54 * unit),
            (255, 235, 120),
            center=(width / 2, height * 0.82),
        )
        return None
