"""Behind the PIN: a player's plan (from a plan file, or the plan editor of
game/scenes/kiosk_plan_edit.py), and a player's reports and exports saved to a folder of the
therapist's choosing. Each plan given or taken away, and each file saved, is written to the
audit log (profile codes and file names only)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import platformdirs
import pygame

from engine.input.pump import Tap, UiEvent
from engine.reports.destinations import save_folders
from engine.reports.export import export
from engine.reports.service import ReportError, ReportRequest, save_report
from engine.session.plans import PLAN_SUFFIX, LevelError, assign_plan_text
from engine.store.records import AssignedPlan, ProfileRecord
from game.canvas import design_unit
from game.context import GameContext
from game.kiosk.base import KioskMenuScene
from game.kiosk.state import KioskState
from game.paging import rows_between
from game.widgets import Button, draw_fitted_text, take_typing

SHIPPED_PLANS_DIR = Path(__file__).resolve().parents[2] / "plans"
COLUMNS = 2
# In design pixels: the rows, the bar at the foot (page buttons and Back) and the room for a
# line of words above it.
ROWS_TOP, ROW_HEIGHT, ROW_PITCH = 120, 50, 60
BAR_HEIGHT, FOOT_GAP, MESSAGE_ROOM = 56, 24, 44
FOLDER_CHARS_SHOWN = 40


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
        self.player_pages = self.paging("players")
        self.choice_pages = self.paging("choices")  # what can be done for the player picked

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            self.players = store.list_profiles()
            self.read_more(store)
        finally:
            store.close()

    def read_more(self, store) -> None:
        """Anything else the screen needs from the store."""

    @staticmethod
    def bar_top(width: int, height: int) -> int:
        """Where the bar at the foot (page buttons, Back) begins, in window pixels."""
        return height - int((FOOT_GAP + BAR_HEIGHT) * design_unit((width, height)))

    def rows(
        self,
        width: int,
        height: int,
        entries: list[tuple[str, str]],
        bottom_px: int | None = None,
    ) -> list[Button]:
        """``entries`` (key, label) in two columns, a page at a time, above ``bottom_px``
        (else above the message line), with Back and the page buttons at the foot."""
        unit = design_unit((width, height))
        pages = self.choice_pages if self.player is not None else self.player_pages
        bar_top = self.bar_top(width, height)
        bottom = bar_top - int(MESSAGE_ROOM * unit) if bottom_px is None else bottom_px
        top, row_h, pitch = (int(value * unit) for value in (ROWS_TOP, ROW_HEIGHT, ROW_PITCH))
        rows = rows_between(top, bottom, row_h, pitch)
        buttons = []
        for slot, index in enumerate(pages.fit(len(entries), rows * COLUMNS)):
            key, label = entries[index]
            column, row = divmod(slot, rows)
            rect = pygame.Rect(
                int(60 * unit) + column * int(600 * unit), top + row * pitch, int(560 * unit), row_h
            )
            buttons.append(pages.row(Button(key, label, rect), index))
        back = pygame.Rect(0, 0, int(240 * unit), int(BAR_HEIGHT * unit))
        back.bottomright = (width - int(30 * unit), height - int(FOOT_GAP * unit))
        buttons.append(Button("back", self.say("back"), back))
        area = pygame.Rect(int(60 * unit), back.top, int(860 * unit), back.height)
        return [*buttons, *self.page_controls(pages, area)]

    def pick(self, key: str) -> bool:
        """Take a player row's key; whether it was one."""
        if not key.startswith("player:"):
            return False
        code = key.split(":", 1)[1]
        self.player = next(p for p in self.players if p.code == code)
        self.choice_pages.page = 0
        self.message = ""
        self.relayout()
        return True

    def unpick(self) -> None:
        """Back to the players, on the page of the one picked, with the focus on them."""
        codes = [player.code for player in self.players]
        if self.player is not None and self.player.code in codes:
            self.player_pages.show(codes.index(self.player.code))
            self.focus_on(f"player:{self.player.code}")
        self.player = None
        self.relayout()

    def draw_more(self, surface: pygame.Surface) -> None:
        if self.message:
            width, height = surface.get_size()
            unit = design_unit((width, height))
            draw_fitted_text(
                surface, self.message, int(26 * self.unit), (255, 215, 150),
                (width / 2, self.bar_top(width, height) - MESSAGE_ROOM * unit / 2),
                int(width - 120 * unit),
            )  # fmt: skip


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
                self.unpick()
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
    """A player's progress report, sessions or taps, or the whole station's, saved to a folder
    the therapist picks: the reports folder, the data folder's exports/, a USB stick, or one
    typed in. Files are the owner's alone (0600); each one saved is an audit row."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)
        self.folders: list[Path] = []
        self.folder: Path = context.reports_folder()
        self.folder_text = ""  # a folder typed with the (on-screen) keyboard

    def on_enter(self) -> None:
        super().on_enter()
        self.folders = self._offered_folders()
        self.folder = self.folders[0]

    def _offered_folders(self) -> list[Path]:
        return save_folders(self.context.reports_folder(), self.kiosk.data_dir)

    def title(self) -> str:
        if self.player is None:
            return self.say("reports.title")
        return self.say("reports.of", name=self.player.display_name, code=self.player.code)

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        row_h, pitch = int(ROW_HEIGHT * unit), int(ROW_PITCH * unit)
        # From the foot up: the bar, the message line, the folder, the station's exports.
        folder_top = self.bar_top(width, height) - int(MESSAGE_ROOM * unit) - row_h
        if self.player is None:
            entries = [(f"player:{p.code}", f"{p.code}  {p.display_name}") for p in self.players]
            exports_top = folder_top - pitch
            buttons = self.rows(width, height, entries, exports_top - (pitch - row_h))
            for column, (key, words) in enumerate(
                (("export:sessions", "reports.sessions_csv"), ("export:taps", "reports.taps_csv"))
            ):
                left = int(60 * unit) + column * int(600 * unit)
                rect = pygame.Rect(left, exports_top, int(560 * unit), row_h)
                buttons.append(Button(key, self.say(words), rect))
        else:
            entries = [
                ("report:pdf", self.say("reports.child_pdf")),
                ("report:html", self.say("reports.child_html")),
                ("export:sessions", self.say("reports.child_sessions_csv")),
                ("export:taps", self.say("reports.child_taps_csv")),
            ]
            buttons = self.rows(width, height, entries, folder_top - (pitch - row_h))
        shown = str(self.folder)
        if len(shown) > FOLDER_CHARS_SHOWN:
            shown = "..." + shown[-FOLDER_CHARS_SHOWN:]
        buttons += [
            Button(
                "folder",
                self.say("reports.save_to", folder=shown),
                pygame.Rect(int(60 * unit), folder_top, int(600 * unit), row_h),
            ),
            Button(
                "type_folder",
                self.say("reports.other_folder"),
                pygame.Rect(int(680 * unit), folder_top, int(300 * unit), row_h),
            ),
        ]
        return buttons

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        typing = self.keyboard is not None
        if typing:
            self.folder_text, ui_events = take_typing(self.folder_text, ui_events)
        super().on_input(taps, ui_events, now_ns)
        if typing and self.keyboard is None:  # "done": the typed folder is the one
            self._take_typed_folder()

    def _take_typed_folder(self) -> None:
        folder = Path(self.folder_text.strip()).expanduser()
        if not folder.is_absolute():
            self.message = self.say("reports.not_absolute")
            return
        self.folder = folder
        if folder not in self.folders:
            self.folders.append(folder)
        self.message = ""
        self.relayout()

    def activate(self, key: str) -> None:
        if key == "back":
            if self.player is None:
                self.goto("kiosk_menu")
            else:
                self.unpick()
        elif self.pick(key):
            return
        elif key == "folder":
            # The next folder offered; a stick plugged in since is offered too.
            for drive in self._offered_folders():
                if drive not in self.folders:
                    self.folders.append(drive)
            index = self.folders.index(self.folder) if self.folder in self.folders else -1
            self.folder = self.folders[(index + 1) % len(self.folders)]
            self.message = ""
            self.relayout()
        elif key == "type_folder":
            self.folder_text = str(self.folder)
            self.open_keyboard("folder_text")
        elif key.startswith("report:") and self.player is not None:
            request = ReportRequest(key.split(":")[1], profile_code=self.player.code)
            self._save(lambda store, folder: save_report(store, request, folder), "report_saved")
        elif key.startswith("export:"):
            self._save(self._exporter(key.split(":")[1]), "export_saved")

    def _exporter(self, what: str):
        code = self.player.code if self.player is not None else None
        day = datetime.now(UTC).date().isoformat()
        name = f"onbeat-{what}-{code}-{day}.csv" if code else f"onbeat-{what}-{day}.csv"

        def write(store, folder: Path) -> Path:
            path = folder / name
            export(store, path, what, "csv", profile_code=code)
            return path

        return write

    def _save(self, write, action: str) -> None:
        folder = self.folder
        store = self.context.open_store()
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = write(store, folder)
        except (ReportError, LookupError, OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            self.message = self.say("reports.failed", problem=reason)
            return
        finally:
            store.close()
        self.kiosk.audit(action, path.name)
        self.message = self.say("reports.saved", name=str(path))
