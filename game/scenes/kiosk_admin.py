"""Behind the PIN: giving a player a plan from a plan file, and saving reports and exports.
Each plan given or taken away, and each file saved, is written to the audit log (profile
codes and file names only)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import platformdirs
import pygame

from engine.reports.export import export
from engine.reports.service import ReportError, ReportRequest, save_report
from engine.session.plans import PLAN_SUFFIX, LevelError, assign_plan_text
from engine.store.records import AssignedPlan, ProfileRecord
from game.canvas import design_unit
from game.context import GameContext
from game.kiosk.base import KioskMenuScene
from game.kiosk.state import KioskState
from game.text import draw_text
from game.widgets import Button

SHIPPED_PLANS_DIR = Path(__file__).resolve().parents[2] / "plans"
ROWS_SHOWN = 8


def station_plans_dir() -> Path:
    """Where a therapist puts the station's own plan files."""
    return Path(platformdirs.user_config_dir("OnBeat", appauthor=False)) / "plans"


def plan_files(folders: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            files += sorted(p for p in folder.glob(f"*{PLAN_SUFFIX}") if not p.name.startswith("."))
    return files


class _PlayerPicker(KioskMenuScene):
    """Stage one of both screens: the players, as therapists know them (code and name)."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)
        self.players: list[ProfileRecord] = []
        self.player: ProfileRecord | None = None
        self.message = ""

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            self.players = store.list_profiles()
            self.read_more(store)
        finally:
            store.close()

    def read_more(self, store) -> None:
        """Anything else the screen needs from the store."""

    def rows(self, width: int, height: int, entries: list[tuple[str, str]]) -> list[Button]:
        unit = design_unit((width, height))
        buttons = []
        for index, (key, label) in enumerate(entries[: ROWS_SHOWN * 2]):
            column, row = divmod(index, ROWS_SHOWN)
            rect = pygame.Rect(
                int(60 * unit) + column * int(600 * unit),
                int(120 * unit) + row * int(60 * unit),
                int(560 * unit),
                int(50 * unit),
            )
            buttons.append(Button(key, label, rect))
        back = pygame.Rect(0, 0, int(240 * unit), int(56 * unit))
        back.bottomright = (width - int(30 * unit), height - int(24 * unit))
        buttons.append(Button("back", self.say("back"), back))
        return buttons

    def pick(self, key: str) -> bool:
        """Take a player row's key; whether it was one."""
        if not key.startswith("player:"):
            return False
        code = key.split(":", 1)[1]
        self.player = next(p for p in self.players if p.code == code)
        self.message = ""
        self.relayout()
        return True

    def draw_more(self, surface: pygame.Surface) -> None:
        if self.message:
            height = surface.get_height()
            draw_text(
                surface,
                self.message,
                int(26 * self.unit),
                (255, 215, 150),
                topleft=(60 * self.unit, height - 70 * self.unit),
            )


class KioskPlansScene(_PlayerPicker):
    """A player's plan: built or changed in the plan editor, taken from a plan file, or taken
    away. ``player_code``: the player to show first (back from the editor)."""

    def __init__(
        self, context: GameContext, kiosk: KioskState, player_code: str | None = None
    ) -> None:
        super().__init__(context, kiosk)
        self.assigned: dict[str, AssignedPlan] = {}
        self.files: list[Path] = []
        self.player_code = player_code

    def read_more(self, store) -> None:
        self.assigned = {plan.profile_code: plan for plan in store.assigned_plans()}
        self.files = plan_files((SHIPPED_PLANS_DIR, station_plans_dir()))
        if self.player_code is not None:
            self.pick(f"player:{self.player_code}")
            self.player_code = None
            self._say_current()

    def title(self) -> str:
        if self.player is None:
            return self.say("plans.pick_player")
        return self.say("plans.pick_plan", name=self.player.display_name, code=self.player.code)

    def layout(self, width: int, height: int) -> list[Button]:
        if self.player is None:
            entries = []
            for player in self.players:
                plan = self.assigned.get(player.code)
                now = plan.title if plan is not None else self.say("plans.none")
                entries.append(
                    (f"player:{player.code}", f"{player.code}  {player.display_name}: {now}")
                )
            return self.rows(width, height, entries)
        edit = "plans.edit" if self.player.code in self.assigned else "plans.new"
        entries = [("edit", self.say(edit))]
        entries += [
            (f"file:{index}", self.say("plans.from_file", name=path.stem))
            for index, path in enumerate(self.files)
        ]
        entries.append(("clear", self.say("plans.none")))
        return self.rows(width, height, entries)

    def activate(self, key: str) -> None:
        if key == "back":
            if self.player is None:
                self.goto("kiosk_menu")
            else:
                self.player = None
                self.relayout()
        elif self.pick(key):
            self._say_current()
        elif key == "edit" and self.player is not None:
            self.goto("kiosk_plan_edit", profile=self.player)
        elif key == "clear" and self.player is not None:
            self._clear(self.player)
        elif key.startswith("file:") and self.player is not None:
            self._give(self.player, self.files[int(key.split(":", 1)[1])])

    def _say_current(self) -> None:
        plan = self.assigned.get(self.player.code) if self.player is not None else None
        self.message = (
            self.say("plans.current", title=plan.title) if plan else self.say("plans.no_plan")
        )

    def _give(self, player: ProfileRecord, path: Path) -> None:
        known = {level.id for level in self.context.library.levels}
        store = self.context.open_store()
        try:
            text = path.read_text(encoding="utf-8")
            plan, _plan_id = assign_plan_text(
                store, self.kiosk.config.station_name, player.code, text, path, known
            )
            self.read_more(store)
        except LevelError as error:
            self.message = str(error.problems[0])
            return
        except (OSError, UnicodeDecodeError) as error:
            self.message = f"{path.name}: {getattr(error, 'strerror', None) or error}"
            return
        finally:
            store.close()
        self.message = self.say("plans.saved", code=player.code, title=plan.title)

    def _clear(self, player: ProfileRecord) -> None:
        store = self.context.open_store()
        try:
            if store.clear_plan(player.code):
                self.kiosk.audit("plans", f"{player.code}: plan cleared")
            self.read_more(store)
        finally:
            store.close()
        self.message = self.say("plans.cleared", code=player.code)


class KioskReportsScene(_PlayerPicker):
    """A player's progress report, or the station's sessions and taps, saved to the reports
    folder (Settings chooses it); files are the owner's alone (0600)."""

    def title(self) -> str:
        return self.say("reports.title")

    def layout(self, width: int, height: int) -> list[Button]:
        if self.player is None:
            entries = [(f"player:{p.code}", f"{p.code}  {p.display_name}") for p in self.players]
            entries = entries[: ROWS_SHOWN * 2 - 2]
            entries += [
                ("export:sessions", self.say("reports.sessions_csv")),
                ("export:taps", self.say("reports.taps_csv")),
            ]
            return self.rows(width, height, entries)
        code = self.player.code
        return self.rows(
            width,
            height,
            [
                ("report:pdf", self.say("reports.progress_pdf", code=code)),
                ("report:html", self.say("reports.progress_html", code=code)),
            ],
        )

    def activate(self, key: str) -> None:
        if key == "back":
            if self.player is None:
                self.goto("kiosk_menu")
            else:
                self.player = None
                self.relayout()
        elif self.pick(key):
            return
        elif key.startswith("report:") and self.player is not None:
            self._save(lambda store, folder: save_report(
                store, ReportRequest(key.split(":")[1], profile_code=self.player.code), folder
            ), "report_saved")  # fmt: skip
        elif key.startswith("export:"):
            what = key.split(":")[1]
            day = datetime.now(UTC).date().isoformat()

            def write(store, folder: Path) -> Path:
                path = folder / f"onbeat-{what}-{day}.csv"
                export(store, path, what, "csv")
                return path

            self._save(write, "export_saved")

    def _save(self, write, action: str) -> None:
        folder = self.context.reports_folder()
        store = self.context.open_store()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = write(store, folder)
        except (ReportError, LookupError, OSError, ValueError) as error:
            self.message = self.say("reports.failed", problem=str(error))
            return
        finally:
            store.close()
        self.kiosk.audit(action, path.name)
        self.message = self.say("reports.saved", name=str(path))
