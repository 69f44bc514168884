"""Settings: volumes, how things look, language. Saved for this station as they change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pygame

from engine.audio.synth import click_sounds
from engine.config.user_settings import LANGUAGES, UserSettings
from engine.input.pump import Tap, UiEvent
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.scene import Goto
from game.text import draw_text
from game.widgets import Button, take_typing

VOLUME_SETTINGS = ("metronome_volume", "guide_volume", "effects_volume")
SWITCH_SETTINGS = (
    "colour_blind",
    "high_contrast",
    "large_text",
    "reduced_motion",
    "show_ms",
    "fullscreen",
)
VOLUME_STEP = 0.2


class SettingsScene(MenuScene):
    def __init__(self, context: GameContext, back_to: str = "profiles") -> None:
        super().__init__(context)
        self.back_to = back_to  # the scene Back goes to

    def title(self) -> str:
        return self.text("settings.title")

    def _value_text(self, name: str) -> str:
        value = getattr(self.context.settings, name)
        if name in VOLUME_SETTINGS:
            return f"{round(value * 100)}%"
        if name == "language":
            return self.text(f"language.{value}")
        return self.text("settings.on") if value else self.text("settings.off")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        names = [*VOLUME_SETTINGS, *SWITCH_SETTINGS, "language"]
        columns, row_h, gap = 2, int(54 * unit), int(12 * unit)  # seven rows above Back
        button_w = int(min(520 * unit, (width - 3 * gap) / columns))
        left = (width - columns * button_w - gap) // 2
        buttons = []
        for index, name in enumerate(names):
            row, column = index % 6, index // 6
            rect = pygame.Rect(
                left + column * (button_w + gap),
                int(130 * unit) + row * (row_h + gap),
                button_w,
                row_h,
            )
            label = f"{self.text(f'settings.{name}')}: {self._value_text(name)}"
            buttons.append(Button(name, label, rect))
        folder = pygame.Rect(left, int(130 * unit) + 6 * (row_h + gap), button_w, row_h)
        label = f"{self.text('settings.reports_dir')}: {self.context.reports_folder().name}"
        buttons.append(Button("reports_dir", label, folder))
        for index, kind in enumerate(("input", "visual")):
            # The two free places at the foot of the second column.
            rect = pygame.Rect(
                left + button_w + gap,
                int(130 * unit) + (4 + index) * (row_h + gap),
                button_w,
                row_h,
            )
            buttons.append(
                Button(f"calibrate:{kind}", self.text(f"settings.calibrate_{kind}"), rect)
            )
        back = pygame.Rect(0, 0, int(240 * unit), row_h)
        back.midbottom = (width // 2, height - int(24 * unit))
        buttons.append(Button("back", self.text("menu.back"), back))
        return buttons

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto(self.back_to)
            return
        if key == "reports_dir":
            self.goto("reports_folder", back_to=self.back_to)
            return
        if key.startswith("calibrate:"):
            back_here = Goto("settings", back_to=self.back_to)
            self.goto("calibrate", kind=key.split(":")[1], back=back_here)
            return
        settings: UserSettings = self.context.settings
        value = getattr(settings, key)
        if key in VOLUME_SETTINGS:
            value = 0.0 if value >= 1.0 - 1e-9 else round(min(1.0, value + VOLUME_STEP), 2)
        elif key == "language":
            value = LANGUAGES[(LANGUAGES.index(value) + 1) % len(LANGUAGES)]
        else:
            value = not value
        self.context.change_settings(dataclasses.replace(settings, **{key: value}))
        if key == "metronome_volume":
            rig = self.context.rig
            rig.track.set_sounds(click_sounds(rig.settings.sample_rate_hz, value))
        if key == "fullscreen":
            pygame.display.toggle_fullscreen()
        self.relayout()


class ReportsFolderScene(MenuScene):
    """Where the therapist's reports are saved: type a folder, Enter to keep it."""

    def __init__(self, context: GameContext, back_to: str = "profiles") -> None:
        super().__init__(context)
        self.back_to = back_to  # where the settings scene goes back to
        self.path_text = context.settings.reports_dir or str(context.reports_folder())
        self.problem = ""

    def on_enter(self) -> None:
        pygame.key.start_text_input()

    def on_exit(self) -> None:
        pygame.key.stop_text_input()

    def title(self) -> str:
        return self.text("settings.reports_dir")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        keep = pygame.Rect(0, 0, int(260 * unit), int(60 * unit))
        keep.midbottom = (width // 2 - int(150 * unit), height - int(24 * unit))
        back = keep.move(int(300 * unit), 0)
        return [
            Button("keep", self.text("settings.keep_folder"), keep),
            Button("back", self.text("menu.back"), back),
        ]

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        typed, others = take_typing(self.path_text, ui_events)
        self.path_text = typed
        super().on_input(taps, others, now_ns)

    def activate(self, key: str) -> None:
        if key == "keep":
            folder = Path(self.path_text.strip()).expanduser()
            if not folder.is_absolute():
                self.problem = self.text("settings.folder_not_absolute")
                return
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                self.problem = self.text("settings.folder_failed", reason=error.strerror or error)
                return
            settings = dataclasses.replace(self.context.settings, reports_dir=str(folder))
            self.context.change_settings(settings)
        self.goto("settings", back_to=self.back_to)

    def draw_more(self, surface: pygame.Surface) -> None:
        width = surface.get_width()
        unit = self.unit
        box = pygame.Rect(int(60 * unit), int(200 * unit), width - int(120 * unit), int(64 * unit))
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=10)
        draw_text(
            surface,
            self.path_text[-70:],
            int(28 * unit),
            (20, 20, 30),
            topleft=(box.left + 14 * unit, box.top + 18 * unit),
        )
        if self.problem:
            draw_text(
                surface,
                self.problem,
                int(24 * unit),
                (255, 215, 150),
                topleft=(box.left, box.bottom + 24 * unit),
            )
