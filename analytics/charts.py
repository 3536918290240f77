"""Charts as server-drawn SVG: the geometry here, the markup in
templates/analytics/chart.html.

Two kinds cover the screen: columns (a value per week or per bucket, along a
horizontal axis) and bars (a labelled value per row, e.g. per module). Colours are
CSS classes (static/analytics/analytics.css) over the admin's own colour
properties, and text is `currentColor`, so a chart follows the admin's light or
dark theme. Every chart has a title and a one-sentence description for screen
readers; its table below gives the same figures.
"""

import math
from dataclasses import dataclass, field

from django.utils.text import Truncator

WIDTH = 720
# Bars: the label column, the bars, then room for the value after the longest bar.
LABEL_WIDTH = 230
VALUE_WIDTH = 110
BAR_ROW = 30
BAR_THICKNESS = 20
# Columns: room for the vertical axis's figures and the horizontal axis's labels.
COLUMNS_HEIGHT = 260
AXIS_LEFT = 48
AXIS_BOTTOM = 36
TOP = 24
MAX_AXIS_LABELS = 9
LABEL_CHARS = 30


@dataclass
class Mark:
    """One bar or column: its rectangle, its label and the value written on it."""

    label: str
    value: float
    text: str  # the value as written
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    label_x: float = 0
    label_y: float = 0
    text_x: float = 0
    text_y: float = 0
    show_label: bool = True
    short_label: str = ""


@dataclass
class Tick:
    position: float
    text: str


@dataclass
class Chart:
    id: str
    title: str
    description: str
    kind: str  # "columns" or "bars"
    marks: list
    width: int = WIDTH
    height: int = 0
    ticks: list = field(default_factory=list)
    # The plot area (columns: where the axes meet and its top).
    left: float = 0
    right: float = 0
    top: float = 0
    bottom: float = 0
    show_values: bool = True

    @property
    def span(self):
        """The width of the plot area (bars: the track a full bar fills)."""
        return self.right - self.left

    @property
    def axis_x(self):
        """Where the vertical axis's figures end."""
        return self.left - 6


def axis_steps(maximum):
    """The vertical axis for values up to `maximum`: (top, ticks), with about four
    steps of a round whole size (1, 2, 2.5 or 5 × 10ⁿ), so that an axis of
    students or attempts never reads "3.8"."""
    raw = max(maximum, 1) / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(
        m * magnitude
        for m in (1, 2, 2.5, 5, 10)
        if m * magnitude >= raw and float(m * magnitude).is_integer()
    )
    steps = max(1, math.ceil(max(maximum, 1) / step))
    return step * steps, [step * n for n in range(steps + 1)]


def columns(id, title, description, points, maximum=None):
    """A column per (label, value, text) of `points`, on a vertical axis from 0
    to a round figure; labels along the bottom are thinned out to stay legible."""
    top, values = axis_steps(
        maximum if maximum is not None else max((v for _, v, _ in points), default=0)
    )
    chart = Chart(
        id=id,
        title=title,
        description=description,
        kind="columns",
        marks=[],
        height=COLUMNS_HEIGHT,
        left=AXIS_LEFT,
        right=WIDTH - 8,
        top=TOP,
        bottom=COLUMNS_HEIGHT - AXIS_BOTTOM,
        show_values=len(points) <= 16,
    )
    plot_height = chart.bottom - chart.top
    chart.ticks = [
        Tick(
            position=chart.bottom - plot_height * value / top, text=format_number(value)
        )
        for value in values
    ]
    if not points:
        return chart
    slot = (chart.right - chart.left) / len(points)
    gap = min(slot * 0.2, 12)
    every = max(1, math.ceil(len(points) / MAX_AXIS_LABELS))
    for n, (label, value, text) in enumerate(points):
        height = plot_height * value / top
        x = chart.left + n * slot + gap / 2
        chart.marks.append(
            Mark(
                label=label,
                value=value,
                text=text,
                x=round(x, 2),
                y=round(chart.bottom - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                label_x=round(x + (slot - gap) / 2, 2),
                label_y=chart.bottom + 20,
                text_x=round(x + (slot - gap) / 2, 2),
                text_y=round(chart.bottom - height - 6, 2),
                show_label=n % every == 0,
                short_label=Truncator(label).chars(14),
            )
        )
    return chart


def bars(id, title, description, rows, maximum=None):
    """A horizontal bar per (label, value, text) of `rows`, from 0 to `maximum`
    (the largest value when none is given)."""
    top = maximum if maximum else max((v for _, v, _ in rows), default=0) or 1
    chart = Chart(
        id=id,
        title=title,
        description=description,
        kind="bars",
        marks=[],
        height=max(len(rows), 1) * BAR_ROW + 8,
        left=LABEL_WIDTH,
        right=WIDTH - VALUE_WIDTH,
    )
    span = chart.right - chart.left
    for n, (label, value, text) in enumerate(rows):
        width = span * min(value, top) / top
        y = 4 + n * BAR_ROW + (BAR_ROW - BAR_THICKNESS) / 2
        chart.marks.append(
            Mark(
                label=label,
                value=value,
                text=text,
                x=chart.left,
                y=round(y, 2),
                width=round(width, 2),
                height=BAR_THICKNESS,
                label_x=chart.left - 8,
                label_y=round(y + BAR_THICKNESS / 2 + 5, 2),
                text_x=round(chart.left + width + 6, 2),
                text_y=round(y + BAR_THICKNESS / 2 + 5, 2),
                short_label=Truncator(label).chars(LABEL_CHARS),
            )
        )
    return chart


def format_number(value):
    """A figure for an axis: whole numbers as such, others to one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
