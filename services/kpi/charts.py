"""Geometry of the pages' server-side SVG charts (pure: values in, coordinates out).

The templates draw the SVG from these numbers; no chart library and no script is needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChartPoint:
    """One year's value placed on the chart."""

    x: float
    y: float
    year: int
    value: float


@dataclass
class TrendChart:
    """A KPI's values and expected values over the plan years, in SVG coordinates."""

    width: int
    height: int
    left: int
    bottom: float
    top_value: float
    value_lines: list[list[ChartPoint]] = field(default_factory=list)
    expected_line: list[ChartPoint] = field(default_factory=list)
    target_y: float | None = None
    ticks: list[tuple[float, float]] = field(default_factory=list)  # (value, y)
    years: list[tuple[int, float]] = field(default_factory=list)  # (year, x)

    @staticmethod
    def polyline(points: Sequence[ChartPoint]) -> str:
        """The `points` attribute of an SVG polyline."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def nice_ceiling(value: float) -> float:
    """A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, at least value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def trend_chart(trend: Sequence[Mapping[str, Any]], *, target: float | None,
                width: int = 360, height: int = 170) -> TrendChart:
    """Place each year's value (a gap where there is none) and expected value on a chart."""
    left, right, top, bottom_pad = 40, 12, 12, 26
    known = [t["value"] for t in trend if t["value"] is not None]
    expected = [t["expected"] for t in trend if t.get("expected") is not None]
    top_value = nice_ceiling(max([*known, *expected, target or 0, 1]))
    plot_w, plot_h = width - left - right, height - top - bottom_pad
    bottom = top + plot_h

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(trend) - 1) if len(trend) > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return bottom - plot_h * max(0.0, min(value, top_value)) / top_value

    chart = TrendChart(width=width, height=height, left=left, bottom=bottom,
                       top_value=top_value)
    segment: list[ChartPoint] = []
    for index, point in enumerate(trend):
        x = x_of(index)
        chart.years.append((point["year"], x))
        if point.get("expected") is not None:
            chart.expected_line.append(ChartPoint(x, y_of(point["expected"]), point["year"],
                                                  point["expected"]))
        if point["value"] is None:
            if segment:
                chart.value_lines.append(segment)
            segment = []
            continue
        segment.append(ChartPoint(x, y_of(point["value"]), point["year"], point["value"]))
    if segment:
        chart.value_lines.append(segment)
    chart.target_y = y_of(target) if target is not None else None
    chart.ticks = [(v, y_of(v)) for v in (0, top_value / 2, top_value)]
    return chart


def bar_scale(*values: float | None) -> float:
    """The full length of a progress bar: a round bound above the value, target and expected."""
    return nice_ceiling(max([v for v in values if v is not None] + [1]))
