"""Small inline SVG bar charts (no script, so the strict CSP holds): a y axis with ticks, the
thresholds as dashed lines labelled in the right margin, and value labels that never run into a line."""
from __future__ import annotations

import math

from markupsafe import Markup, escape


def nice_ticks(top: float, count: int = 4) -> list[int]:
    """0 and evenly spaced round values up to at least ``top`` (1, 2, 2.5 or 5 × a power of ten)."""
    top = max(top, 1)
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    step = max(1, math.ceil(step))
    return list(range(0, math.ceil(top / step) * step + 1, step))


def _tick(day: str, week: bool) -> str:
    """A bar's day under it: 03-01, or on an alert's 7 days the shorter 3/1 (readable on a phone)."""
    return f"{int(day[5:7])}/{int(day[8:10])}" if week else day[5:]


def _label_y(top_of_bar: float, lines: list[float], base: float) -> float:
    """Where a value label's baseline goes: above its bar, unless a threshold line would cross the
    text (about 10 px tall); then just above or below that line, whichever is free and in the plot."""
    def free(y):
        return all(not (y - 11 <= line <= y + 3) for line in lines) and 10 <= y <= base - 2

    candidates = [top_of_bar - 4]
    for line in sorted(lines, key=lambda v: abs(v - top_of_bar)):
        candidates += [line - 5, line + 14]
    return next((y for y in candidates if free(y)), top_of_bar - 4)


def bars(points: list[tuple[str, int]], *, min_line: int | None = None, max_line: int | None = None,
         width: int = 700, height: int = 200, week: bool = False) -> Markup:
    """``points``: (ISO day, count), the count None on a day without any data in the whole city:
    that day gets no bar but a grey band labelled 无数据 (a 0 would say its venues had no visitors).
    ``week``: an alert's 7 days, drawn 400 wide (class "chart week"), so that on a phone the chart is
    about its natural size and its labels stay readable (issue 48)."""
    if not points:
        return Markup("")
    limits = [v for v in (min_line, max_line) if v is not None]
    ticks = nice_ticks(max([n for _, n in points if n is not None] + limits + [1]))
    top = ticks[-1]
    left, right, base = 46, 76, height - 28
    plot = width - left - right
    step = plot / len(points)
    scale = (base - 14) / top
    y_of = lambda v: base - v * scale  # noqa: E731
    if week:
        width = 400
        plot = width - left - right
        step = plot / len(points)
    parts = [f'<svg class="chart{" week" if week else ""}" viewBox="0 0 {width} {height}" role="img" aria-label="每日扫码量">']
    for t in ticks:
        y = y_of(t)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 3:.1f}" class="ytick">{t}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot}" y2="{base}" class="axis"/>'
                 f'<line x1="{left}" y1="{base}" x2="{left}" y2="{y_of(top):.1f}" class="axis"/>')
    lines = [y_of(v) for v in limits]
    show_values = len(points) <= 10
    for i, (day, n) in enumerate(points):
        x = left + i * step + step * 0.15
        mid = x + step * 0.35
        if n is None:
            parts.append(f'<rect x="{x:.1f}" y="{y_of(top):.1f}" width="{step * 0.7:.1f}" height="{base - y_of(top):.1f}" '
                         f'class="nodata"><title>{escape(day)}：无数据</title></rect>'
                         f'<text x="{mid + 3:.1f}" y="{base - 6}" class="nodata-label" '
                         f'transform="rotate(-90 {mid + 3:.1f} {base - 6})">无数据</text>')
            if len(points) <= 31 and (len(points) <= 10 or i % 3 == 0):
                parts.append(f'<text x="{mid:.1f}" y="{base + 14}" class="tick">{escape(_tick(day, week))}</text>')
            continue
        h = n * scale
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" class="bar">'
                     f'<title>{escape(day)}：{n}</title></rect>')
        if show_values:
            parts.append(f'<text x="{mid:.1f}" y="{_label_y(base - h, lines, base):.1f}" class="val">{n}</text>')
        if len(points) <= 31 and (len(points) <= 10 or i % 3 == 0):
            parts.append(f'<text x="{mid:.1f}" y="{base + 14}" class="tick">{escape(_tick(day, week))}</text>')
    label_at = {}  # the two labels in the margin keep 12 px apart (close thresholds: max moves up)
    if min_line is not None:
        label_at["min"] = y_of(min_line) + 3
    if max_line is not None:
        label_at["max"] = min(y_of(max_line) + 3, label_at.get("min", 1e9) - 12)
    for value, cls, name in ((min_line, "min", "最小值"), (max_line, "max", "最大值")):
        if value is not None:
            y = y_of(value)
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot}" y2="{y:.1f}" class="limit {cls}"/>'
                         f'<text x="{left + plot + 4}" y="{label_at[cls]:.1f}" class="limit-label {cls}">{name} {value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
