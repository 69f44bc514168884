"""Therapist screens: profiles and their sessions, a session's numbers, notes and reports.

Reached from the profile picker. Every number comes from engine/reports/service.py (the same ones
the printed reports show); these screens only list, show, and save.
"""

from __future__ import annotations

import pygame

from engine.billing.active_time import whole_minutes
from engine.billing.session_billing import measured_active_seconds, signature_state
from engine.input.pump import Tap, UiEvent
from engine.levels.progression import is_assessment
from engine.metrics.goal_series import goal_standing
from engine.metrics.task import SessionMetrics
from engine.reports.chart_model import chart_fields_on, goal_rows
from engine.reports.model import local_time
from engine.reports.service import (
    ReportError,
    ReportRequest,
    list_sessions,
    save_note,
    save_report,
    session_results,
)
from engine.store.records import AUDIO_SILENT, Note, ProfileRecord, SessionRecord
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.paging import rows_between
from game.scene import Goto
from game.text import draw_text, wrap_lines
from game.widgets import (
    Button,
    draw_fitted_text,
    draw_readable_line,
    ms_cell,
    percent_cell,
    take_typing,
)

PROFILE_COLUMNS = 2
MESSAGE_ROOM_DESIGN_PX = 44  # a line of words between a list and the buttons at the foot
GOALS_TOP_DESIGN_PX = 130
GOAL_PITCH_DESIGN_PX = 110  # a goal's three lines and the room after them
NOTICE = (255, 215, 150)
NOTE_BOX_FROM_FOOT = 190  # design pixels from the window's foot to the note box's top
NOTE_AUTHOR = "therapist"


class TherapistProfilesScene(MenuScene):
    """All profiles by code, archived ones marked, a page at a time; pick one to see its
    sessions. ``code``: the profile to show (and focus) first, back from its sessions."""

    def __init__(self, context: GameContext, code: str | None = None) -> None:
        super().__init__(context)
        self.profiles: list[ProfileRecord] = []
        self.code = code
        self.pages = self.paging("profiles")

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            self.profiles = store.list_profiles()
        finally:
            store.close()
        codes = [profile.code for profile in self.profiles]
        if self.code in codes:
            self.pages.show(codes.index(self.code))
            self.focus_on(f"profile:{self.code}")

    def title(self) -> str:
        return self.text("therapist.profiles")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        bar_h, bottom_gap = int(56 * unit), int(24 * unit)
        bar_top = height - bottom_gap - bar_h
        top, row_h, pitch = int(120 * unit), int(52 * unit), int(62 * unit)
        rows = rows_between(top, bar_top - int(12 * unit), row_h, pitch)
        buttons = []
        shown = self.pages.fit(len(self.profiles), rows * PROFILE_COLUMNS)
        for slot, index in enumerate(shown):
            profile = self.profiles[index]
            column, row = divmod(slot, rows)
            rect = pygame.Rect(
                int(60 * unit) + column * int(600 * unit),
                top + row * pitch,
                int(560 * unit),
                row_h,
            )
            label = self.text(
                "therapist.profile_row_archived" if profile.archived else "therapist.profile_row",
                code=profile.code,
                name=profile.display_name,
                sessions=self.context.messages.count("therapist.sessions", profile.session_count),
            )
            buttons.append(self.pages.row(Button(f"profile:{profile.code}", label, rect), index))
        back = pygame.Rect(0, 0, int(240 * unit), bar_h)
        back.bottomright = (width - int(30 * unit), height - bottom_gap)
        buttons.append(Button("back", self.text("menu.back"), back))
        new = back.copy()
        new.bottomleft = (int(60 * unit), back.bottom)
        buttons.append(Button("new", self.text("profiles.new"), new))
        gap = int(20 * unit)
        area = pygame.Rect(new.right + gap, bar_top, back.left - new.right - 2 * gap, bar_h)
        return [*buttons, *self.page_controls(self.pages, area)]

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto("profiles")
        elif key == "new":
            self.goto("new_profile")
        elif key.startswith("profile:"):
            code = key.split(":", 1)[1]
            profile = next(p for p in self.profiles if p.code == code)
            self.goto("therapist_sessions", profile=profile)


class TherapistSessionsScene(MenuScene):
    """One profile's sessions, newest first, a page at a time; its goals; progress report;
    the standard assessment. ``session_id``: the session to show (and focus) first, back from
    its own screen, so that going through the sessions one by one keeps the page."""

    def __init__(
        self, context: GameContext, profile: ProfileRecord, session_id: int | None = None
    ) -> None:
        super().__init__(context)
        self.profile = profile
        self.session_id = session_id
        self.pages = self.paging("sessions")
        self.goal_pages = self.paging("goals")
        self.goals_shown = range(0)
        self.message = ""
        self.sessions: list[SessionRecord] = []
        self.showing_goals = False
        # Per goal: number, words, target, baseline, latest, trend, status (as reports say).
        self.goals: list[tuple[str, ...]] = []
        self.chart_line = ""  # MRN, date of birth, diagnoses, where the clinic keeps them

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            self.sessions = list_sessions(store, self.profile.code)
            records = store.goals(self.profile.code)
            self.goals = goal_rows([goal_standing(store, record) for record in records])
            fields = store.chart_fields(self.profile.code) if chart_fields_on(store) else None
        finally:
            store.close()
        if fields is not None:
            self.chart_line = self.text(
                "therapist.chart_line",
                mrn=fields.mrn or "–",
                dob=fields.date_of_birth or "–",
                dx=", ".join(fields.diagnosis_codes) or "–",
            )
        ids = [session.session_id for session in self.sessions]
        if self.session_id in ids:
            self.pages.show(ids.index(self.session_id))
            self.focus_on(f"session:{self.session_id}")

    def title(self) -> str:
        archived = f", {self.text('therapist.archived')}" if self.profile.archived else ""
        return f"{self.profile.display_name} ({self.profile.code}{archived})"

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        side_h, bottom_gap = int(56 * unit), int(24 * unit)
        bar_top = height - bottom_gap - side_h
        # The message line sits between the list and the bar at the foot.
        list_bottom = bar_top - int(MESSAGE_ROOM_DESIGN_PX * unit)
        top, row_h, pitch = int(120 * unit), int(50 * unit), int(60 * unit)
        buttons = []
        if self.showing_goals:
            goals_top = int(GOALS_TOP_DESIGN_PX * unit)
            per_page = rows_between(
                goals_top, list_bottom, int(80 * unit), int(GOAL_PITCH_DESIGN_PX * unit)
            )
            self.goals_shown = self.goal_pages.fit(len(self.goals), per_page)
        rows = rows_between(top, list_bottom, row_h, pitch)
        shown = range(0) if self.showing_goals else self.pages.fit(len(self.sessions), rows)
        for row, index in enumerate(shown):
            session = self.sessions[index]
            rect = pygame.Rect(int(60 * unit), top + row * pitch, int(760 * unit), row_h)
            label = self.text(
                "therapist.session_row",
                day=_local(session.started_at_utc),
                level=session.level_title,
                status=self.text(f"status.{session.status}"),
            )
            if session.autoplayed:
                label += " · " + self.text("therapist.autoplayed")
            button = Button(f"session:{session.session_id}", label, rect)
            buttons.append(self.pages.row(button, index))
        side_x, side_w = int(860 * unit), int(360 * unit)
        for row, (key, label) in enumerate(
            (
                ("assessment", self.text("therapist.run_assessment")),
                ("progress:pdf", self.text("therapist.progress_pdf")),
                ("progress:html", self.text("therapist.progress_html")),
                (
                    "goals",
                    self.text(
                        "therapist.show_sessions" if self.showing_goals else "therapist.goals"
                    ),
                ),
            )
        ):
            buttons.append(
                Button(
                    key,
                    label,
                    pygame.Rect(side_x, int(120 * unit) + row * int(70 * unit), side_w, side_h),
                )
            )
        back = pygame.Rect(0, 0, int(240 * unit), side_h)
        back.bottomright = (width - int(30 * unit), height - bottom_gap)
        buttons.append(Button("back", self.text("menu.back"), back))
        area = pygame.Rect(int(60 * unit), bar_top, int(760 * unit), side_h)
        if self.showing_goals:
            return [*buttons, *self.page_controls(self.goal_pages, area)]
        newer, older = self.text("therapist.newer"), self.text("therapist.older")
        return [*buttons, *self.page_controls(self.pages, area, newer, older)]

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto("therapist_profiles", code=self.profile.code)
        elif key.startswith("session:"):
            session_id = int(key.split(":", 1)[1])
            self.goto("therapist_session", profile=self.profile, session_id=session_id)
        elif key.startswith("progress:"):
            request = ReportRequest(format=key.split(":", 1)[1], profile_code=self.profile.code)
            self.message = _save(self.context, request)
        elif key == "assessment":
            self._start_assessment()
        elif key == "goals":
            self.showing_goals = not self.showing_goals
            if self.showing_goals:
                self.on_enter()  # as they are now: a goal may have been added meanwhile
            self.relayout()

    def _start_assessment(self) -> None:
        assessments = [level for level in self.context.library.levels if is_assessment(level)]
        if not assessments:
            self.message = self.text("therapist.no_assessment")
            return
        self.context.profile = self.profile
        # Leaving the assessment, or its results, comes back here, not to the child's map.
        self.goto(
            "play",
            level=assessments[0],
            back_to=Goto("therapist_sessions", profile=self.profile),
        )

    def draw_more(self, surface: pygame.Surface) -> None:
        unit = self.unit
        look = self.context.look
        if self.chart_line:
            draw_fitted_text(
                surface,
                self.chart_line,
                int(22 * unit),
                look.dim_text_colour,
                (surface.get_width() / 2, 100 * unit),
                int(surface.get_width() - 80 * unit),
            )
        if self.showing_goals:
            self._draw_goals(surface)
        if self.message:
            width, height = surface.get_size()
            design = design_unit((width, height))
            bar_top = height - 80 * design
            draw_fitted_text(
                surface, self.message, int(22 * unit), NOTICE,
                (width / 2, bar_top - MESSAGE_ROOM_DESIGN_PX * design / 2),
                int(width - 80 * design),
            )  # fmt: skip

    def _draw_goals(self, surface: pygame.Surface) -> None:
        """Each goal in two lines: its words, then target, baseline, latest, trend, status."""
        unit = self.unit
        design = design_unit(surface.get_size())
        look = self.context.look
        left, room = 60 * design, int(770 * design)
        if not self.goals:
            draw_text(
                surface, self.text("therapist.no_goals"), int(24 * unit), look.dim_text_colour,
                topleft=(left, GOALS_TOP_DESIGN_PX * design),
            )  # fmt: skip
            return
        for row, index in enumerate(self.goals_shown):
            number, words, target, baseline, latest, trend, status = self.goals[index]
            top = (GOALS_TOP_DESIGN_PX + row * GOAL_PITCH_DESIGN_PX) * design
            draw_readable_line(
                surface, f"{number}. {words}", int(24 * unit), int(18 * unit), look.text_colour,
                (left + room / 2, top + 14 * design), room,
            )  # fmt: skip
            colour = (170, 235, 170) if status == "met" else look.dim_text_colour
            lines = (
                self.text("therapist.goal_target", target=target, status=status),
                self.text("therapist.goal_values", baseline=baseline, latest=latest, trend=trend),
            )
            for line_index, line in enumerate(lines):
                center = (left + room / 2, top + (42 + 24 * line_index) * design)
                draw_fitted_text(surface, line, int(21 * unit), colour, center, room)


class TherapistSessionScene(MenuScene):
    """One session: per-task numbers, a note, and its report and flow sheet."""

    def __init__(self, context: GameContext, profile: ProfileRecord, session_id: int) -> None:
        super().__init__(context)
        self.profile = profile
        self.session_id = session_id
        self.note = ""
        self.message = ""
        self.metrics: SessionMetrics | None = None  # read on entering
        self.billing_line = ""
        self.notes: list[Note] = []  # newest first

    def on_enter(self) -> None:
        self.context.recorder.flush()  # a session just played must be complete in the store
        store = self.context.open_store()
        try:
            self.metrics = session_results(store, self.session_id)
            self.billing_line = self._billing_line(store)
            self.notes = store.notes(session_id=self.session_id)[::-1]
        finally:
            store.close()
        pygame.key.start_text_input()

    def on_exit(self) -> None:
        pygame.key.stop_text_input()

    def _billing_line(self, store) -> str:
        """Active minutes, the minutes per code and whether they are signed, in one line."""
        assigned = store.session_minutes(self.session_id)
        billed = (
            self.text("therapist.billing_none")
            if assigned is None
            else ", ".join(f"{line.code} {line.minutes} min" for line in assigned.lines)
        )
        state = signature_state(store, self.session_id)
        if state is None:
            signed = self.text("billing.not_signed")
        else:
            when = local_time(state.signature.signed_at_utc).strftime("%Y-%m-%d %H:%M")
            key = "billing.signed" if state.current else "billing.signed_changed"
            signed = self.text(key, who=state.therapist.signed_name, when=when)
        active = whole_minutes(measured_active_seconds(store, self.session_id))
        return self.text("therapist.billing_summary", active=active, billed=billed, signed=signed)

    def title(self) -> str:
        session = self.metrics.session
        return f"{session.level_title} · {_local(session.started_at_utc)}"

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        buttons = []
        actions = (
            ("note", self.text("therapist.save_note")),
            ("report:pdf", self.text("therapist.report_pdf")),
            ("report:html", self.text("therapist.report_html")),
            ("flow:pdf", self.text("therapist.flow_sheet")),
            ("billing", self.text("therapist.billing")),
            ("back", self.text("menu.back")),
        )
        button_w = int((width - 80 * unit) / len(actions)) - int(10 * unit)
        for index, (key, label) in enumerate(actions):
            rect = pygame.Rect(
                int(40 * unit) + index * (button_w + int(10 * unit)),
                height - int(84 * unit),
                button_w,
                int(56 * unit),
            )
            buttons.append(Button(key, label, rect))
        # The note box is a button too: choosing it opens the on-screen keyboard.
        box = pygame.Rect(
            int(40 * unit),
            height - int(NOTE_BOX_FROM_FOOT * unit),
            width - int(80 * unit),
            int(60 * unit),
        )
        buttons.append(Button("note_box", "", box, draw_extra=self._draw_note))
        return buttons

    def _draw_note(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=8)
        shown = self.note[-90:] or self.text("therapist.note_hint")
        draw_text(
            surface,
            shown,
            int(24 * self.unit),
            (20, 20, 30) if self.note else (120, 120, 130),
            midleft=(box.left + 12 * self.unit, box.centery),
        )

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        typed, others = take_typing(self.note, ui_events)
        self.note = typed
        super().on_input(taps, others, now_ns)

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto("therapist_sessions", profile=self.profile, session_id=self.session_id)
        elif key == "note_box":
            self.open_keyboard("note")
        elif key == "billing":
            self.goto("therapist_billing", profile=self.profile, session_id=self.session_id)
        elif key == "note":
            if self.note.strip():
                store = self.context.open_store()
                try:
                    save_note(store, self.session_id, self.note.strip(), NOTE_AUTHOR)
                    self.notes = store.notes(session_id=self.session_id)[::-1]
                finally:
                    store.close()
                self.note = ""
                self.message = self.text("therapist.note_saved")
        else:
            kind, format_name = key.split(":")
            request = ReportRequest(
                format=format_name, session_id=self.session_id, flow_sheet=kind == "flow"
            )
            self.message = _save(self.context, request)

    def draw_more(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = self.unit
        look = self.context.look
        # The clinic's numbers of the session, per task (the child's results show none).
        headings = (
            "results.task",
            "therapist.limb",
            "results.average",
            "results.sro",
            "therapist.hits",
            "therapist.early_late",
            "therapist.burst",
            "therapist.mean_sd",
            "therapist.missed_extra",
        )
        columns = (0.1, 0.24, 0.345, 0.43, 0.5, 0.585, 0.67, 0.785, 0.92)
        size = int(22 * unit)
        row_y = 140 * unit
        # Each column's words shrink to fit between its neighbours (large text, Spanish).
        edges = (-columns[0], *columns, 2.0 - columns[-1])  # the window's edges, mirrored
        room = [
            int(width * min(edges[i + 1] - edges[i], edges[i + 2] - edges[i + 1]) - 8)
            for i in range(len(columns))
        ]
        for key, column, fit in zip(headings, columns, room, strict=True):
            draw_fitted_text(
                surface, self.text(key), size, look.dim_text_colour, (width * column, row_y), fit
            )
        for task in (*self.metrics.tasks[:10], self.metrics.overall):
            row_y += 30 * unit
            name = (
                task.task_name
                if task is not self.metrics.overall
                else self.text("therapist.overall")
            )
            cells = (
                name[:18],
                task.limb,
                ms_cell(task.task_average_ms),
                percent_cell(task.sro_percent),
                f"{task.hits}/{task.beats}",
                f"{percent_cell(task.early_percent)} / {percent_cell(task.late_percent)}",
                str(task.longest_burst),
                f"{ms_cell(task.mean_asynchrony_ms)} ± {ms_cell(task.sd_asynchrony_ms)}",
                f"{task.missed_beats} / {task.extra_taps}",
            )
            for cell, column, fit in zip(cells, columns, room, strict=True):
                center = (width * column, row_y)
                draw_fitted_text(surface, cell, size, look.text_colour, center, fit)
        session = self.metrics.session
        sound = _sound_text(self.context, session.audio_device)
        facts = self.text("therapist.sound", sound=sound)
        if session.autoplayed:
            facts += " · " + self.text("therapist.autoplayed")
        draw_text(surface, facts, size, look.dim_text_colour, center=(width / 2, 104 * unit))
        draw_fitted_text(
            surface,
            self.billing_line,
            size,
            look.text_colour,
            (width / 2, row_y + 44 * unit),
            int(width - 80 * unit),
        )
        self._draw_notes(surface, row_y + 70 * unit)
        if self.message:  # between the note box and the buttons
            design = design_unit((width, height))
            draw_fitted_text(
                surface, self.message, int(22 * unit), NOTICE,
                (width / 2, height - 107 * design), int(width - 80 * design),
            )  # fmt: skip

    def _draw_notes(self, surface: pygame.Surface, top_px: float) -> None:
        """The session's notes, newest first, wrapped, as many lines as fit above the box."""
        width, height = surface.get_size()
        design = design_unit((width, height))
        size = int(21 * self.unit)
        line_px = size * 1.15
        room_lines = int((height - (NOTE_BOX_FROM_FOOT + 8) * design - top_px) // line_px)
        lines: list[str] = []
        for note in self.notes:
            said = self.text(
                "therapist.note_line",
                when=_local(note.written_at_utc),
                author=note.author,
                note=" ".join(note.body.split()),
            )
            lines += wrap_lines(said, size, int(width - 80 * design))
        if len(lines) > room_lines > 0:
            lines = [*lines[: room_lines - 1], f"{lines[room_lines - 1]} …"]
        for index, line in enumerate(lines[: max(0, room_lines)]):
            draw_text(
                surface, line, size, self.context.look.dim_text_colour,
                topleft=(40 * design, top_px + index * line_px),
            )  # fmt: skip

    def _continuation_line(self, task) -> str:
        continuation = task.continuation
        model = continuation.wing_kristofferson
        if model.clock_variance_ms2 is None:
            wing = self.text("therapist.wk_not", reason=model.reason or "")
        else:
            wing = self.text(
                "therapist.wk",
                clock=f"{model.clock_variance_ms2:.0f}",
                motor=f"{model.motor_variance_ms2:.0f}",
            )
        return self.text(
            "therapist.continuation",
            task=task.task_number,
            mean=ms_cell(continuation.iti_mean_ms),
            cv=f"{continuation.iti_cv:.3f}",
            drift=f"{continuation.drift_ms_per_tap:+.2f}",
            wing=wing,
        )


def _save(context: GameContext, request: ReportRequest) -> str:
    store = context.open_store()
    try:
        path = save_report(store, request, context.reports_folder())
    except (ReportError, LookupError, OSError) as error:
        return context.messages("therapist.report_failed", reason=str(error))
    finally:
        store.close()
    return context.messages("therapist.report_saved", path=str(path))


def _sound_text(context: GameContext, audio_device: str | None) -> str:
    """Where a session's sound went, as the therapist reads it."""
    if audio_device is None:
        return context.messages("therapist.sound_unknown")
    if audio_device == AUDIO_SILENT:
        return context.messages("therapist.sound_silent")
    return audio_device


def _local(utc_iso: str) -> str:
    """A stored UTC time as the therapist's clock shows it."""
    return local_time(utc_iso).strftime("%Y-%m-%d %H:%M")
