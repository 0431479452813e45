"""What a form sent upward says about itself: who reports (the unit's identity), the
form's 表号 and 制表机关 (configured, never invented), 报出日期, and the 上年同期 figures.

``[forms]`` in the user folder's ``config.toml`` (blank when absent)::

    [forms]
    sasac_form_no = "国资监督统01表"     # 表号, as the issuing body prints it
    sasac_authority = "某某省国资委"       # 制表机关
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from addin.returns.identity import LABELS, MISSING, UnitIdentity, config_path, load_identity
from udfs.errors import ProfileError
from udfs.settings import config_section

FORM_KEYS = {"sasac_form_no": "表号", "sasac_authority": "制表机关"}
"""[forms] keys and what each is on the form."""


@dataclass(frozen=True)
class FormSettings:
    identity: UnitIdentity = field(default_factory=UnitIdentity)
    form_no: str = ""
    """表号 (blank unless configured)."""
    authority: str = ""
    """制表机关 (blank unless configured)."""
    date: dt.date | None = None
    """报出日期 (None: the day the form is written)."""
    previous: dict[str, int | float] | None = None
    """上年同期: the totals of the same kind of period a year before (None: shown as —)."""
    previous_units: tuple[tuple[str, str, int], ...] = ()
    """上年同期's units: (统一社会信用代码, 单位, 期末在办问题线索) each (``recall.previous_figures``)."""

    def name(self, fallback: str = "") -> str:
        """填报单位: the configured name, else ``fallback`` (the group company's own workbook),
        else MISSING."""
        return self.identity.name or fallback or MISSING

    @property
    def issued(self) -> dt.date:
        return self.date or dt.date.today()


def chinese_date(day: dt.date) -> str:
    """2026年11月23日."""
    return f"{day.year}年{day.month}月{day.day}日"


def load_forms(path: Path | None = None) -> dict[str, str]:
    """``[forms]`` of config.toml: each key of ``FORM_KEYS`` (blank when absent)."""
    found = dict.fromkeys(FORM_KEYS, "")
    section = config_section("forms", "sasac_form_no = \"…\"", path or config_path())
    for key, what in FORM_KEYS.items():
        value = section.get(key, "")
        if not isinstance(value, str):
            raise ProfileError(f"用户配置 [forms] 的 {key}（{what}）应为文字")
        found[key] = " ".join(value.split())
    return found


def form_settings(period: Any = None, archive: str | Path | None = None,
                  overrides: Mapping[str, str | None] | None = None, date: dt.date | None = None,
                  form_no: str | None = None, authority: str | None = None,
                  identity: UnitIdentity | None = None) -> FormSettings:
    """The settings of one run: the identity from config.toml with ``overrides`` (or
    ``identity`` as given), [forms] with ``form_no``/``authority`` given on the command line,
    and 上年同期 from ``archive`` for ``period``."""
    from addin.rollup.recall import previous_figures

    forms = load_forms()
    previous, units = previous_figures(archive, period) if archive is not None else (None, ())
    return FormSettings(identity if identity is not None else load_identity(overrides),
                        form_no if form_no is not None else forms["sasac_form_no"],
                        authority if authority is not None else forms["sasac_authority"],
                        date, previous, units)


IDENTITY_OPTIONS: dict[str, str] = {f"unit_{key}": key for key in LABELS}
"""Command-line options (--unit-name …) → UnitIdentity fields."""


def overrides_of(options: Any) -> dict[str, str | None]:
    """The identity fields given as --unit-* options (argparse namespace or mapping)."""
    get = options.get if isinstance(options, Mapping) else (lambda name: getattr(options, name, None))
    return {field: get(option) for option, field in IDENTITY_OPTIONS.items() if get(option) is not None}
