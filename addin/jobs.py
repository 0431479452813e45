"""One-shot jobs above the pipeline stages: roll a folder up and write every return.

The Excel ribbon (``addin.xlam.handlers``) calls these for 汇总下级报表 and 生成国资委报表;
they sit above ``addin.rollup`` and ``addin.returns`` so that neither imports the other's
caller (the returns take a ``RollupResult``; the roll-up writes nothing itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from addin.returns.identity import config_path
from addin.returns.forms import FormSettings, form_settings

from addin.plumbing.outputs import OutputSet
from addin.returns.group import write_group_return
from addin.returns.sasac import write_sasac_return
from addin.rollup.cache import cache_path
from addin.rollup.consolidate import Progress, filer_name, rollup, summary_text, write_summary
from addin.validation.run import scan_inputs


@dataclass
class Outcome:
    """What a ribbon action wrote, and the message it shows."""

    paths: list[Path]
    message: str


def missing_note(settings: FormSettings) -> str:
    """A line saying which identity fields the forms show as 待补充, and where to fill them in."""
    missing = settings.identity.missing()
    if not missing:
        return ""
    return (f"\n提示：{'、'.join(missing)} 未配置，报表上显示“（待补充）”；"
            f"请在 {config_path()} 的 [unit] 中填写（name、uscc、head、reviewer、preparer、phone）")


def rollup_folder(folder: str | Path, target: str | Path, progress: Progress | None = None,
                  overrides: Mapping[str, str | None] | None = None) -> Outcome:
    """汇总下级报表: the group return at ``target``, the SASAC return and summary JSON beside it
    (all three or none; an output may never be one of the inputs).  The forms name the unit
    as config.toml's [unit] says, with ``overrides``."""
    settings = form_settings(overrides=overrides)
    inputs = scan_inputs([folder])
    base = Path(target)
    sasac, summary = base.with_name(f"国资委报表_{base.stem}.xlsx"), base.with_suffix(".json")
    outputs = OutputSet(inputs.files)
    for path in (base, sasac, summary):
        outputs.plan(path)
    skipped = "".join(f"\n{line}" for line in inputs.skipped_lines())
    if not inputs.files:
        return Outcome([], f"文件夹 {folder} 中没有找到要汇总的工作簿（.xlsx）{skipped}")
    result = rollup(inputs.files, progress=progress, jobs=1, cache_path=cache_path())
    if not result.reconciled:
        return Outcome([], "对账不平：输入行数 ≠ 汇总行数 + 退回行数，未写出任何结果，请报告此问题")
    with outputs:
        outputs.write(base, lambda temporary: write_group_return(result, temporary, identity=settings.identity))
        outputs.write(sasac, lambda temporary: write_sasac_return(result, temporary, filer_name(result), settings))
        outputs.write(summary, lambda temporary: write_summary(result, temporary))
        outputs.commit()
    return Outcome([base, sasac, summary], summary_text(result) + skipped + missing_note(settings))


def sasac_from_workbook(workbook: str | Path, target: str | Path,
                        overrides: Mapping[str, str | None] | None = None) -> Outcome:
    """生成国资委报表 from one workbook: a group return (rolled up again) or a unit's own."""
    settings = form_settings(overrides=overrides)
    OutputSet([workbook]).plan(target)
    result = rollup([workbook], jobs=1)
    if not result.accepted:
        return Outcome([], summary_text(result) + "\n该工作簿未通过校验，未生成国资委报表")
    path = write_sasac_return(result, target, filer_name(result) or result.accepted[0].unit, settings)
    return Outcome([path], summary_text(result) + missing_note(settings))
