"""A stacked bar chart over time as server-rendered SVG: no script, no third-party code.

Pure: rows in, ``ChartData`` (also shown as the data table that is the chart's text
alternative) and SVG markup out. Colours are SVG presentation attributes, not ``style``
(the CSP forbids inline styles); text uses ``currentColor`` so it follows the page's
light or dark theme. Every bar segment has its own ``<title>``, the chart a ``<title>`` and
a ``<desc>``, and the page puts the same numbers in a table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from babel.dates import format_skeleton
from markupsafe import Markup, escape

from server import i18n
from server.i18n import N_, Text

# Distinguishable for common colour-vision deficiencies (Okabe-Ito), readable on light/dark.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7f7f7f")
MAX_SERIES = 6
MAX_DAYS = 62  # longer ranges are drawn per week
WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    label: str
    color: str


@dataclass(frozen=True, slots=True)
class ChartData:
    buckets: list[str]  # "2026-11-21" per day, or "2026-11-16" (a Monday) per week
    weekly: bool
    series: list[Series]
    values: dict[tuple[str, str], int]

    def value(self, bucket: str, key: str) -> int:
        return self.values.get((bucket, key), 0)

    def total(self, bucket: str) -> int:
        return sum(self.value(bucket, s.key) for s in self.series)

    @property
    def empty(self) -> bool:
        return not self.values


def _bucket_days(days: Iterable[str]) -> tuple[list[str], bool, dict[str, str]]:
    """Every day (or week) from the first to the last, and each day's bucket."""
    parsed = sorted({date.fromisoformat(d) for d in days})
    if not parsed:
        return [], False, {}
    first, last = parsed[0], parsed[-1]
    weekly = (last - first).days >= MAX_DAYS
    if weekly:
        first -= timedelta(days=first.weekday())
    step = timedelta(days=7 if weekly else 1)
    buckets, current = [], first
    while current <= last:
        buckets.append(current.isoformat())
        current += step
    mapping = {
        d.isoformat(): (d - timedelta(days=d.weekday())).isoformat() if weekly else d.isoformat()
        for d in parsed
    }
    return buckets, weekly, mapping


def stacked(
    rows: Iterable[Mapping[str, Any]],
    field: str,
    labels: Mapping[str, str],
    order: Iterable[str] = (),
    other_label: str = N_("Other"),
) -> ChartData:
    """Counts per bucket stacked by ``field`` (outcome or country).

    ``order`` fixes the series order (outcomes); otherwise the biggest come first and
    everything after ``MAX_SERIES`` is summed up as "other".
    """
    rows = list(rows)
    buckets, weekly, bucket_of = _bucket_days(r["day"] for r in rows)
    totals: Counter[str] = Counter()
    for r in rows:
        totals[r[field]] += r["count"]
    fixed = [k for k in order if totals[k]]
    keys = fixed or [k for k, _ in totals.most_common()]
    shown, rest = keys[:MAX_SERIES], set(keys[MAX_SERIES:])
    values: Counter[tuple[str, str]] = Counter()
    for r in rows:
        key = "__other__" if r[field] in rest else r[field]
        values[(bucket_of[r["day"]], key)] += r["count"]
    series = [Series(k, labels.get(k, k), PALETTE[i]) for i, k in enumerate(shown)]
    if rest:
        series.append(Series("__other__", other_label, PALETTE[-1]))
    return ChartData(buckets, weekly, series, dict(values))


def _nice_max(value: int) -> tuple[int, int]:
    """An axis maximum ≥ ``value`` and a tick step that divide nicely (1, 2 or 5 times a power of ten)."""
    if value <= 4:
        return max(value, 1), 1
    raw = value / 4
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = step * -(-value // step)
    return top, step


def _short(day: str) -> str:
    """ "5 Dec" in the reader's language."""
    locale = i18n.babel_locale(i18n.current.get())
    return format_skeleton("MMMd", date.fromisoformat(day), locale=locale)


def _tr(text: str) -> str:
    """A marked text in the reader's language (an empty one stays empty)."""
    return i18n.translate(text) if text else text


def svg(data: ChartData, *, title: str, desc: str, id_prefix: str) -> Markup:
    """The chart as inline SVG markup (``role="img"``, labelled by its title and desc), its
    texts (marked ``N_``/``Text``) in the reader's language."""
    title, desc = _tr(title), _tr(desc)
    data = replace(data, series=[replace(s, label=_tr(s.label)) for s in data.series])
    legend, rows = _legend(data.series)
    height = HEIGHT + 18 * (rows - 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value, step = _nice_max(max((data.total(b) for b in data.buckets), default=0))
    n = max(len(data.buckets), 1)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.8)
    t_id, d_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{t_id} {d_id}" font-size="12" font-family="inherit">',
        f'<title id="{t_id}">{escape(title)}</title>',
        f'<desc id="{d_id}">{escape(desc)}</desc>',
    ]
    for tick in range(0, top_value + 1, step):
        y = TOP + plot_h - plot_h * tick / top_value
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="currentColor" stroke-opacity="0.2"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="currentColor">{tick}</text>'
        )
    for i, bucket in enumerate(data.buckets):
        x = LEFT + slot * i + (slot - bar_w) / 2
        base = float(TOP + plot_h)
        when = (
            i18n.translate(Text("week of %(day)s", day=_short(bucket)))
            if data.weekly
            else _short(bucket)
        )
        for s in data.series:
            count = data.value(bucket, s.key)
            if not count:
                continue
            h = plot_h * count / top_value
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{s.color}"><title>{escape(when)} · {escape(s.label)}: {count}</title></rect>'
            )
    label_at = sorted({0, len(data.buckets) // 2, len(data.buckets) - 1}) if data.buckets else []
    for i in label_at:
        x = LEFT + slot * i + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
            f'fill="currentColor">{escape(_short(data.buckets[i]))}</text>'
        )
    for s, (x, row) in zip(data.series, legend, strict=True):
        y = HEIGHT - 14 + 18 * row
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{s.color}"/>'
            f'<text x="{x + 16}" y="{y + 10}" fill="currentColor">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped or a number)


def _legend(series: list[Series]) -> tuple[list[tuple[int, int]], int]:
    """(x, row) of each legend entry, wrapping at the chart's width; and the row count."""
    places, x, row = [], LEFT, 0
    for s in series:
        width = 24 + 7 * len(s.label)
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, row = LEFT, row + 1
        places.append((x, row))
        x += width
    return places, row + 1
