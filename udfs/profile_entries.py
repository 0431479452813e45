"""A profile entry by entry: stable names, sources, checked marks, comparable values.

``entries`` lists every sourced entry of a profile under a name that stays the same
from one profile to another (``handling[较大×直接责任]``, ``deadlines.investigation``),
so that ``zhuize profiles`` can count checked and unchecked entries, list the
unchecked ones, and ``zhuize profiles diff`` can compare two profiles entry by entry.
Messages that cite an entry use the same names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from udfs import vocab
from udfs.errors import ProfileError
from udfs.profile import Handling, Jurisdiction, JurisdictionRule, Profile, Sourced

SECTION_NAMES = {
    "loss_grade": "资产损失分级",
    "consequence": "不良后果分级",
    "handling": "处理标准",
    "influence": "影响期",
    "jurisdiction_rules": "管辖规则",
    "jurisdiction": "管辖层级",
    "deadlines": "期限",
    "one_event_report": "一事一报告",
    "real_time_report": "实时报告范围",
    "exemption": "尽职合规免责",
    "notes": "其他规定",
    "ban": "禁入限制",
}

DEADLINE_NAMES = {
    "initial_check": "初核报告",
    "flash_report": "实时报告快报",
    "full_report": "实时报告",
    "initial_report": "实时报告初核报告",
    "rectify": "审计整改",
    "investigation": "核查",
    "appeal": "申诉",
    "review": "复核",
}


@dataclass(frozen=True)
class EntryInfo:
    name: str
    """Stable name, the same in every profile: ``handling[较大×直接责任]``."""
    label: str
    """The name in Chinese for clerks: 处理标准 较大×直接责任."""
    source: str
    checked: bool
    values: dict[str, Any] = field(default_factory=dict)
    """What the entry says, without its source and checked mark (for diff)."""


_META = {"source", "checked", "lti_source", "lti_checked"}


def _values(entry: Sourced, drop: set[str] = frozenset()) -> dict[str, Any]:
    data = entry.model_dump(mode="json")
    return {k: v for k, v in data.items() if k not in _META and k not in drop}


def handling_name(grade: str, responsibility: str) -> str:
    return f"handling[{grade}×{responsibility}]"


def _rule_key(rule: JurisdictionRule) -> str:
    parts = []
    if rule.involves_head is not None:
        parts.append("涉及企业负责人" if rule.involves_head else "不涉及企业负责人")
    if rule.unit_levels:
        parts.append("/".join(rule.unit_levels))
    if rule.loss_grades:
        parts.append("损失" + "/".join(rule.loss_grades))
    if rule.consequence_grades:
        parts.append("后果" + "/".join(rule.consequence_grades))
    return "，".join(parts) or "全部"


def entries(profile: Profile) -> list[EntryInfo]:
    """Every sourced entry of the profile, in file order."""
    out: list[EntryInfo] = []

    def add(name: str, label: str, entry: Sourced, drop: set[str] = frozenset()) -> None:
        out.append(EntryInfo(name, label, entry.source, entry.checked, _values(entry, drop)))

    add("loss_grade", "资产损失分级", profile.loss_grade, {"levels"})
    for level in profile.loss_grade.levels:
        add(f"loss_grade.levels[{level.grade}]", f"资产损失分级 {level.grade}", level)
    if profile.consequence is not None:
        add("consequence", "不良后果分级", profile.consequence, {"levels", "handling"})
        if profile.consequence.handling is not None:
            add("consequence.handling", "不良后果分级 按较高等级处理", profile.consequence.handling)
        for clevel in profile.consequence.levels:
            add(f"consequence.levels[{clevel.grade}]", f"不良后果分级 {clevel.grade}", clevel)
    for grade in vocab.GRADES:
        for responsibility in vocab.RESPONSIBILITIES:
            entry: Handling = profile.handling_for(grade, responsibility)
            name = handling_name(grade, responsibility)
            add(name, f"处理标准 {grade}×{responsibility}", entry, {"responsibilities", "lti"})
            if entry.lti:
                out.append(EntryInfo(f"{name}.lti", f"处理标准 {grade}×{responsibility} 中长期激励",
                                     entry.lti_source or entry.source, entry.lti_is_checked, {"lti": list(entry.lti)}))
    for influence in profile.influence:
        add(f"influence[{influence.measure}]", f"影响期 {influence.measure}", influence)
    for index, rule in enumerate(profile.jurisdiction_rules, start=1):
        add(f"jurisdiction_rules[{_rule_key(rule)}]", f"管辖规则第{index}项（{_rule_key(rule)}）", rule)
    for jurisdiction in profile.jurisdiction:
        add(f"jurisdiction[{jurisdiction.grade}]", f"管辖层级 {jurisdiction.grade}", jurisdiction)
    for key, label in DEADLINE_NAMES.items():
        rule = getattr(profile.deadlines, key)
        if rule is not None:
            add(f"deadlines.{key}", f"期限 {label}", rule)
    add("one_event_report", "一事一报告", profile.one_event_report)
    if profile.real_time_report is not None:
        add("real_time_report", "实时报告范围", profile.real_time_report)
    if profile.exemption is not None:
        add("exemption", "尽职合规免责", profile.exemption)
    for note in profile.notes:
        add(f"notes[{note.topic}]", note.topic, note)
    add("ban", "禁入限制", profile.ban)
    return out


def entry_name(profile: Profile, entry: Sourced) -> str:
    """The stable name of one of the profile's entries (for messages)."""
    if isinstance(entry, Handling):
        return handling_name(entry.grade, "、".join(entry.responsibilities))
    if isinstance(entry, Jurisdiction):
        return f"jurisdiction[{entry.grade}]"
    if isinstance(entry, JurisdictionRule):
        return f"jurisdiction_rules[{_rule_key(entry)}]"
    for info, candidate in _by_identity(profile):
        if candidate is entry:
            return info
    return type(entry).__name__


def _by_identity(profile: Profile) -> list[tuple[str, Sourced]]:
    found: list[tuple[str, Sourced]] = [("loss_grade", profile.loss_grade), ("ban", profile.ban),
                                        ("one_event_report", profile.one_event_report)]
    if profile.real_time_report is not None:
        found.append(("real_time_report", profile.real_time_report))
    found += [(f"influence[{e.measure}]", e) for e in profile.influence]
    if profile.case_grade_handling is not None:
        found.append(("consequence.handling", profile.case_grade_handling))
    for key in DEADLINE_NAMES:
        rule = getattr(profile.deadlines, key)
        if rule is not None:
            found.append((f"deadlines.{key}", rule))
    if profile.exemption is not None:
        found.append(("exemption", profile.exemption))
    found += [(f"notes[{n.topic}]", n) for n in profile.notes]
    return found


def counts(profile: Profile) -> tuple[int, int]:
    """(checked, unchecked) entries."""
    listed = entries(profile)
    checked = sum(1 for e in listed if e.checked)
    return checked, len(listed) - checked


@dataclass(frozen=True)
class Difference:
    name: str
    label: str
    field: str
    """"" when the entry exists in only one of the two profiles."""
    left: Any
    right: Any


def diff(left: Profile, right: Profile) -> list[Difference]:
    """Where two profiles differ, entry by entry: every value, the source and the mark."""
    a = {e.name: e for e in entries(left)}
    b = {e.name: e for e in entries(right)}
    names = list(a) + [n for n in b if n not in a]
    out: list[Difference] = []
    for name in names:
        x, y = a.get(name), b.get(name)
        if x is None or y is None:
            present = x or y
            assert present is not None
            out.append(Difference(name, present.label, "", x is not None, y is not None))
            continue
        for key in list(x.values) + [k for k in y.values if k not in x.values]:
            if x.values.get(key) != y.values.get(key):
                out.append(Difference(name, x.label, key, x.values.get(key), y.values.get(key)))
        if x.checked != y.checked:
            out.append(Difference(name, x.label, "checked", x.checked, y.checked))
        if x.source != y.source:
            out.append(Difference(name, x.label, "source", x.source, y.source))
    return out


_KEY_LINE = re.compile(r'^key\s*=\s*"[^"]*"\s*$', re.MULTILINE)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def copy_text(text: str, source_key: str, new_key: str) -> str:
    """An editable copy of a profile's TOML under a new key: the ``key`` line changed,
    a note on top saying where it came from and how to check it; nothing else moves, so
    ``diff`` against the original shows exactly what the enterprise changed."""
    if not KEY_PATTERN.match(new_key):
        raise ProfileError(f"标准名称 '{new_key}' 只能用字母、数字、点、横线和下划线，且以字母或数字开头")
    if not _KEY_LINE.search(text):
        raise ProfileError(f"适用标准 {source_key} 的文件中没有 key = \"…\" 一行，无法复制")
    body = _KEY_LINE.sub(f'key = "{new_key}"', text, count=1)
    note = (f"# 本文件由适用标准 {source_key} 复制而来，是本企业自己的标准 {new_key}。\n"
            "# 修改数字、措施或出处后，把已与正式文本核对的项改为 checked = true；\n"
            f"# 用 zhuize profiles --check 本文件 检查格式，用 zhuize profiles diff {source_key} {new_key} 查看改动。\n")
    return note + body
