"""Reports as PDF (fpdf2, A4). The same rows and charts as the HTML, laid out for paper.

The font is the DejaVu Sans that matplotlib ships, so that −, ±, ρ and every accent print
without a font of our own.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace

from engine.reports import charts as report_charts
from engine.reports.chart_model import ChartPaper, ProgressChart, Section
from engine.reports.html import progress_rows_with_chart, session_charts
from engine.reports.model import (
    TASK_COLUMNS,
    Column,
    ProgressReport,
    SessionReport,
    assessment_labels,
    assessment_rows,
    cells,
    footer_text,
    key_figures,
    limb_rows,
    local_time,
    session_table_rows,
)
from engine.store.records import Note

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MARGIN_MM = 14.0
HEADING_FILL = (241, 244, 248)
RULE_GREY = (150, 150, 150)
TEXT_GREY = (85, 85, 85)
NOTE_BLUE = (0, 114, 178)
ASSESSMENT_SRO_HEADINGS = ("SRO base", "SRO mid", "SRO end", "SRO change")


class _Document(FPDF):
    def __init__(self, versions: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=16)
        self.footer_line = footer_text(versions)
        self.set_creator("OnBeat")

    @property
    def content_width_mm(self) -> float:
        return self.w - 2 * MARGIN_MM

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 6.5)
        self.set_text_color(*TEXT_GREY)
        page_mm = 18
        self.multi_cell(self.content_width_mm - page_mm, 3, self.footer_line)
        self.set_xy(self.w - MARGIN_MM - page_mm, -13)
        self.cell(page_mm, 3, f"page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def _thin_rules(self) -> None:
        self.set_draw_color(200, 200, 200)
        self.set_line_width(0.2)

    def title_block(self, title: str, subtitle: str) -> None:
        self.set_font(FONT, "B", 16)
        self.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9.5)
        self.set_text_color(*TEXT_GREY)
        self.cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def heading(self, text: str, room_mm: float = 30.0) -> None:
        if self.will_page_break(room_mm):
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 11)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE_GREY)
        self.line(MARGIN_MM, self.get_y(), self.w - MARGIN_MM, self.get_y())
        self.ln(1.5)

    def small_text(self, text: str) -> None:
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*TEXT_GREY)
        self.multi_cell(0, 3.6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def label_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        self.set_font(FONT, "", 9)
        self._thin_rules()
        with self.table(
            col_widths=(35, self.content_width_mm - 35),
            width=self.content_width_mm,
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=4.6,
            text_align=("LEFT", "LEFT"),
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(label, style=FontFace(emphasis="BOLD"))
                row.cell(value)

    def grid(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        numeric: Sequence[bool],
        font_size: float = 7.5,
        bold_last: bool = False,
    ) -> None:
        self.set_font(FONT, "", font_size)
        self._thin_rules()
        with self.table(
            col_widths=tuple(widths),
            width=self.content_width_mm,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            borders_layout="HORIZONTAL_LINES",
            line_height=font_size * 0.5,
            text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
            padding=(0.8, 0.5),
        ) as table:
            heading = table.row()
            for text in headings:
                heading.cell(text)
            for index, values in enumerate(rows):
                style = FontFace(emphasis="BOLD") if bold_last and index == len(rows) - 1 else None
                row = table.row(style=style)
                for text in values:
                    row.cell(text)

    def key_figures(self, figures: Sequence[tuple[str, str]]) -> None:
        box_mm = self.content_width_mm / len(figures)
        top = self.get_y()
        self.set_draw_color(213, 219, 227)
        for index, (value, label) in enumerate(figures):
            x = MARGIN_MM + index * box_mm
            self.rect(x + 0.8, top, box_mm - 1.6, 13, round_corners=True)
            self.set_xy(x + 2.5, top + 1.5)
            self.set_font(FONT, "B", 11.5)
            self.cell(box_mm - 5, 5.5, value)
            self.set_xy(x + 2.5, top + 7.5)
            self.set_font(FONT, "", 6.5)
            self.set_text_color(*TEXT_GREY)
            self.cell(box_mm - 5, 3.5, label)
            self.set_text_color(0, 0, 0)
        self.set_xy(MARGIN_MM, top + 15)

    def chart(self, png: bytes, height_ratio: float = 0.36) -> None:
        height_mm = self.content_width_mm * height_ratio
        if self.will_page_break(height_mm):
            self.add_page()
        self.image(io.BytesIO(png), w=self.content_width_mm)

    def notes(
        self,
        notes: Sequence[Note],
        blank_lines: int = 3,
        about: Callable[[Note], str] | None = None,
    ) -> None:
        """The notes, each with its author and time (and what it is about, when ``about``
        says), or ruled lines to write on."""
        if not notes:
            self.set_draw_color(*RULE_GREY)
            for _ in range(blank_lines):
                self.ln(7)
                self.line(MARGIN_MM, self.get_y(), self.w - MARGIN_MM, self.get_y())
            self.ln(2)
            return
        for note in notes:
            top = self.get_y()
            self.set_x(MARGIN_MM + 3)
            self.set_font(FONT, "", 9)
            self.multi_cell(
                self.content_width_mm - 3, 4.4, note.body, new_x="LMARGIN", new_y="NEXT"
            )
            self.set_x(MARGIN_MM + 3)
            self.set_font(FONT, "", 7)
            self.set_text_color(*TEXT_GREY)
            written = local_time(note.written_at_utc).strftime("%Y-%m-%d %H:%M")
            byline = f"{note.author}, {written}" + (f" · {about(note)}" if about else "")
            self.cell(0, 4, byline, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
            self.set_draw_color(*NOTE_BLUE)
            self.set_line_width(0.7)
            self.line(MARGIN_MM + 0.5, top, MARGIN_MM + 0.5, self.get_y())
            self.set_line_width(0.2)
            self.ln(2)

    def section(self, section: Section) -> None:
        """A generic section of the chart papers: heading, table, small text, charts, notes."""
        self.heading(section.title)
        table = section.table
        if table is not None:
            self.grid(
                table.headings,
                table.rows,
                table.widths,
                table.numeric,
                font_size=7.5,
                bold_last=table.total_last,
            )
            self.ln(1)
        for line in section.lines:
            self.small_text(line)
        for png in section.charts:
            self.chart(png, height_ratio=0.25)
        if section.notes is not None:
            self.notes(section.notes)

    def signatures(self, signed: Sequence[str], by_hand: bool) -> None:
        """Electronic signature statements, and lines to sign on paper when needed."""
        if self.will_page_break(30):
            self.add_page()
        self.ln(4)
        for statement in signed:
            self.set_font(FONT, "", 8.5)
            self.set_fill_color(244, 248, 252)
            self.set_draw_color(155, 183, 212)
            self.multi_cell(
                0, 4.6, statement, border=1, fill=True, padding=1.2, new_x="LMARGIN", new_y="NEXT"
            )
            self.ln(1.5)
        if by_hand:
            self.signature_line()

    def signature_line(self) -> None:
        self.ln(16)
        third = self.content_width_mm / 3
        self.set_draw_color(40, 40, 40)
        self.set_font(FONT, "", 8)
        y = self.get_y()
        for index, label in enumerate(("Therapist (name, credentials)", "Signature", "Date")):
            x = MARGIN_MM + index * third
            self.line(x, y, x + third - 6, y)
            self.set_xy(x, y + 0.8)
            self.cell(third - 6, 4, label)
        self.ln(6)


def _task_widths(columns: Sequence[Column]) -> list[float]:
    wide = {
        "task_name": 5.0,
        "limb": 4.2,
        "task_number": 1.3,
        "rayleigh_p": 3.0,
        "tempo_bpm_range": 3.6,  # "91.5–100"
    }
    return [wide.get(column.key, 2.45) for column in columns]


def _task_table(
    pdf: _Document, report: SessionReport, columns: Sequence[Column], size: float
) -> None:
    rows = [cells(task, columns) for task in (*report.tasks, report.overall)]
    pdf.grid(
        [column.label for column in columns],
        rows,
        _task_widths(columns),
        [column.numeric for column in columns],
        font_size=size,
        bold_last=True,
    )


def _output(pdf: _Document) -> bytes:
    return bytes(pdf.output())


def session_pdf(report: SessionReport, versions: str = "") -> bytes:
    pdf = _Document(versions)
    pdf.set_title(f"OnBeat session {report.session.session_id}")
    pdf.add_page()
    pdf.title_block(
        "Session report", f"{report.header.level} · session {report.session.session_id}"
    )
    pdf.label_rows(report.header.rows())
    pdf.heading("Summary")
    pdf.key_figures(key_figures(report.overall))
    if report.adaptation_line():
        pdf.small_text(report.adaptation_line())
    pdf.heading("Tasks")
    _task_table(pdf, report, TASK_COLUMNS, 6.3)
    pdf.ln(1)
    pdf.small_text(
        "Task Avg: mean |asynchrony| of paired taps. SRO: share within the SRO window. "
        "Early/late: shares of paired taps before/after the beat. Burst: most SRO taps in a "
        "row. R: phase locking (1 = every tap at the same phase). ITI CV: variability of "
        "inter-tap intervals."
    )
    for line in report.record_gap_lines():
        pdf.small_text(f"Not in the record: {line}")
    for line in report.research_lines():
        pdf.small_text(line)
    charts = session_charts(report)
    pdf.heading("Asynchrony over time", room_mm=75)
    pdf.chart(charts["over_time"])
    pdf.heading("Distribution of asynchrony", room_mm=75)
    pdf.chart(charts["histogram"])
    pdf.heading("Therapist note")
    pdf.notes(report.notes)
    return _output(pdf)


def progress_pdf(report: ProgressReport, chart: ProgressChart) -> bytes:
    pdf = _Document(chart.versions)
    pdf.set_title(f"OnBeat progress {report.profile.code}")
    pdf.add_page()
    pdf.title_block("Progress report", f"Profile {report.profile.code} · {report.period}")
    pdf.label_rows(progress_rows_with_chart(report, chart))
    for section in chart.sections:
        pdf.section(section)
    pdf.heading("Task Average and SRO % per limb", room_mm=80)
    if report.progress.limbs:
        pdf.chart(report_charts.progress_png(report.progress.limbs))
        pdf.grid(
            [
                "Limb",
                "Sessions",
                "First Task Avg ms",
                "Latest",
                "Change",
                "First SRO %",
                "Latest",
                "Change",
            ],
            limb_rows(report),
            [4, 2, 3, 2, 2, 3, 2, 2],
            [False] + [True] * 7,
        )
        pdf.small_text(
            "Change is latest − first session: a falling Task Average and a rising SRO % are "
            "progress."
        )
    else:
        pdf.small_text("No sessions with taps in this period.")
    pdf.heading("Assessment: baseline, middle, end")
    table = report.assessment
    if table is None:
        pdf.small_text("No complete standard assessment in this period.")
    else:
        pdf.grid(
            ["Task", *assessment_labels(table), "Change ms", "Change %", *ASSESSMENT_SRO_HEADINGS],
            assessment_rows(table),
            [5, 2.6, 2.6, 2.6, 2, 2, 1.7, 1.7, 1.7, 1.9],
            [False] + [True] * 9,
            font_size=7,
            bold_last=True,
        )
        pdf.small_text(
            "Task Average in ms per task of the standard assessment; change is end − baseline "
            "(negative is better); SRO change in percentage points."
        )
    pdf.heading("Sessions")
    pdf.grid(
        ["Date", "Level", "Status", "Minutes", "Units", "Taps", "Task Avg ms", "SRO %"],
        session_table_rows(report),
        [3.2, 4, 2.4, 1.6, 1.4, 1.4, 2, 1.6],
        [False, False, False, True, True, True, True, True],
    )
    pdf.heading("Notes")
    pdf.notes(report.notes, blank_lines=2, about=report.note_about)
    pdf.signatures(chart.signed, by_hand=True)
    return _output(pdf)


def chart_paper_pdf(paper: ChartPaper) -> bytes:
    """The flow sheet (a page per date) or the re-evaluation."""
    pdf = _Document(paper.versions)
    pdf.set_title(paper.title)
    for page in paper.pages:
        pdf.add_page()
        pdf.title_block(page.title, page.subtitle)
        pdf.label_rows(page.header_rows)
        for section in page.sections:
            pdf.section(section)
        pdf.signatures(page.signed, page.sign_by_hand)
    return _output(pdf)
