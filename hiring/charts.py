"""Bar charts drawn on the server as accessible SVG (the insights page).

Pure geometry: a template (admin/hiring/insights/bar_chart.html) writes the SVG
with role="img", a <title> and a <desc>, a text label and value on every bar,
and classes from a static stylesheet for colour (no inline style, so the page
keeps its strict Content-Security-Policy and needs no script or CDN).

Each bar sits under its own label line rather than beside it, so the chart
stays legible when its 400-unit viewBox is shrunk to a 390 px phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 400
VALUE_ROOM = 64  # room right of the longest bar for its value
ROW = 44  # label line + bar + gap
BAR = 16
TOP = 6


@dataclass
class Bar:
    label: str
    text: str
    x: float
    y: float
    width: float
    label_y: float
    text_x: float
    css: str = ""


@dataclass
class Marker:
    x: float
    label: str
    label_x: float


@dataclass
class BarChart:
    key: str
    title: str
    description: str
    height: int
    bars: list[Bar] = field(default_factory=list)
    marker: Marker | None = None
    zero_x: float = 0.0
    width: int = WIDTH

    @property
    def is_empty(self) -> bool:
        return not self.bars


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    items: list[tuple[str, float | None, str, str]],
    marker: tuple[float, str] | None = None,
) -> BarChart:
    """items: (label, value, value text, css class). Values may be negative (bars then
    grow left of a zero line); a None value draws no bar but keeps its label and text."""
    values = [v for _, v, _, _ in items if v is not None]
    if marker is not None:
        values.append(marker[0])
    low = min([0.0, *values])
    high = max([0.0, *values])
    span = (high - low) or 1.0
    usable = WIDTH - VALUE_ROOM - (VALUE_ROOM if low < 0 else 0)
    left = VALUE_ROOM if low < 0 else 0
    zero = left + (0 - low) / span * usable
    chart = BarChart(key=key, title=title, description=description, height=TOP + ROW * len(items) + 18, zero_x=zero)
    for i, (label, value, text, css) in enumerate(items):
        top = TOP + i * ROW
        length = 0.0 if value is None else abs(value) / span * usable
        x = zero - length if value is not None and value < 0 else zero
        text_x = (x - 4) if value is not None and value < 0 else (x + length + 4)
        chart.bars.append(
            Bar(
                label=label,
                text=text,
                x=round(x, 1),
                y=top + 18,
                width=round(max(length, 0.0), 1),
                label_y=top + 13,
                text_x=round(text_x, 1),
                css=("is-negative " if value is not None and value < 0 else "") + css,
            )
        )
    if marker is not None:
        mx = round(left + (marker[0] - low) / span * usable, 1)
        chart.marker = Marker(x=mx, label=marker[1], label_x=min(mx + 4, WIDTH - 4))
    return chart
