"""Small inline SVG bar charts (no script, so the strict CSP holds)."""
from __future__ import annotations

from markupsafe import Markup, escape


def bars(points: list[tuple[str, int]], *, min_line: int | None = None, max_line: int | None = None,
         width: int = 640, height: int = 180) -> Markup:
    if not points:
        return Markup("")
    top = max([n for _, n in points] + [v for v in (min_line, max_line) if v is not None] + [1])
    pad, base = 30, height - 28
    step = (width - pad - 10) / len(points)
    scale = (base - 10) / top
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="每日扫码量">',
             f'<line x1="{pad}" y1="{base}" x2="{width - 10}" y2="{base}" class="axis"/>']
    for i, (label, n) in enumerate(points):
        x = pad + i * step + step * 0.15
        h = n * scale
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" class="bar">'
                     f'<title>{escape(label)}：{n}</title></rect>')
        if len(points) <= 31 and (len(points) <= 10 or i % 3 == 0):
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{base + 14}" class="tick">{escape(label[5:])}</text>')
        if len(points) <= 10:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{base - h - 4:.1f}" class="val">{n}</text>')
    for value, cls, name in ((min_line, "min", "最小值"), (max_line, "max", "最大值")):
        if value is not None:
            y = base - value * scale
            parts.append(f'<line x1="{pad}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" class="limit {cls}"/>'
                         f'<text x="{width - 12}" y="{y - 3:.1f}" class="limit-label {cls}">{name} {value}</text>')
    parts.append(f'<text x="4" y="14" class="ymax">{top}</text></svg>')
    return Markup("".join(parts))
