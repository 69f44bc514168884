"""Behind the PIN: a child's plan built or changed on the station itself, with big controls
for a finger. The levels of each run in order (added from the station's levels, removed,
moved up and down, a break after any of them), the standard assessment every N runs, the
session length and the breaks by the clock.

engine/session/plan_draft.py makes each change; saving writes the plan as a plan file
(engine/session/plans.py, ``plan_yaml``) and gives it to the child through the same checks a
file from `run.py plans set` goes through, with its audit row. `run.py plans show CODE`
then shows it, file and all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame

from engine.input.pump import Tap, UiEvent
from engine.levels.model import Level
from engine.levels.progression import map_levels
from engine.levels.text import level_in_language
from engine.session import plan_draft
from engine.session.plans import LevelError, Plan, assign_plan_text, plan_of_json, plan_yaml
from engine.store.records import ProfileRecord
from game.canvas import design_unit
from game.context import GameContext
from game.kiosk.base import KioskMenuScene
from game.kiosk.state import KioskState
from game.paging import rows_between
from game.text import draw_text
from game.widgets import Button, draw_fitted_text, take_typing

# The level list, in design pixels: its rows from the top down to its page buttons, which sit
# a fixed distance above the window's foot (a taller window shows more rows).
STOPS_TOP, STOP_HEIGHT, STOP_PITCH, STOPS_PAGER_FROM_FOOT = 186, 54, 62, 98
CATALOGUE_COLUMNS, CATALOGUE_ROWS = 2, 4
EDITOR_PATH = Path("plan editor")  # names the plan in the problems the checks find
MAX_TITLE_LENGTH = 80
ARROW: tuple[int, int, int] = (255, 255, 255)
DIM: tuple[int, int, int] = (110, 120, 150)
BREAK_ON: tuple[int, int, int] = (90, 190, 120)

# The steppers: (key, what it changes).
STEPPERS: tuple[tuple[str, Callable[[Plan, int], Plan]], ...] = (
    ("assessment", plan_draft.step_assessment_every),
    ("minutes", plan_draft.step_session_minutes),
    ("break_every", plan_draft.step_break_every),
    ("break_seconds", plan_draft.step_break_seconds),
)


class KioskPlanEditScene(KioskMenuScene):
    def __init__(self, context: GameContext, kiosk: KioskState, profile: ProfileRecord) -> None:
        super().__init__(context, kiosk)
        self.profile = profile
        self.plan = plan_draft.new_plan("", kiosk.config.plan_defaults)
        self.title_text = ""
        self.catalogue: list[Level] = [
            level for levels in map_levels(context.library.levels_by_theme).values()
            for level in levels
        ]  # fmt: skip
        self.stop_pages = self.paging("stops")
        self.stops_shown = range(0)
        self.catalogue_pages = self.paging("catalogue")
        self.message = ""
        self.saved = False

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            assigned = store.assigned_plan(self.profile.code)
        finally:
            store.close()
        defaults = self.kiosk.config.plan_defaults
        if assigned is not None:
            self.plan = plan_of_json(assigned.definition_json).with_defaults(defaults)
        else:
            title = self.say("edit.new_title", name=self.profile.display_name)
            self.plan = plan_draft.new_plan(title, defaults)
        self.title_text = self.plan.title
        pygame.key.start_text_input()  # a keyboard types the plan's name too

    def on_exit(self) -> None:
        pygame.key.stop_text_input()

    def title(self) -> str:
        return self.say("edit.title", name=self.profile.display_name, code=self.profile.code)

    # --- layout -------------------------------------------------------------------------------
    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))

        def rect(x: float, y: float, w: float, h: float) -> pygame.Rect:
            return pygame.Rect(int(x * unit), int(y * unit), int(w * unit), int(h * unit))

        buttons = [Button("name", "", rect(30, 96, 700, 50), draw_extra=self._draw_name)]
        levels = self.plan.levels
        pager_top = height / unit - STOPS_PAGER_FROM_FOOT
        rows = rows_between(STOPS_TOP, int(pager_top) - 8, STOP_HEIGHT, STOP_PITCH)
        self.stops_shown = self.stop_pages.fit(len(levels), rows)
        pages = self.stop_pages
        for row, index in enumerate(self.stops_shown):
            top = STOPS_TOP + row * STOP_PITCH
            last = index == len(levels) - 1
            buttons += [
                pages.row(
                    Button(
                        f"up:{index}", "", rect(380, top, 64, 54), index > 0, _arrow(-1, index > 0)
                    ),
                    index,
                ),
                pages.row(
                    Button(
                        f"down:{index}", "", rect(452, top, 64, 54), not last, _arrow(1, not last)
                    ),
                    index,
                ),
                pages.row(
                    Button(f"remove:{index}", "", rect(524, top, 64, 54), draw_extra=_cross), index
                ),
                pages.row(
                    Button(
                        f"break:{index}",
                        "",
                        rect(596, top, 134, 54),
                        not last,
                        self._break_drawer(index),
                    ),
                    index,
                ),
            ]
        earlier, later = self.say("edit.earlier"), self.say("edit.later")
        buttons += self.page_controls(pages, rect(30, pager_top, 700, 46), earlier, later)
        language = self.context.settings.language
        pages = self.catalogue_pages
        shown = pages.fit(len(self.catalogue), CATALOGUE_COLUMNS * CATALOGUE_ROWS)
        for slot, index in enumerate(shown):
            level = self.catalogue[index]
            row, column = divmod(slot, CATALOGUE_COLUMNS)
            title = level_in_language(level, language).title
            button = Button(
                f"add:{level.id}", title, rect(760 + column * 250, 126 + row * 58, 240, 50)
            )
            buttons.append(pages.row(button, index))
        earlier, later = self.say("edit.previous"), self.say("edit.next")
        buttons += self.page_controls(pages, rect(760, 360, 490, 46), earlier, later)
        for row, (key, _step) in enumerate(STEPPERS):
            top = 420 + row * 56
            buttons.append(Button(f"step:{key}:-1", "", rect(1120, top, 60, 48), draw_extra=_minus))
            buttons.append(Button(f"step:{key}:1", "", rect(1190, top, 60, 48), draw_extra=_plus))
        foot = height / unit
        buttons.append(Button("back", self.say("edit.cancel"), rect(760, foot - 68, 240, 58)))
        buttons.append(Button("save", self.say("edit.save"), rect(1010, foot - 68, 240, 58)))
        return buttons

    def _draw_name(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=box.height // 5)
        shown = self.title_text or self.say("edit.name_hint")
        colour = (20, 20, 30) if self.title_text else (120, 120, 130)
        draw_text(
            surface, shown[-60:], int(28 * self.unit), colour,
            midleft=(box.left + 14 * self.unit, box.centery),
        )  # fmt: skip

    def _break_drawer(self, index: int):
        """The break after a stop: green and ticked when there is one."""

        def draw(surface: pygame.Surface, rect: pygame.Rect) -> None:
            if index >= len(self.plan.levels) - 1:
                return  # no break after the last level
            on = index + 1 in self.plan.breaks.after
            if on:
                pygame.draw.rect(surface, BREAK_ON, rect, border_radius=rect.height // 5)
            words = self.say("edit.break_on" if on else "edit.break_off")
            draw_text(surface, words, int(24 * self.unit), (255, 255, 255), center=rect.center)

        return draw

    # --- input --------------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if self.keyboard is not None:
            typed, ui_events = take_typing(self.title_text, ui_events)
            self.title_text = typed[:MAX_TITLE_LENGTH]
        super().on_input(taps, ui_events, now_ns)

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto("kiosk_plans", player_code=self.profile.code)
            return
        if key == "name":
            self.open_keyboard("title_text", MAX_TITLE_LENGTH)
            return
        if key == "save":
            self._save()
            return
        action, _, rest = key.partition(":")
        plan = self.plan
        if action == "add":
            plan = plan_draft.add_level(plan, rest)
            self.stop_pages.show(len(plan.levels) - 1)  # show the new stop
        elif action == "remove":
            plan = plan_draft.remove_level(plan, int(rest))
        elif action in ("up", "down"):
            # The focus goes with the level it moves, onto the next page if need be.
            moved_to = int(rest) + (-1 if action == "up" else 1)
            plan = plan_draft.move_level(plan, int(rest), moved_to - int(rest))
            if plan is not self.plan:
                self.stop_pages.show(moved_to)
                self.focus_on(f"{action}:{moved_to}")
        elif action == "break":
            plan = plan_draft.toggle_break_after(plan, int(rest))
        elif action == "step":
            name, direction = rest.split(":")
            step = dict(STEPPERS)[name]
            plan = step(plan, int(direction))
        self.plan = plan
        self.message = ""
        self.saved = False
        self.relayout()

    def _save(self) -> None:
        """Written as a plan file and read back through the file's checks, then stored."""
        self.plan = plan_draft.with_title(self.plan, self.title_text.strip())
        text = plan_yaml(self.plan)
        known = {level.id for level in self.context.library.levels}
        store = self.context.open_store()
        try:
            plan, plan_id = assign_plan_text(
                store, self.kiosk.config.station_name, self.profile.code, text, EDITOR_PATH, known
            )
        except LevelError as error:
            # "plan editor:3:1: levels: ..." → "levels: ...": the place is a field, not a line.
            self.message = str(error.problems[0]).split(": ", 1)[-1]
            return
        finally:
            store.close()
        self.saved = True
        self.message = self.say("edit.saved", code=self.profile.code, title=plan.title, id=plan_id)

    # --- drawing ------------------------------------------------------------------------------
    def draw_more(self, surface: pygame.Surface) -> None:
        design = design_unit(surface.get_size())
        unit = self.unit
        look = self.context.look
        size_px = int(26 * unit)
        draw_text(
            surface, self.say("edit.levels", count=len(self.plan.levels)), size_px,
            look.dim_text_colour, topleft=(30 * design, 156 * design),
        )  # fmt: skip
        draw_text(
            surface, self.say("edit.add"), size_px, look.dim_text_colour,
            topleft=(760 * design, 96 * design),
        )  # fmt: skip
        titles = {level.id: level for level in self.context.library.levels}
        language = self.context.settings.language
        for row, index in enumerate(self.stops_shown):
            level_id = self.plan.levels[index]
            level = titles.get(level_id)
            name = level_in_language(level, language).title if level else level_id
            top = (STOPS_TOP + row * STOP_PITCH) * design
            box = pygame.Rect(int(30 * design), int(top), int(340 * design), int(54 * design))
            pygame.draw.rect(surface, (40, 60, 100), box, border_radius=box.height // 5)
            draw_fitted_text(
                surface, f"{index + 1}. {name}", size_px, look.text_colour,
                box.center, box.width - int(16 * design),
            )  # fmt: skip
        if not self.plan.levels:
            draw_text(
                surface, self.say("edit.no_levels"), size_px, (255, 215, 150),
                topleft=(30 * design, 200 * design),
            )  # fmt: skip
        for row, (key, _step) in enumerate(STEPPERS):
            draw_text(
                surface, self._stepper_text(key), size_px, look.text_colour,
                midleft=(760 * design, (420 + row * 56 + 24) * design),
            )  # fmt: skip
        if self.message:
            colour = (150, 230, 150) if self.saved else (255, 215, 150)
            # Under the level list, clear of Back and Save.
            draw_fitted_text(
                surface, self.message, int(24 * unit), colour,
                (380 * design, surface.get_height() - 30 * design), int(700 * design),
            )  # fmt: skip

    def _stepper_text(self, key: str) -> str:
        plan = self.plan
        if key == "assessment":
            if not plan.assessment_every:
                return self.say("edit.assessment_never")
            return self.say("edit.assessment_every", runs=plan.assessment_every)
        if key == "minutes":
            return self.say("edit.minutes", minutes=f"{plan.session_minutes:g}")
        if key == "break_every":
            every = plan.breaks.every_minutes
            if every is None:
                return self.say("edit.break_every_off")
            return self.say("edit.break_every", minutes=f"{every:g}")
        return self.say("edit.break_seconds", seconds=f"{plan.breaks.seconds:g}")


def _arrow(direction: int, enabled: bool):
    """A triangle pointing up (-1) or down (1): no words to translate, no glyph to miss;
    dim where there is no further to go."""
    colour = ARROW if enabled else DIM

    def draw(surface: pygame.Surface, rect: pygame.Rect) -> None:
        half_w, half_h = rect.width * 0.22, rect.height * 0.2
        x, y = rect.centerx, rect.centery
        tip, base = y + direction * half_h, y - direction * half_h
        pygame.draw.polygon(surface, colour, [(x, tip), (x - half_w, base), (x + half_w, base)])

    return draw


def _minus(surface: pygame.Surface, rect: pygame.Rect) -> None:
    bar = pygame.Rect(0, 0, rect.width * 0.45, max(4, rect.height // 9))
    bar.center = rect.center
    pygame.draw.rect(surface, ARROW, bar)


def _plus(surface: pygame.Surface, rect: pygame.Rect) -> None:
    _minus(surface, rect)
    bar = pygame.Rect(0, 0, max(4, rect.height // 9), rect.width * 0.45)
    bar.center = rect.center
    pygame.draw.rect(surface, ARROW, bar)


def _cross(surface: pygame.Surface, rect: pygame.Rect) -> None:
    """Remove: an X."""
    size = rect.height * 0.2
    width = max(3, rect.height // 10)
    x, y = rect.center
    pygame.draw.line(surface, ARROW, (x - size, y - size), (x + size, y + size), width)
    pygame.draw.line(surface, ARROW, (x - size, y + size), (x + size, y - size), width)
