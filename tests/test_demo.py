"""The main job (README: bash run.sh demo): the demo runs end to end and says where the returns are."""

from __future__ import annotations

import io
import json
from pathlib import Path

from addin.demo import main as demo
from addin.cli import main


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = io.StringIO()
    code = demo.run(out, folder=tmp_path / "demo", units=8)
    text = out.getvalue()
    outputs = tmp_path / "demo" / "输出"
    for name in ("集团汇总_2026年度.xlsx", "国资委报表_2026年度.xlsx", "汇总结果_2026年度.json", "归档.sqlite"):
        assert (outputs / name).is_file(), name
        assert str(outputs / name) in text
    summary = json.loads((outputs / "汇总结果_2026年度.json").read_text(encoding="utf-8"))
    assert summary["reconciliation"]["balanced"] is True
    assert len(summary["superseded"]) == 1
    assert "对账：输入" in text and "（平）" in text
    assert any((outputs / "文书").glob("*.docx"))
    assert any((outputs / "退回标注").glob("*.xlsx"))
    periodic = outputs / "年度报告" / "定期报告_2026年度.docx"
    assert periodic.is_file() and f"定期报告：{periodic}" in text
    cases = list((outputs / "年度报告").glob("典型案例_*.docx"))
    assert len(cases) == 1 and str(cases[0]) in text
    assert code == 2  # the demo plants an unreadable file among the inputs
    # the console's headline indicators: labels and units from the catalogue
    assert "期初在办问题线索 " in text and "整改完毕率 " in text and "线索_办结" not in text
    # finished forms: the demo configures the group's identity; 上年同期 is 2025年度's 本期
    import openpyxl

    from addin.returns.identity import MISSING

    sasac = openpyxl.load_workbook(outputs / "国资委报表_2026年度.xlsx")["国资委报表"]
    texts = [c.value for row in sasac.iter_rows() for c in row if isinstance(c.value, str)]
    assert "填报单位：示例省投资集团有限公司" in texts and "报出日期：2026年11月23日" in texts
    assert not any(MISSING in t for t in texts)
    last = openpyxl.load_workbook(outputs / "集团汇总_2025年度.xlsx")["汇总"]
    previous = {r[1]: r[3] for r in last.iter_rows(values_only=True) if isinstance(r[1], int)}
    rows = [r for r in sasac.iter_rows(values_only=True) if isinstance(r[1], int)]
    assert rows and all(r[4] == previous[r[1]] for r in rows)
    assert any(isinstance(r[4], (int, float)) and r[4] > 0 for r in rows)


def test_demo_rules_prints_the_worked_examples(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo", "--rules"]) == 0
    text = capsys.readouterr().out
    assert "ZZ_LOSS_GRADE(100, 100000, yibin-2020) → 较大" in text
    assert "ZZ_INITIAL_CHECK_DEADLINE(2026-02-10) → 2026-03-30" in text
