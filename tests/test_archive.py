"""The SQLite archive: one transaction per submission, idempotent, continuity source."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from addin.rollup.archive import Archive, SubmissionInfo
from addin.rollup.periods import Period
from udfs.errors import ArgumentError

USCC = "91350100M000100Y43"


def _info(sha: str, period: Period, filed: dt.date) -> SubmissionInfo:
    return SubmissionInfo(sha, USCC, "示例子公司", period, filed, f"/in/{sha}.xlsx")


def _clues(*pairs: tuple[str, str]) -> dict[str, list[tuple[int, dict[str, object]]]]:
    return {"问题线索台账": [(i + 2, {"线索编号": c, "办理阶段": s}) for i, (c, s) in enumerate(pairs)]}


def test_period_parsing_and_order() -> None:
    assert Period.parse("2026-年度") == Period.of(2026, "年度")
    assert Period.parse("2026年度").name == "年度"
    assert Period.parse("2026-第一季度").end == dt.date(2026, 3, 31)
    assert Period.of(2025, "年度") < Period.of(2026, "第一季度") < Period.of(2026, "上半年")
    with pytest.raises(ArgumentError, match="未知报告期"):
        Period.parse("2026-全年")


def test_record_is_idempotent_and_keeps_rows(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        info = _info("aa", Period.of(2025, "年度"), dt.date(2026, 1, 10))
        assert archive.record(info, _clues(("X-1", "核查"), ("X-2", "办结"))) is True
        assert archive.record(info, _clues(("X-1", "核查"))) is False
        history = archive.history(USCC)
        assert [(h.period, h.rows) for h in history] == [("2025-年度", 2)]
        assert [r[2]["线索编号"] for r in archive.rows("aa")] == ["X-1", "X-2"]


def test_previous_open_clues_come_from_the_latest_earlier_period(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.record(_info("old", Period.of(2024, "年度"), dt.date(2025, 1, 5)), _clues(("A", "核查")))
        archive.record(_info("prev", Period.of(2025, "年度"), dt.date(2026, 1, 5)), _clues(("B", "立项"), ("C", "办结")))
        open_clues = archive.previous_open_clues(USCC, Period.of(2026, "年度"))
        assert set(open_clues) == {"B"}
        assert archive.previous_open_clues(USCC, Period.of(2024, "年度")) == {}
        assert archive.previous_open_clues("OTHER", Period.of(2026, "年度")) == {}


def test_a_failed_submission_leaves_nothing(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        bad = {"问题线索台账": [(2, {"线索编号": "A", "办理阶段": "核查", "坏值": object()})]}
        with pytest.raises(TypeError):
            archive.record(_info("bad", Period.of(2025, "年度"), dt.date(2026, 1, 5)), bad)
        assert archive.history(USCC) == []
        assert list(archive.rows("bad")) == []
