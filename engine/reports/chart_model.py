"""What the chart papers say before they are laid out: the flow sheet (one page per date:
minutes and units per code, tasks with Task Average and SRO %, goal progress, the notes and
the signatures), the goal and billing sections of the progress report, and the
re-evaluation report (baseline against now, per goal).

Each paper is pages of generic sections (a table, lines of text, charts, notes), so that the
HTML and PDF layouts draw the same rows. Every paper names the OnBeat version that made it
and the versions of the levels its sessions played (engine/reports/versions.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from engine.billing.codes import BillingConfig
from engine.billing.session_billing import measured_active_seconds, signature_state
from engine.billing.units import SessionUnits, UnitRule, session_units
from engine.metrics.goal_series import GoalStanding, goal_standing, local_date
from engine.reports import charts as report_charts
from engine.reports.model import SHOW_MS, SHOW_PERCENT, SessionReport, local_time, session_report
from engine.reports.versions import versions_line
from engine.store.chart_records import CHART_FIELDS_ON, CHART_FIELDS_SETTING
from engine.store.protocol import Store
from engine.store.records import Note, ProfileRecord, SessionRecord

NOT_ASSIGNED = "not assigned"


@dataclass(frozen=True)
class Table:
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    widths: tuple[float, ...]  # relative widths, for paper
    total_last: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    table: Table | None = None
    lines: tuple[str, ...] = ()  # small text under the table
    charts: tuple[bytes, ...] = ()  # PNG
    notes: tuple[Note, ...] | None = None  # None: no notes here; (): lines to write on


@dataclass(frozen=True)
class ChartPage:
    title: str
    subtitle: str
    header_rows: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    signed: tuple[str, ...]  # one electronic signature statement per signature shown
    sign_by_hand: bool  # something on the page is unsigned: lines to sign on paper


@dataclass(frozen=True)
class ChartPaper:
    title: str
    pages: tuple[ChartPage, ...]
    versions: str  # "OnBeat 0.1.0; levels as played: ..."


def chart_fields_on(store: Store) -> bool:
    return store.station_setting(CHART_FIELDS_SETTING) == CHART_FIELDS_ON


def profile_rows(store: Store, profile: ProfileRecord) -> list[tuple[str, str]]:
    """The profile's code, and its chart fields where the clinic turned them on."""
    rows = [("Profile", profile.code)]
    fields = store.chart_fields(profile.code) if chart_fields_on(store) else None
    if fields is not None:
        rows += [
            ("MRN", fields.mrn or "–"),
            ("Date of birth", fields.date_of_birth or "–"),
            ("Diagnoses (ICD-10)", ", ".join(fields.diagnosis_codes) or "–"),
        ]
    return rows


# --- goals --------------------------------------------------------------------------------
def _value(standing: GoalStanding, value: float | None) -> str:
    if value is None or standing.progress is None:
        return "–"
    unit = standing.progress.target.goal_metric.unit
    shown = SHOW_PERCENT(value) if unit == "%" else SHOW_MS(value)
    return f"{shown} {unit}"


def _trend(standing: GoalStanding) -> str:
    progress = standing.progress
    if progress is None or progress.trend_per_week is None:
        return "–"
    direction = "toward" if progress.improving else "away from"
    slope = f"{progress.trend_per_week:+.1f}".replace("-", "−")
    return f"{slope} {progress.trend_unit} ({direction} target)"


def _met(standing: GoalStanding) -> str:
    progress = standing.progress
    if progress is None or progress.met is None:
        return "–"
    if progress.met:
        return "met"
    return f"not yet (first met {progress.first_met_on})" if progress.first_met_on else "not yet"


def goal_target_text(standing: GoalStanding) -> str:
    target = standing.goal.target
    return "no measurable target" if target is None else target.describe()


def goals_section(standings: Sequence[GoalStanding], title: str = "Goals") -> Section:
    """Per goal: the words, the target, baseline, latest, trend and whether it is met."""
    if not standings:
        return Section(title, lines=("No goals written for this profile.",))
    rows = []
    for index, standing in enumerate(standings, start=1):
        progress = standing.progress
        baseline = latest = None
        if progress is not None and progress.baseline is not None:
            baseline, latest = progress.baseline, progress.latest
        rows.append(
            (
                str(index),
                standing.record.text
                + ("" if standing.record.open else f" (closed: {standing.record.closed_reason})"),
                goal_target_text(standing),
                "–" if baseline is None else f"{_value(standing, baseline.value)} ({baseline.day})",
                "–" if latest is None else f"{_value(standing, latest.value)} ({latest.day})",
                _trend(standing),
                _met(standing),
            )
        )
    table = Table(
        ("#", "Goal", "Target", "Baseline", "Latest", "Trend per week", "Status"),
        tuple(rows),
        (True, False, False, False, False, False, False),
        (1, 7, 5, 3.4, 3.4, 3.8, 2.6),
    )
    charts = tuple(
        report_charts.goal_png(index, standing)
        for index, standing in enumerate(standings, start=1)
        if standing.progress is not None and standing.points
    )
    lines = (
        "Baseline: the first session from the goal's start day on; latest: the last session up "
        "to the end of the period; trend: least-squares slope per week.",
    )
    return Section(title, table, lines, charts)


# --- minutes and units --------------------------------------------------------------------
@dataclass(frozen=True)
class DayBilling:
    """The minutes per code of one date's sessions added up, and the units they bill."""

    units: SessionUnits | None  # None: no session of the day has minutes assigned
    active_seconds: float
    unassigned: tuple[int, ...]  # sessions without minutes per code


def day_billing(
    store: Store, sessions: Sequence[SessionRecord], config: BillingConfig, rule: UnitRule
) -> DayBilling:
    minutes: dict[str, int] = {}
    unassigned = []
    seconds = 0.0
    for session in sessions:
        seconds += measured_active_seconds(store, session.session_id)
        assigned = store.session_minutes(session.session_id)
        if assigned is None:
            unassigned.append(session.session_id)
            continue
        for line in assigned.lines:
            minutes[line.code] = minutes.get(line.code, 0) + line.minutes
    units = session_units(minutes, config, rule) if minutes else None
    return DayBilling(units, seconds, tuple(unassigned))


def billing_section(billing: DayBilling, config: BillingConfig, rule: UnitRule) -> Section:
    lines = [
        f"Active time measured from the recording: {billing.active_seconds / 60:.1f} min "
        "(the metronome running for the child, pauses, count-ins and menus left out). "
        f"Units by the {'CMS 8-minute rule' if rule is UnitRule.CMS else 'per-code rule'}.",
    ]
    if billing.unassigned:
        sessions = ", ".join(str(s) for s in billing.unassigned)
        lines.append(f"Minutes not yet assigned to codes for session(s) {sessions}.")
    if billing.units is None:
        return Section("Minutes and units", lines=tuple(lines))
    rows = []
    for line in billing.units.codes:
        entry = config.find(line.code)
        rows.append(
            (line.code, entry.description if entry else "", str(line.minutes), str(line.units))
        )
    rows.append(("Total", "", str(billing.units.treatment_minutes), str(billing.units.total_units)))
    table = Table(
        ("Code", "Description", "Minutes", "Units"),
        tuple(rows),
        (False, False, True, True),
        (1.6, 10, 1.6, 1.4),
        total_last=True,
    )
    return Section("Minutes and units", table, tuple(lines))


# --- signatures ---------------------------------------------------------------------------
def signature_statements(store: Store, session_ids: Sequence[int]) -> tuple[list[str], bool]:
    """One statement per therapist and signing of these sessions, and whether any session
    is unsigned or was changed after it was signed (then it needs signing again)."""
    by_signer: dict[tuple[str, str], list[int]] = {}
    needs_hand = False
    for session_id in session_ids:
        state = signature_state(store, session_id)
        if state is None or not state.current:
            needs_hand = True
        if state is None:
            continue
        therapist = state.therapist
        who = therapist.signed_name + (f", NPI {therapist.npi}" if therapist.npi else "")
        when = local_time(state.signature.signed_at_utc).strftime("%Y-%m-%d %H:%M %Z")
        stale = "" if state.current else " — CHANGED AFTER SIGNING, to be signed again"
        by_signer.setdefault((who, when + stale), []).append(session_id)
    statements = [
        f"Electronically signed by {who} on {when}: minutes, codes and notes of session"
        f"{'s' if len(ids) > 1 else ''} {', '.join(str(i) for i in ids)}."
        for (who, when), ids in by_signer.items()
    ]
    return statements, needs_hand


# --- the flow sheet -----------------------------------------------------------------------
def _task_rows(reports: Sequence[SessionReport]) -> Table:
    rows = []
    for report in reports:
        for task in report.tasks:
            rows.append(
                (
                    str(report.session.session_id),
                    report.session.level_title,
                    task.task_name,
                    task.limb.replace("_", " ").replace("/", " / "),
                    str(task.beats),
                    str(task.paired_taps),
                    SHOW_MS(task.task_average_ms),
                    SHOW_PERCENT(task.sro_percent),
                )
            )
    return Table(
        ("Session", "Level", "Task", "Limb", "Beats", "Taps", "Task Avg ms", "SRO %"),
        tuple(rows),
        (True, False, False, False, True, True, True, True),
        (1.6, 3.4, 4, 3, 1.4, 1.4, 2, 1.5),
    )


def _goal_day_section(standings: Sequence[GoalStanding], day: date) -> Section:
    rows = []
    for index, standing in enumerate(standings, start=1):
        if standing.progress is None:
            rows.append((str(index), standing.record.text, goal_target_text(standing), "–", "–"))
            continue
        today = [p for p in standing.points if p.day == day]
        value = today[-1].value if today else None
        met = (
            "–"
            if value is None
            else ("met" if standing.progress.target.is_met_by(value) else "not yet")
        )
        baseline = standing.progress.baseline
        rows.append(
            (
                str(index),
                standing.record.text,
                goal_target_text(standing),
                "–" if baseline is None else _value(standing, baseline.value),
                f"{_value(standing, value)} ({met})",
            )
        )
    if not rows:
        return Section("Goal progress", lines=("No goals written for this profile.",))
    table = Table(
        ("#", "Goal", "Target", "Baseline", "This date"),
        tuple(rows),
        (True, False, False, False, False),
        (1, 8, 6, 3, 3.6),
    )
    return Section("Goal progress", table)


def flow_sheet(
    store: Store,
    sessions: Sequence[SessionRecord],
    config: BillingConfig,
    rule: UnitRule,
) -> ChartPaper:
    """One page per local date of ``sessions`` (one profile's, oldest first)."""
    by_day: dict[date, list[SessionRecord]] = {}
    for session in sessions:
        by_day.setdefault(local_date(session.started_at_utc), []).append(session)
    profile = store.profile(sessions[0].profile_code)
    records = store.goals(profile.code)
    pages = []
    for day, day_sessions in by_day.items():
        reports = [session_report(store, s.session_id) for s in day_sessions]
        standings = [goal_standing(store, record, up_to=day) for record in records]
        billing = day_billing(store, day_sessions, config, rule)
        notes = tuple(note for report in reports for note in report.notes)
        signed, by_hand = signature_statements(store, [s.session_id for s in day_sessions])
        times = ", ".join(
            f"{local_time(s.started_at_utc).strftime('%H:%M')} {s.level_title}"
            for s in day_sessions
        )
        pages.append(
            ChartPage(
                title="Flow sheet",
                subtitle=f"{profile.code} · {day.strftime('%Y-%m-%d (%a)')}",
                header_rows=(
                    *profile_rows(store, profile),
                    ("Date", day.isoformat()),
                    ("Sessions", times),
                ),
                sections=(
                    billing_section(billing, config, rule),
                    Section("Tasks", _task_rows(reports)),
                    _goal_day_section(standings, day),
                    Section("Note", notes=notes),
                ),
                signed=tuple(signed),
                sign_by_hand=by_hand,
            )
        )
    return ChartPaper("OnBeat flow sheet", tuple(pages), versions_line(store, sessions))


# --- the progress report's chart sections and the re-evaluation ---------------------------
def _standings(store: Store, profile: ProfileRecord, to_date: date | None) -> list[GoalStanding]:
    return [goal_standing(store, record, up_to=to_date) for record in store.goals(profile.code)]


@dataclass(frozen=True)
class ProgressChart:
    """What the progress report adds for the chart: goals, minutes and units per date, the
    signatures of the period's sessions, and the versions."""

    header_rows: tuple[tuple[str, str], ...]  # chart fields, where on
    billed: tuple[tuple[str, str], ...]  # minutes per code and units, summed over the dates
    sections: tuple[Section, ...]
    signed: tuple[str, ...]
    versions: str


def _billing_by_date(
    store: Store, sessions: Sequence[SessionRecord], config: BillingConfig, rule: UnitRule
) -> tuple[Section, tuple[tuple[str, str], ...]]:
    by_day: dict[date, list[SessionRecord]] = {}
    for session in sessions:
        by_day.setdefault(local_date(session.started_at_utc), []).append(session)
    codes: list[str] = []
    per_day = []
    for day, day_sessions in by_day.items():
        billing = day_billing(store, day_sessions, config, rule)
        per_day.append((day, billing))
        for line in billing.units.codes if billing.units else ():
            if line.code not in codes:
                codes.append(line.code)
    rows = []
    for day, billing in per_day:
        lines = {line.code: line for line in billing.units.codes} if billing.units else {}
        cells = [
            f"{lines[code].minutes} / {lines[code].units}" if code in lines else "–"
            for code in codes
        ]
        total = billing.units
        rows.append(
            (
                day.isoformat(),
                f"{billing.active_seconds / 60:.0f}",
                *cells,
                NOT_ASSIGNED
                if total is None
                else f"{total.treatment_minutes} / {total.total_units}",
            )
        )
    table = Table(
        ("Date", "Active min", *(f"{code} min / units" for code in codes), "Total min / units"),
        tuple(rows),
        (False, True, *(True for _ in codes), True),
        (2.4, 1.8, *(2.4 for _ in codes), 2.6),
    )
    billed = [b.units for _, b in per_day if b.units is not None]
    totals = (
        ("Billed minutes", str(sum(u.treatment_minutes for u in billed))),
        ("Billed units", f"{sum(u.total_units for u in billed)} ({rule.value} rule, per date)"),
    )
    return Section("Minutes and units by date", table), totals


def progress_chart(
    store: Store,
    profile: ProfileRecord,
    sessions: Sequence[SessionRecord],
    to_date: date | None,
    config: BillingConfig,
    rule: UnitRule,
) -> ProgressChart:
    standings = [
        goal_standing(store, record, up_to=to_date) for record in store.goals(profile.code)
    ]
    signed, _ = signature_statements(store, [s.session_id for s in sessions])
    sections = [goals_section(standings)]
    billed: tuple[tuple[str, str], ...] = ()
    if sessions:
        section, billed = _billing_by_date(store, sessions, config, rule)
        sections.append(section)
    return ProgressChart(
        header_rows=tuple(profile_rows(store, profile)[1:]),
        billed=billed,
        sections=tuple(sections),
        signed=tuple(signed),
        versions=versions_line(store, sessions),
    )


def reevaluation(
    store: Store, profile: ProfileRecord, sessions: Sequence[SessionRecord], to_date: date | None
) -> ChartPaper:
    """Per goal: baseline against now, the change, the target and whether it is met."""
    standings = [
        goal_standing(store, record, up_to=to_date) for record in store.goals(profile.code)
    ]
    rows = []
    for index, standing in enumerate(standings, start=1):
        progress = standing.progress
        if progress is None or progress.baseline is None:
            rows.append(
                (str(index), standing.record.text, goal_target_text(standing), "–", "–", "–", "–")
            )
            continue
        change = progress.latest.value - progress.baseline.value
        unit = progress.target.goal_metric.unit
        shown = f"{change:+.0f} points" if unit == "%" else f"{change:+.1f} {unit}"
        change_text = shown.replace("-", "−")
        rows.append(
            (
                str(index),
                standing.record.text,
                goal_target_text(standing),
                f"{_value(standing, progress.baseline.value)} ({progress.baseline.day})",
                f"{_value(standing, progress.latest.value)} ({progress.latest.day})",
                change_text,
                _met(standing),
            )
        )
    comparison = Section(
        "Baseline and now, per goal",
        Table(
            ("#", "Goal", "Target", "Baseline", "Now", "Change", "Status"),
            tuple(rows),
            (True, False, False, False, False, True, False),
            (1, 7, 5, 3.6, 3.6, 2.2, 2.6),
        )
        if rows
        else None,
        lines=() if rows else ("No goals written for this profile.",),
    )
    trend = goals_section(standings, "Trend of each goal")
    period = "–"
    if sessions:
        period = (
            f"{local_date(sessions[0].started_at_utc)} to {local_date(sessions[-1].started_at_utc)}"
        )
    page = ChartPage(
        title="Re-evaluation",
        subtitle=f"{profile.code} · {period}",
        header_rows=(*profile_rows(store, profile), ("Sessions", str(len(sessions)))),
        sections=(comparison, trend, Section("Assessment and plan", notes=())),
        signed=(),
        sign_by_hand=True,
    )
    return ChartPaper("OnBeat re-evaluation", (page,), versions_line(store, sessions))
