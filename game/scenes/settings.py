"""Settings: sound (volumes, the output, the headphone check), how things look, and the
station (full screen, language, reports folder, calibration). Saved as they change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pygame

from engine.audio.synth import click_sounds
from engine.config.user_settings import LANGUAGES, UserSettings
from engine.input.pump import Tap, UiEvent
from engine.store.records import AUDIO_SILENT
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.scene import Goto
from game.sound import chosen_device
from game.text import draw_text, wrap_lines
from game.widgets import Button, take_typing

VOLUME_SETTINGS = ("metronome_volume", "guide_volume", "effects_volume")
VOLUME_STEP = 0.2
# The buttons in three columns: sound, look, station.
COLUMNS: tuple[tuple[str, ...], ...] = (
    ("metronome_volume", "guide_volume", "effects_volume", "audio_device", "sound_check"),
    ("colour_blind", "high_contrast", "large_text", "reduced_motion", "show_ms"),
    ("fullscreen", "language", "reports_dir", "calibrate:input", "calibrate:visual", "devices"),
)
ROWS = max(len(names) for names in COLUMNS)


class SettingsScene(MenuScene):
    def __init__(
        self, context: GameContext, back_to: str = "profiles", fixed_window: bool = False
    ) -> None:
        """``fixed_window``: the window's mode is not the therapist's to change (the kiosk,
        always full screen), so there is no full-screen button."""
        super().__init__(context)
        self.back_to = back_to  # the scene Back goes to
        self.fixed_window = fixed_window

    def title(self) -> str:
        return self.text("settings.title")

    def _value_text(self, name: str) -> str:
        value = getattr(self.context.settings, name)
        if name in VOLUME_SETTINGS:
            return f"{round(value * 100)}%"
        if name == "language":
            return self.text(f"language.{value}")
        if name == "audio_device":
            if value == AUDIO_SILENT:
                return self.text("settings.audio_silent")
            return value or self.text("settings.audio_default")
        return self.text("settings.on") if value else self.text("settings.off")

    def _label(self, name: str) -> str:
        if name.startswith("calibrate:"):
            return self.text(f"settings.calibrate_{name.split(':')[1]}")
        if name in ("sound_check", "devices"):
            return self.text(f"settings.{name}")
        if name == "reports_dir":
            return f"{self.text('settings.reports_dir')}: {self.context.reports_folder().name}"
        return f"{self.text(f'settings.{name}')}: {self._value_text(name)}"

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        row_h, gap = int(58 * unit), int(14 * unit)
        button_w = int(min(400 * unit, (width - 4 * gap) / len(COLUMNS)))
        left = (width - len(COLUMNS) * button_w - (len(COLUMNS) - 1) * gap) // 2
        buttons = []
        for column, names in enumerate(COLUMNS):
            if self.fixed_window:
                names = tuple(name for name in names if name != "fullscreen")
            for row, name in enumerate(names):
                rect = pygame.Rect(
                    left + column * (button_w + gap),
                    int(130 * unit) + row * (row_h + gap),
                    button_w,
                    row_h,
                )
                buttons.append(Button(name, self._label(name), rect))
        back = pygame.Rect(0, 0, int(240 * unit), row_h)
        back.midbottom = (width // 2, height - int(24 * unit))
        buttons.append(Button("back", self.text("menu.back"), back))
        return buttons

    def draw_more(self, surface: pygame.Surface) -> None:
        """What the sound output is doing now, in one line for the therapist."""
        width, height = surface.get_size()
        unit = design_unit((width, height))
        status = self.context.sound.status
        if self.context.settings.audio_device == AUDIO_SILENT:
            line = self.text("settings.sound_silent_now")
        elif status.audible:
            line = self.text("settings.sound_now", device=status.device)
        else:
            line = self.text("settings.sound_none_now", reason=status.reason)
        size_px = int(22 * self.unit)
        line_y = 130 * unit + ROWS * 72 * unit + 12 * unit
        for part in wrap_lines(line, size_px, int(width - 80 * unit)):
            colour = self.context.look.dim_text_colour if status.audible else (255, 215, 150)
            draw_text(surface, part, size_px, colour, center=(width / 2, line_y))
            line_y += size_px * 1.1

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
        if key == "sound_check":
            self.goto("sound_check", back_to=self.back_to)
            return
        if key == "devices":
            self.goto("devices", back=Goto("settings", back_to=self.back_to))
            return
        if key == "audio_device":
            self._next_output()
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

    def _next_output(self) -> None:
        """The next choice of output: the system default, each device SDL lists, then
        silent (a therapist's choice; sessions then record "silent")."""
        choices = ["", *self.context.sound.devices(), AUDIO_SILENT]
        current = self.context.settings.audio_device
        index = choices.index(current) if current in choices else 0
        chosen = choices[(index + 1) % len(choices)]
        settings = dataclasses.replace(self.context.settings, audio_device=chosen)
        self.context.change_settings(settings)
        if chosen != AUDIO_SILENT:
            self.context.sound.use(chosen_device(settings))
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
        # The path box is a button too: choosing it opens the on-screen keyboard.
        box = pygame.Rect(int(60 * unit), int(200 * unit), width - int(120 * unit), int(64 * unit))
        return [
            Button("keep", self.text("settings.keep_folder"), keep),
            Button("back", self.text("menu.back"), back),
            Button("path", "", box, draw_extra=self._draw_path),
        ]

    def _draw_path(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=10)
        draw_text(
            surface,
            self.path_text[-70:],
            int(28 * self.unit),
            (20, 20, 30),
            midleft=(box.left + 14 * self.unit, box.centery),
        )

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        typed, others = take_typing(self.path_text, ui_events)
        self.path_text = typed
        super().on_input(taps, others, now_ns)

    def activate(self, key: str) -> None:
        if key == "path":
            self.open_keyboard("path_text")
            return
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
        unit = design_unit(surface.get_size())
        if self.problem:
            draw_text(
                surface,
                self.problem,
                int(24 * self.unit),
                (255, 215, 150),
                topleft=(60 * unit, 290 * unit),
            )
