"""Report charts as PNG bytes (matplotlib's Agg canvas: no display, no global pyplot state)."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from engine.metrics.goal_series import GoalStanding
from engine.metrics.progress import LimbProgress
from engine.metrics.task import TaskTaps

DPI = 150
WIDE_IN = (7.6, 2.7)
# Okabe–Ito: told apart also by people with colour-vision deficiencies.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
SRO_BAND = "#d8efd9"
LEGEND_TASKS = 6  # more tasks than this are told apart by their numbers only
HISTOGRAM_BIN_MS = 5.0
HISTOGRAM_LIMIT_MS = 150.0  # beyond it the bars are too thin to read; counted in the end bins


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _figure() -> Figure:
    figure = Figure(figsize=WIDE_IN, layout="constrained")
    figure.set_facecolor("white")
    return figure


def _style(axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    axes.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    axes.set_axisbelow(True)


def asynchrony_over_time_png(tasks: tuple[TaskTaps, ...], sro_ms: float) -> bytes:
    """Each paired tap's asynchrony against time since the first target, coloured by task,
    over the SRO band."""
    figure = _figure()
    axes = figure.add_subplot()
    starts = [t.beat_time_ms[0] for t in tasks if t.beat_time_ms.size]
    origin_ms = min(starts) if starts else 0.0
    axes.axhspan(-sro_ms, sro_ms, color=SRO_BAND, zorder=0, label=f"SRO ±{sro_ms:g} ms")
    axes.axhline(0.0, color="#777777", linewidth=0.8)
    limit = 20.0
    for task in tasks:
        if task.asynchrony_ms.size:
            limit = max(limit, float(np.abs(task.asynchrony_ms).max()))
    limit *= 1.15  # room for the task numbers above the taps
    for index, task in enumerate(tasks):
        if not task.asynchrony_ms.size:
            continue
        time_s = (task.tap_time_ms - origin_ms) / 1000.0
        colour = COLOURS[index % len(COLOURS)]
        axes.plot(
            time_s,
            task.asynchrony_ms,
            marker="o",
            markersize=2.6,
            linewidth=0.5,
            color=colour,
            label=f"{task.task_index + 1} {task.task_name}" if len(tasks) <= LEGEND_TASKS else None,
        )
        # Task numbers as in the table, so that many tasks stay told apart.
        axes.text(
            float(np.median(time_s)), limit * 0.93, str(task.task_index + 1),
            ha="center", va="top", fontsize=7, color=colour,
        )  # fmt: skip
    axes.set_ylim(-limit, limit)
    axes.set_xlabel("time since the first beat (s)", fontsize=8)
    axes.set_ylabel("asynchrony (ms)\n← early · late →", fontsize=8)
    _style(axes)
    if tasks:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _png(figure)


def asynchrony_histogram_png(tasks: tuple[TaskTaps, ...], sro_ms: float) -> bytes:
    """How many taps fell at each asynchrony, in 5 ms bins, with the SRO band."""
    figure = _figure()
    axes = figure.add_subplot()
    values = np.concatenate([t.asynchrony_ms for t in tasks]) if tasks else np.zeros(0)
    clipped = np.clip(values, -HISTOGRAM_LIMIT_MS, HISTOGRAM_LIMIT_MS)
    edges = np.arange(-HISTOGRAM_LIMIT_MS, HISTOGRAM_LIMIT_MS + HISTOGRAM_BIN_MS, HISTOGRAM_BIN_MS)
    axes.axvspan(-sro_ms, sro_ms, color=SRO_BAND, zorder=0, label=f"SRO ±{sro_ms:g} ms")
    axes.hist(clipped, bins=edges, color=COLOURS[0], edgecolor="white", linewidth=0.4)
    axes.axvline(0.0, color="#777777", linewidth=0.8)
    if values.size:
        axes.axvline(
            float(values.mean()),
            color=COLOURS[3],
            linewidth=1.2,
            linestyle="--",
            label=f"mean {values.mean():+.1f} ms".replace("-", "−"),
        )
    axes.set_xlabel(f"asynchrony (ms), ±{HISTOGRAM_LIMIT_MS:g} ms shown", fontsize=8)
    axes.set_ylabel("taps", fontsize=8)
    _style(axes)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _png(figure)


def progress_png(limbs: tuple[LimbProgress, ...]) -> bytes:
    """Task Average (left) and SRO % (right) per limb across sessions."""
    figure = Figure(figsize=(WIDE_IN[0], 3.0), layout="constrained")
    figure.set_facecolor("white")
    average_axes, sro_axes = figure.subplots(1, 2)
    for index, limb in enumerate(limbs):
        dates = [datetime.fromisoformat(p.started_at_utc).astimezone() for p in limb.points]
        style = {
            "color": COLOURS[index % len(COLOURS)],
            "marker": "os^vD<>p"[index % 8],
            "markersize": 3.5,
            "linewidth": 1.1,
            "label": limb.limb.replace("_", " "),
        }
        average_axes.plot(dates, [p.task_average_ms for p in limb.points], **style)
        sro_axes.plot(dates, [p.sro_percent for p in limb.points], **style)
    average_axes.set_ylabel("Task Average (ms), lower is better", fontsize=8)
    sro_axes.set_ylabel("SRO %, higher is better", fontsize=8)
    sro_axes.set_ylim(0, 100)
    average_axes.set_ylim(bottom=0)
    for axes in (average_axes, sro_axes):
        _style(axes)
        locator = AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        axes.tick_params(axis="x", labelsize=7)
    if limbs:
        sro_axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _png(figure)


def goal_png(number: int, standing: GoalStanding) -> bytes:
    """One goal's values per session over time, its target line, the date it is due, and the
    least-squares trend."""
    progress = standing.progress
    target = progress.target
    metric = target.goal_metric
    figure = Figure(figsize=(WIDE_IN[0], 1.9), layout="constrained")
    figure.set_facecolor("white")
    axes = figure.add_subplot()
    days = [point.day for point in standing.points]
    values = [point.value for point in standing.points]
    axes.plot(days, values, marker="o", markersize=3.2, linewidth=1.0, color=COLOURS[0],
              label=f"{metric.label} per session")  # fmt: skip
    target_label = f"target {target.comparison.sign} {target.value:g} {metric.unit}"
    axes.axhline(target.value, color=COLOURS[2], linewidth=1.2, linestyle="--", label=target_label)
    if progress.trend_per_week is not None and len(set(days)) > 1:
        first = days[0]
        weeks = np.array([(day - first).days / 7.0 for day in days])
        mean_weeks, mean_value = weeks.mean(), float(np.mean(values))
        fitted = mean_value + progress.trend_per_week * (weeks - mean_weeks)
        axes.plot(days, fitted, color=COLOURS[3], linewidth=1.0, label="trend")
    if target.by_date is not None and days and target.by_date <= days[-1]:
        axes.axvline(target.by_date, color="#777777", linewidth=0.8, linestyle=":")
    axes.set_title(f"Goal {number}: {target.describe()}", fontsize=8, loc="left")
    axes.set_ylabel(f"{metric.label} ({metric.unit})", fontsize=7)
    if metric.unit == "%":
        axes.set_ylim(0, 100)
    else:
        axes.set_ylim(bottom=0, top=max([*values, target.value]) * 1.15)
    _style(axes)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.tick_params(axis="x", labelsize=7)
    axes.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _png(figure)
