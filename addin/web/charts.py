"""Bar charts as inline SVG, drawn on the server: no script, no outside source.  Each bar's
colour is its category's (``addin.plumbing.palette``, as the group return's Excel charts)."""

from __future__ import annotations

from html import escape
from typing import Sequence

from addin.plumbing.palette import NEUTRAL, colour


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def bars(title: str, items: Sequence[tuple[str, float]], unit: str = "", width: int = 560,
         categories: bool = True) -> str:
    """Horizontal bars, one per (label, value); the value written at the bar's end."""
    row, label_w, top = 26, 170, 34
    height = top + row * max(len(items), 1) + 12
    peak = max((v for _, v in items), default=0) or 1
    span = width - label_w - 90
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
             f'<title>{escape(title)}</title>',
             f'<text x="0" y="18" font-size="15" font-weight="bold" fill="#222">{escape(title)}</text>']
    if not items:
        parts.append(f'<text x="0" y="{top + 16}" font-size="13" fill="#666">（无数据）</text>')
    for k, (label, value) in enumerate(items):
        y = top + k * row
        length = max(1.0, span * value / peak) if value else 0
        short = label if len(label) <= 12 else label[:11] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" font-size="13" text-anchor="end" fill="#333">'
                     f'<title>{escape(label)}</title>{escape(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
                     f'fill="{colour(label) if categories else NEUTRAL}"/>')
        parts.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 16}" font-size="12" fill="#333">'
                     f'{escape(f"{value:,.2f}" if unit.strip() == "万元" else _number(value))}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def dashboard_charts(indicators: dict[str, float], by_unit: Sequence[dict[str, object]]) -> list[str]:
    """The group return's three pictures: losses by grade, rectification, clues by unit."""
    grades = [(g, float(indicators.get(f"损失金额_{g}", 0) or 0)) for g in ("一般", "较大", "重大")]
    rectified = [(name, float(indicators.get(key, 0) or 0)) for name, key in
                 (("整改完毕", "整改完毕数"), ("部分整改", "部分整改数"), ("未整改", "未整改数"))]
    units = sorted(((str(u.get("unit", "")), float(u.get("线索总数", 0) or 0)) for u in by_unit),  # type: ignore[arg-type]
                   key=lambda item: -item[1])[:20]
    from addin.web.core import indicator_unit

    unit = {key: " " + indicator_unit(key) for key in ("损失金额_一般", "整改问题数", "线索总数")}  # the catalogue's
    return [bars("损失金额（按损失等级）", grades, unit["损失金额_一般"]), bars("整改情况（问题数）", rectified, unit["整改问题数"]),
            bars("线索数（按单位，前 20 家）", units, unit["线索总数"], categories=False)]
