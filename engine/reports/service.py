"""What the therapist screens and `run.py report` call: profiles, sessions, results, notes,
and reports in HTML, PDF, CSV or JSON.

Every function takes an open Store and returns data; nothing here draws. Reports go out
through engine/reports/output.py: a file whole or not at all, readable by its owner only;
``-``, a pipe or a device written through.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from engine.billing.codes import (
    BillingConfig,
    BillingConfigError,
    billing_config_path,
    load_billing_config,
)
from engine.billing.units import UnitRule
from engine.metrics.progress import ASSESSMENT_LEVEL_IDS, LimbPoint
from engine.metrics.task import SessionMetrics, TaskMetrics, session_metrics
from engine.reports.chart_model import (
    ChartPaper,
    ProgressChart,
    flow_sheet,
    progress_chart,
    reevaluation,
)
from engine.reports.export import csv_text
from engine.reports.model import (
    EXTRA_TASK_KEYS,
    TASK_COLUMNS,
    ProgressReport,
    SessionReport,
    billing_units,
    progress_report,
    session_report,
)
from engine.reports.output import OutputTarget, write_output
from engine.reports.versions import versions_line
from engine.store.protocol import Store
from engine.store.records import Note, ProfileRecord, SessionRecord

FORMATS: tuple[str, ...] = ("html", "pdf", "csv", "json")
DEFAULT_FORMAT = "html"
# File name suffixes (lower case, without the dot) and the format each one means.
_FORMAT_OF_SUFFIX = {"html": "html", "htm": "html", "pdf": "pdf", "csv": "csv", "json": "json"}
REPORT_JSON_VERSION = 1


class ReportError(ValueError):
    """A report that cannot be made as asked; the message says what to ask instead."""


@dataclass(frozen=True)
class ReportRequest:
    """One session (``session_id``) or one profile's progress (``profile_code``, optionally
    sessions started on local dates from..to inclusive). ``flow_sheet``: the one-page chart
    sheet per session instead (HTML or PDF)."""

    format: str
    session_id: int | None = None
    profile_code: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    flow_sheet: bool = False
    assessment_level_ids: tuple[str, ...] = ASSESSMENT_LEVEL_IDS
    reevaluation: bool = False  # the re-evaluation report of a profile's goals
    unit_rule: str = "cms"  # how minutes per code become units: "cms" or "per-code"
    billing_config_path: Path | None = None  # None: the clinic's, else the shipped one

    def check(self) -> None:
        if self.format not in FORMATS:
            raise ReportError(f"format {self.format!r}: choose one of {', '.join(FORMATS)}")
        if (self.session_id is None) == (self.profile_code is None):
            raise ReportError("give either a session (--session ID) or a profile (--profile CODE)")
        if self.session_id is not None and (self.from_date or self.to_date):
            raise ReportError(
                "--from and --to choose a profile's sessions; drop them with --session"
            )
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise ReportError(f"--from {self.from_date} is after --to {self.to_date}")
        if self.flow_sheet and self.format not in ("html", "pdf"):
            raise ReportError("flow sheets are pages to print: use --format html or pdf")
        if self.reevaluation and self.format not in ("html", "pdf"):
            raise ReportError("a re-evaluation is pages to print: use --format html or pdf")
        if self.reevaluation and (self.profile_code is None or self.flow_sheet):
            raise ReportError("a re-evaluation is of a profile's goals: give --profile only")
        if self.unit_rule not in ("cms", "per-code"):
            raise ReportError(f"unit rule {self.unit_rule!r}: choose cms or per-code")


def format_for(out_path: Path, format_name: str | None) -> str:
    """The format to write ``out_path`` in: ``format_name`` when given, else the one its
    suffix names (html without a suffix). ReportError when the suffix names another format
    than ``format_name``, or one OnBeat does not write, so that y.pdf never holds HTML."""
    suffix = Path(out_path).suffix.lower().removeprefix(".")
    from_suffix = _FORMAT_OF_SUFFIX.get(suffix)
    if format_name is None:
        if from_suffix is not None:
            return from_suffix
        if not suffix:
            return DEFAULT_FORMAT
        raise ReportError(
            f"{out_path}: cannot tell the format from the suffix .{suffix}; give --format "
            f"({', '.join(FORMATS)}) or end the name in .html, .pdf, .csv or .json"
        )
    if from_suffix is not None and from_suffix != format_name:
        raise ReportError(
            f"{out_path}: the suffix .{suffix} says {from_suffix} but --format says "
            f"{format_name}; drop --format, or write to "
            f"{Path(out_path).with_suffix('.' + format_name)}"
        )
    return format_name


# --- what the therapist screens list and show ----------------------------------------------
def list_profiles(store: Store) -> list[ProfileRecord]:
    return store.list_profiles()


def list_sessions(store: Store, profile_code: str) -> list[SessionRecord]:
    """Sessions of a profile, newest first (as a list on screen reads)."""
    store.profile(profile_code)
    return store.list_sessions(profile_code)[::-1]


def session_results(store: Store, session_id: int) -> SessionMetrics:
    return session_metrics(store, session_id)


def save_note(store: Store, session_id: int, body: str, author: str) -> Note:
    return store.add_note(body, author, session_id=session_id)


def save_report(store: Store, request: ReportRequest, folder: Path) -> Path:
    """Write the report into ``folder`` (made if missing) under a name that says what it is;
    return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_report(store, request, folder / report_file_name(store, request))


def report_file_name(store: Store, request: ReportRequest) -> str:
    kind = "flow-sheet" if request.flow_sheet else "report"
    if request.reevaluation:
        kind = "reevaluation"
    if request.session_id is not None:
        session = store.session(request.session_id)
        day = session.started_at_utc[:10]
        stem = f"onbeat-{kind}-{session.profile_code}-session-{session.session_id}-{day}"
    else:
        span = "-".join(str(d) for d in (request.from_date, request.to_date) if d) or "all"
        name = "progress" if kind == "report" else kind
        stem = f"onbeat-{name}-{request.profile_code}-{span}"
    return f"{stem}.{request.format}"


# --- making reports -----------------------------------------------------------------------
def render_report(store: Store, request: ReportRequest) -> bytes:
    """The report's file content. ReportError for a request that makes no sense, LookupError
    for an unknown session or profile."""
    request.check()
    if request.flow_sheet or request.reevaluation:
        return _render_chart_paper(_chart_paper(store, request), request.format)
    if request.session_id is not None:
        report = session_report(store, request.session_id)
        versions = versions_line(store, [report.session])
        return _render_session(report, request.format, versions)
    progress = progress_report(
        store,
        request.profile_code,
        request.from_date,
        request.to_date,
        request.assessment_level_ids,
    )
    chart = None
    if request.format in ("html", "pdf"):
        chart = progress_chart(
            store,
            progress.profile,
            progress.progress.sessions,
            request.to_date,
            _billing_config(request),
            UnitRule(request.unit_rule),
        )
    return _render_progress(progress, request.format, chart)


def write_report(store: Store, request: ReportRequest, out_path: Path | OutputTarget) -> Path:
    """Render the report and write it to ``out_path`` (a path, ``-`` or a checked target);
    return where it went. OutputError if it cannot be written."""
    content = render_report(store, request)
    write_output(out_path, content)
    return Path(out_path.given if isinstance(out_path, OutputTarget) else out_path)


def _billing_config(request: ReportRequest) -> BillingConfig:
    path = request.billing_config_path or billing_config_path()
    try:
        return load_billing_config(path)
    except BillingConfigError as error:
        raise ReportError(f"the billing codes file has problems:\n{error}") from None


def _chart_paper(store: Store, request: ReportRequest) -> ChartPaper:
    if request.session_id is not None:
        sessions = [store.session(request.session_id)]
        profile = store.profile(sessions[0].profile_code)
    else:
        progress = progress_report(store, request.profile_code, request.from_date, request.to_date)
        sessions, profile = list(progress.progress.sessions), progress.profile
    if request.reevaluation:
        return reevaluation(store, profile, sessions, request.to_date)
    if not sessions:
        raise ReportError(f"profile {request.profile_code} has no ended sessions in that period")
    return flow_sheet(store, sessions, _billing_config(request), UnitRule(request.unit_rule))


def _render_chart_paper(paper: ChartPaper, format_name: str) -> bytes:
    if format_name == "pdf":
        from engine.reports.pdf import chart_paper_pdf

        return chart_paper_pdf(paper)
    from engine.reports.html import chart_paper_html

    return chart_paper_html(paper).encode("utf-8")


def _render_session(report: SessionReport, format_name: str, versions: str) -> bytes:
    if format_name == "html":
        from engine.reports.html import session_html

        return session_html(report, versions).encode("utf-8")
    if format_name == "pdf":
        from engine.reports.pdf import session_pdf

        return session_pdf(report, versions)
    if format_name == "json":
        return _json_bytes(session_json(report))
    return _csv_bytes(SESSION_CSV_COLUMNS, session_csv_rows(report))


def _render_progress(
    report: ProgressReport, format_name: str, chart: ProgressChart | None
) -> bytes:
    if format_name == "html":
        from engine.reports.html import progress_html

        return progress_html(report, chart).encode("utf-8")
    if format_name == "pdf":
        from engine.reports.pdf import progress_pdf

        return progress_pdf(report, chart)
    if format_name == "json":
        return _json_bytes(progress_json(report))
    return _csv_bytes(PROGRESS_CSV_COLUMNS, progress_csv_rows(report))


# --- JSON and CSV: the same numbers as data -------------------------------------------------
def _plain(value: object) -> object:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _json_bytes(data: dict) -> bytes:
    return (json.dumps(_plain(data), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _session_fields(report: SessionReport) -> dict[str, object]:
    session = report.session
    header = report.header
    return {
        "session_id": session.session_id,
        "profile_code": session.profile_code,
        "level_id": session.level_id,
        "level_title": session.level_title,
        "status": report.status,
        "taps": report.tap_count,
        "started_at_utc": session.started_at_utc,
        "ended_at_utc": session.ended_at_utc,
        "minutes": header.minutes,
        "minutes_note": header.minutes_note,
        "billing_units": header.billing_units,
        "station": session.station,
        "sample_rate_hz": session.sample_rate_hz,
        "input_offset_ms": session.input_offset_ms,
        "output_latency_ms": session.output_latency_ms,
        "calibration": None if session.calibration is None else asdict(session.calibration),
        "plan_id": session.plan_id,
        "audio_device": session.audio_device,
        "autoplayed": session.autoplayed,
    }


def session_json(report: SessionReport) -> dict[str, object]:
    return {
        "report": "session",
        "version": REPORT_JSON_VERSION,
        "session": _session_fields(report),
        "overall": report.overall.as_dict(),
        "tasks": [task.as_dict() for task in report.tasks],
        "notes": [asdict(note) for note in report.notes],
        "adaptation_steps": [asdict(step) for step in report.adaptation_steps],
        "not_in_the_record": [asdict(gap) for gap in report.record_gaps],
    }


def _point(point: LimbPoint) -> dict[str, object]:
    return asdict(point)


def progress_json(report: ProgressReport) -> dict[str, object]:
    point_of = {p.session_id: p for p in report.progress.overall}
    table = report.assessment
    assessment = None
    if table is not None:
        assessment = {
            "baseline_session_id": table.baseline.session_id,
            "mid_session_id": None if table.mid is None else table.mid.session_id,
            "end_session_id": None if table.end is None else table.end.session_id,
            "tasks": [
                {
                    **asdict(row),
                    "task_average_change_ms": row.task_average_change_ms,
                    "task_average_change_percent": row.task_average_change_percent,
                    "sro_change_points": row.sro_change_points,
                }
                for row in (*table.rows, table.overall)
            ],
        }
    return {
        "report": "progress",
        "version": REPORT_JSON_VERSION,
        "profile": asdict(report.profile),
        "from_date": None if report.from_date is None else str(report.from_date),
        "to_date": None if report.to_date is None else str(report.to_date),
        "total_minutes": report.total_minutes,
        "total_billing_units": report.total_units,
        "sessions": [
            {
                "session_id": session.session_id,
                "level_id": session.level_id,
                "status": status,
                "taps": taps,
                "started_at_utc": session.started_at_utc,
                "seconds": seconds,
                "minutes": minutes,
                "billing_units": None if minutes is None else billing_units(minutes),
                "overall": None
                if point_of.get(session.session_id) is None
                else _point(point_of[session.session_id]),
            }
            for session, status, taps, seconds, minutes in zip(
                report.progress.sessions,
                report.statuses(shown=False),
                report.tap_counts,
                report.session_seconds,
                report.session_minutes,
                strict=True,
            )
        ],
        "limbs": [
            {
                "limb": limb.limb,
                "first_session_id": None if limb.first is None else limb.first.session_id,
                "latest_session_id": None if limb.latest is None else limb.latest.session_id,
                "task_average_change_ms": limb.task_average_change_ms,
                "sro_change_points": limb.sro_change_points,
                "points": [_point(point) for point in limb.points],
            }
            for limb in report.progress.limbs
        ],
        "assessment": assessment,
        "notes": [asdict(note) for note in report.notes],
    }


CONTINUATION_CSV_COLUMNS: tuple[str, ...] = (
    "continuation_paired_taps",
    "continuation_iti_mean_ms",
    "continuation_iti_cv",
    "continuation_drift_ms_per_tap",
    "wk_clock_variance_ms2",
    "wk_motor_variance_ms2",
    "wk_lag1_autocorrelation",
    "wk_not_reported_because",
)
TASK_CSV_KEYS: tuple[str, ...] = (
    # The tempo range goes out as its two numbers (EXTRA_TASK_KEYS), not as shown.
    *(
        column.key
        for column in TASK_COLUMNS
        if column.key not in ("task_number", "tempo_bpm_range")
    ),
    *EXTRA_TASK_KEYS,
)
SESSION_CSV_COLUMNS: tuple[str, ...] = (
    "session_id",
    "profile_code",
    "started_at_utc",
    *TASK_CSV_KEYS,
    *CONTINUATION_CSV_COLUMNS,
)
PROGRESS_CSV_COLUMNS: tuple[str, ...] = (
    "profile_code",
    "limb",
    *(name for name in LimbPoint.__dataclass_fields__),
)


def _continuation_cells(task: TaskMetrics) -> list[object]:
    continuation = task.continuation
    if continuation is None:
        return [None] * len(CONTINUATION_CSV_COLUMNS)
    model = continuation.wing_kristofferson
    return [
        continuation.paired_taps,
        continuation.iti_mean_ms,
        continuation.iti_cv,
        continuation.drift_ms_per_tap,
        model.clock_variance_ms2,
        model.motor_variance_ms2,
        model.lag1_autocorrelation,
        model.reason,
    ]


def session_csv_rows(report: SessionReport) -> list[list[object]]:
    session = report.session
    return [
        [
            session.session_id,
            session.profile_code,
            session.started_at_utc,
            *(getattr(task, key) for key in TASK_CSV_KEYS),
            *_continuation_cells(task),
        ]
        for task in (*report.tasks, report.overall)
    ]


def progress_csv_rows(report: ProgressReport) -> list[list[object]]:
    """One row per session and limb, then one per session with every limb pooled ('all')."""
    code = report.profile.code
    rows = [
        [code, limb.limb, *asdict(point).values()]
        for limb in report.progress.limbs
        for point in limb.points
    ]
    rows += [[code, "all", *asdict(point).values()] for point in report.progress.overall]
    return rows


def _csv_cell(value: object) -> object:
    """Empty for no value (None, NaN, infinity), as spreadsheets expect; text that would
    start a formula neutralised."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return csv_text(value)


def _csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
