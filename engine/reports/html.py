"""Reports as one self-contained HTML file (jinja2; charts inline as base64 PNG)."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import jinja2

from engine.reports import charts as report_charts
from engine.reports.chart_model import ChartPaper, ProgressChart
from engine.reports.model import (
    TASK_COLUMNS,
    ProgressReport,
    SessionReport,
    assessment_labels,
    assessment_rows,
    cells,
    footer_text,
    key_figures,
    limb_rows,
    local_time,
    progress_header_rows,
    session_table_rows,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,  # notes are free text typed by people
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals.update(
    zip=zip,
    data_uri=lambda png: data_uri(png),
    cells=cells,
    key_figures_of=key_figures,
    local=lambda utc_iso: local_time(utc_iso).strftime("%Y-%m-%d %H:%M"),
)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _sro_windows_ms(report: SessionReport) -> list[float]:
    """The SRO window each paired tap was judged with (those recorded)."""
    return [
        window
        for task in report.metrics.task_taps
        for window in task.sro_ms.tolist()
        if math.isfinite(window)
    ]


def _sro_text(report: SessionReport) -> str:
    windows = set(_sro_windows_ms(report))
    if len(windows) > 3:  # an adaptive level moved it: say how far
        return f"{min(windows):.1f}–{max(windows):.1f}"
    return "/".join(f"{window:g}" for window in sorted(windows)) or "15"


def _main_sro_ms(report: SessionReport) -> float:
    windows = _sro_windows_ms(report)
    return max(set(windows), key=windows.count) if windows else 15.0


def session_charts(report: SessionReport) -> dict[str, bytes]:
    tasks = report.metrics.task_taps
    sro_ms = _main_sro_ms(report)
    return {
        "over_time": report_charts.asynchrony_over_time_png(tasks, sro_ms),
        "histogram": report_charts.asynchrony_histogram_png(tasks, sro_ms),
    }


def session_html(report: SessionReport, versions: str = "") -> str:
    charts = {name: data_uri(png) for name, png in session_charts(report).items()}
    return _environment.get_template("session.html.j2").render(
        title=f"OnBeat session {report.session.session_id} · {report.header.profile_code}",
        report=report,
        charts=charts,
        task_columns=TASK_COLUMNS,
        sro_text=_sro_text(report),
        footer=footer_text(versions),
    )


def progress_html(report: ProgressReport, chart: ProgressChart) -> str:
    charts = {"progress": data_uri(report_charts.progress_png(report.progress.limbs))}
    table = report.assessment
    return _environment.get_template("progress.html.j2").render(
        title=f"OnBeat progress · {report.profile.code}",
        report=report,
        charts=charts,
        header_rows=progress_rows_with_chart(report, chart),
        chart=chart,
        limb_rows=limb_rows(report),
        assessment_labels=[] if table is None else assessment_labels(table),
        assessment_rows=assessment_rows(table),
        session_rows=session_table_rows(report),
        footer=footer_text(chart.versions),
    )


def progress_rows_with_chart(report: ProgressReport, chart: ProgressChart) -> list:
    """The progress report's header rows with the chart fields after the profile's code, and
    the minutes and units billed under codes beside the sessions' clock minutes."""
    rows = progress_header_rows(report)
    renamed = {"Minutes": "Minutes (session clock)", "15-minute units": "Units if one code"}
    rows = [(renamed.get(label, label), value) for label, value in rows]
    return [rows[0], *chart.header_rows, *rows[1:], *chart.billed]


def chart_paper_html(paper: ChartPaper) -> str:
    """The flow sheet or the re-evaluation: one section of the page per date or report."""
    return _environment.get_template("chart_paper.html.j2").render(
        title=paper.title, paper=paper, footer=footer_text(paper.versions)
    )
