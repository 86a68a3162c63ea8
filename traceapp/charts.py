"""Small server-side SVG charts: no JavaScript, no style attributes, readable at 320 px.

A chart scales to its container through its viewBox; it carries role="img", an aria-label
and a <title>, and the page shows the same figures as a table for screen readers and print.
Numbers follow the reader's locale (grouping, decimal mark, short forms such as "15K").
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_decimal
from markupsafe import Markup, escape

WIDTH = 320
HEIGHT = 180
_TOP, _BOTTOM, _LEFT, _RIGHT = 18, 30, 34, 6
_BAR = "#2f6f4e"
_AXIS = "#6b6b6b"
_TEXT = "#1f1f1f"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2 or 5 x 10^n)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _locale() -> Locale:
    """The reader's locale; English outside an application context (e.g. a unit test)."""
    from flask_babel import get_locale

    return get_locale() or Locale.parse("en")


def _number(value: float) -> str:
    """A short axis or bar value in the reader's locale: 950, 1.5K, 15K (1,5 N in Vietnamese)."""
    locale = _locale()
    if value >= 10_000:
        return format_compact_decimal(value, fraction_digits=0, locale=locale)
    if value >= 1000:
        return format_compact_decimal(value, fraction_digits=1, locale=locale)
    return _exact(value)


def _exact(value: float) -> str:
    """A value in full for a bar's tooltip: 14,650 (14.650 in Vietnamese)."""
    return format_decimal(value, format="#,##0.#", locale=_locale())


def percent(value: float | Decimal, digits: int = 0) -> str:
    """A share (0.5 for half) as a percentage in the reader's locale, with ``digits`` decimals:
    "50.0%" in English, "50,0 %" in French."""
    locale = _locale()
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (digits, digits)
    return pattern.apply(Decimal(str(value)), locale)


def bar_chart(
    points: Sequence[tuple[str, float | int | Decimal]],
    title: str,
    *,
    label_every: int | None = None,
) -> Markup:
    """A vertical bar chart of (label, value) pairs, e.g. one bar per month or day.

    Labels that would collide on a narrow screen are thinned out (every n-th is shown); the
    title names the chart for assistive technology.
    """
    values = [max(0.0, float(v)) for _label, v in points]
    top = _nice_max(max(values, default=0.0))
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    n = max(1, len(points))
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.7)
    every = label_every or max(1, math.ceil(28 / slot))
    title_text = escape(title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{title_text}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" font-family="sans-serif">',
        f"<title>{title_text}</title>",
    ]
    # Axis and two gridlines with their values.
    for fraction in (0.0, 0.5, 1.0):
        y = _TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" '
            f'stroke="{_AXIS}" stroke-width="{1 if fraction == 0 else 0.5}"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end" '
            f'fill="{_TEXT}">{escape(_number(top * fraction))}</text>'
        )
    for i, ((label, _value), value) in enumerate(zip(points, values, strict=True)):
        x = _LEFT + i * slot + (slot - bar_w) / 2
        h = plot_h * value / top
        y = _TOP + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{_BAR}"><title>{escape(label)}: {escape(_exact(value))}</title>'
            f"</rect>"
        )
        if value and bar_w >= 14:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" font-size="8" '
                f'text-anchor="middle" fill="{_TEXT}">{escape(_number(value))}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - _BOTTOM + 12}" '
                f'font-size="9" text-anchor="middle" fill="{_TEXT}">'
                f"{escape(label)}</text>"
            )
    if not points:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" font-size="11" '
            f'text-anchor="middle" fill="{_AXIS}">–</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def month_label(key: str) -> str:
    """A short axis label for a YYYY-MM key: "3/26" (read the same way in every language)."""
    year, month = key.split("-")
    return f"{int(month)}/{year[2:]}"


def month_name(key: str) -> str:
    """A YYYY-MM key as the reader's language writes a month: "Mar 2026", "thg 3 2026",
    "mars 2026", "2026年3月"."""
    year, month = key.split("-")
    return format_skeleton("yMMM", dt.date(int(year), int(month), 1), locale=_locale())


def hbar_chart(
    points: Sequence[tuple[str, float | int | Decimal]], title: str, *, unit: str = ""
) -> Markup:
    """A horizontal bar chart of (label, value) pairs: long labels stay readable at 320 px."""
    row = 22
    label_w = 104
    height = max(1, len(points)) * row + 8
    values = [max(0.0, float(v)) for _label, v in points]
    top = max(values, default=0.0) or 1.0
    plot_w = WIDTH - label_w - 56
    title_text = escape(title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{title_text}" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" font-family="sans-serif">',
        f"<title>{title_text}</title>",
    ]
    suffix = f" {unit}" if unit else ""
    for i, ((label, _value), value) in enumerate(zip(points, values, strict=True)):
        y = 4 + i * row
        text = label if len(label) <= 18 else label[:17] + "…"
        w = plot_w * value / top
        parts.append(
            f'<text x="{label_w - 4}" y="{y + 14}" font-size="10" text-anchor="end" '
            f'fill="{_TEXT}">{escape(text)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{_BAR}"><title>{escape(label)}: {escape(_exact(value))}'
            f"{escape(suffix)}</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="10" '
            f'fill="{_TEXT}">{escape(_number(value))}{escape(suffix)}</text>'
        )
    if not points:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{height / 2 + 4}" font-size="11" '
            f'text-anchor="middle" fill="{_AXIS}">–</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped
