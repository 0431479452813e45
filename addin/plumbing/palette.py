"""One colour meaning per category, for every chart: the 收报台's SVG bars and the group
return's Excel charts both ask here, so 重大 and 未整改 are drawn in the warning colour
everywhere and a calm colour never stands for a bad outcome.

    colour("重大")      "#C00000"   (warning: 重大, 未整改, 退回)
    colour("较大")      "#ED7D31"   (caution: 较大, 部分整改, 冲突)
    colour("一般")      "#5B9BD5"   (calm:    一般, 整改完毕, 已报)
    colour("线索数")    "#1F4E78"   (a plain quantity with no good or bad side)
"""

from __future__ import annotations

WARNING = "#C00000"
"""A bad outcome: 重大 losses, 未整改 problems, 退回 submissions."""
CAUTION = "#ED7D31"
"""Between: 较大 losses, 部分整改, conflicting submissions."""
CALM = "#5B9BD5"
"""The least grave grade (一般)."""
GOOD = "#70AD47"
"""Done: 整改完毕, 已报."""
NEUTRAL = "#1F4E78"
"""A quantity that is neither good nor bad (clues per unit, clues per category)."""
MUTED = "#A6A6A6"
"""Nothing yet: 未报, 未认定."""

CATEGORY_COLOURS: dict[str, str] = {
    "重大": WARNING, "较大": CAUTION, "一般": CALM,
    "未整改": WARNING, "部分整改": CAUTION, "整改完毕": GOOD,
    "退回": WARNING, "冲突": CAUTION, "已报": GOOD, "未报": MUTED,
}


def colour(category: str) -> str:
    """The colour of a category (``NEUTRAL`` for a plain quantity)."""
    return CATEGORY_COLOURS.get(category, NEUTRAL)
