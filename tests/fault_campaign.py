"""The project's own fault campaign: hundreds of seeded mutations of the demo group's
workbooks through ``validate`` and ``rollup``, in this process (no subprocess per mutant).

    python -m tests.fault_campaign [--count 320] [--seed 26] [--keep FOLDER]

Every mutant must come out accounted for: no traceback (no ZZ-READ-INTERNAL, no exception
out of the commands' cores), no hang (an alarm per mutant), and no row lost — a mutant the
validator passes holds exactly the rows of the workbook it was made from, and the
roll-up's reconciliation balances with every file accepted, rejected with an error, or
superseded.  Deterministic: the same seed makes the same mutants.  Exit code 0 when nothing
was found; the findings are printed one a line (also returned by ``run``).

The mutations: a cell's value (NaN, ±inf, 1e308, -1, text in a number, a shared-string
index beyond the table, a huge text), a cell removed, a row element duplicated, given the
number of the row before it, or renumbered, a byte of a sheet's XML flipped or cut, a sheet renamed (also as a copy:
「问题线索台账 (2)」), a part dropped, the file truncated, bytes flipped in the zip, a GBK
file name, an empty file.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

AS_OF = dt.date(2026, 11, 23)
PER_MUTANT_SECONDS = 30
HOSTILE_VALUES = ("NaN", "inf", "-inf", "1e308", "-1e308", "1e400", "-1", "abc", "", "0.5", "99999999",
                  "1" * 40, "-0", "2958466", "1E+5")
LEDGER_NAMES = ("问题线索台账", "资产损失认定", "责任追究", "整改台账")


class Hang(Exception):
    """A mutant took longer than ``PER_MUTANT_SECONDS``."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """SIGALRM after ``seconds`` (main thread, POSIX); elsewhere no limit."""
    if not hasattr(signal, "SIGALRM") or os.name != "posix":
        yield
        return

    def ring(*_: object) -> None:
        raise Hang(f"超过 {seconds} 秒")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- mutations ------------------------------------------------------------------------------------


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _write(parts: dict[str, bytes], target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _sheet_parts(parts: dict[str, bytes]) -> list[str]:
    return sorted(n for n in parts if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))


def _cells(data: bytes) -> list[re.Match[bytes]]:
    return list(re.finditer(rb'<c r="[A-Z]+(\d+)"[^>]*?(?:/>|>.*?</c>)', data, re.DOTALL))


def _rows(data: bytes) -> list[re.Match[bytes]]:
    return list(re.finditer(rb'<row [^>]*?(?:/>|>.*?</row>)', data, re.DOTALL))


def m_value(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts))
    cells = [c for c in _cells(parts[part]) if b"<v>" in c.group(0)]
    if not cells:
        return "no-op"
    cell = rng.choice(cells)
    value = rng.choice(HOSTILE_VALUES).encode()
    text = re.sub(rb"<v>[^<]*</v>", b"<v>" + value + b"</v>", cell.group(0), count=1)
    parts[part] = parts[part][:cell.start()] + text + parts[part][cell.end():]
    return f"value {part} {value.decode()[:12]}"


def m_inline_text(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts))
    cells = _cells(parts[part])
    if not cells:
        return "no-op"
    cell = rng.choice(cells)
    ref = re.match(rb'<c r="([A-Z]+\d+)"', cell.group(0)).group(1)  # type: ignore[union-attr]
    text = rng.choice(["x" * 40000, "=cmd|' /C calc'!A0", "\x01控制字符", "１２３", "2026-13-45", "是否", "  "])
    body = text.encode("utf-8").replace(b"&", b"&amp;").replace(b"<", b"&lt;")
    new = b'<c r="' + ref + b'" t="inlineStr"><is><t>' + body + b"</t></is></c>"
    parts[part] = parts[part][:cell.start()] + new + parts[part][cell.end():]
    return f"inline {part} {text[:8]!r}"


def m_drop_cell(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts))
    cells = _cells(parts[part])
    if not cells:
        return "no-op"
    cell = rng.choice(cells)
    parts[part] = parts[part][:cell.start()] + parts[part][cell.end():]
    return f"drop-cell {part}"


def m_duplicate_row(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts))
    rows = _rows(parts[part])
    if not rows:
        return "no-op"
    row = rng.choice(rows)
    parts[part] = parts[part][:row.end()] + row.group(0) + parts[part][row.end():]
    return f"duplicate-row {part}"


def m_collide_row(rng: random.Random, parts: dict[str, bytes]) -> str:
    """A row relabelled with the number of the row before it: two different rows, one number."""
    part = rng.choice(_sheet_parts(parts))
    rows = _rows(parts[part])
    if len(rows) < 2:
        return "no-op"
    k = rng.randrange(1, len(rows))
    before = re.search(rb'r="(\d+)"', rows[k - 1].group(0))
    if before is None:
        return "no-op"
    number = int(before.group(1))
    row = rows[k]
    text = re.sub(rb'r="(\d+)"', b'r="%d"' % number, row.group(0), count=1)
    text = re.sub(rb'(<c r="[A-Z]+)\d+"', lambda m: m.group(1) + b'%d"' % number, text)
    parts[part] = parts[part][:row.start()] + text + parts[part][row.end():]
    return f"collide-row {part} {number}"


def m_renumber_row(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts))
    rows = _rows(parts[part])
    if not rows:
        return "no-op"
    row = rng.choice(rows)
    number = rng.choice([1, 2, 3, 11, 12, 1048576, 1048577, 0])
    text = re.sub(rb'r="(\d+)"', lambda m: b'r="%d"' % number, row.group(0), count=1)
    text = re.sub(rb'(<c r="[A-Z]+)\d+"', lambda m: m.group(1) + b'%d"' % number, text)
    parts[part] = parts[part][:row.start()] + text + parts[part][row.end():]
    return f"renumber-row {part} {number}"


def m_flip_xml(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts) + ["xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml"])
    if part not in parts or not parts[part]:
        return "no-op"
    data = bytearray(parts[part])
    where = rng.randrange(len(data))
    data[where] = rng.choice(b'<>"&/=\x00\xff0aZ ')
    parts[part] = bytes(data)
    return f"flip-xml {part} @{where}"


def m_cut_xml(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts) + ["xl/sharedStrings.xml"])
    if part not in parts:
        return "no-op"
    parts[part] = parts[part][:rng.randrange(len(parts[part]) or 1)]
    return f"cut-xml {part}"


def m_rename_sheet(rng: random.Random, parts: dict[str, bytes]) -> str:
    book = parts["xl/workbook.xml"].decode("utf-8")
    names = re.findall(r'<sheet name="([^"]+)"', book)
    if not names:
        return "no-op"
    old = rng.choice(names)
    new = rng.choice([f"{old} (2)", f"{old}(2)", f"Copy of {old}", f"{old} - 副本", old + "x", "Sheet1", old[::-1]])
    parts["xl/workbook.xml"] = book.replace(f'<sheet name="{old}"', f'<sheet name="{new}"', 1).encode("utf-8")
    return f"rename-sheet {old} → {new}"


def m_drop_part(rng: random.Random, parts: dict[str, bytes]) -> str:
    name = rng.choice(sorted(parts))
    del parts[name]
    return f"drop-part {name}"


def m_shared_index(rng: random.Random, parts: dict[str, bytes]) -> str:
    part = rng.choice(_sheet_parts(parts))
    cells = [c for c in _cells(parts[part]) if b't="s"' in c.group(0)]
    if not cells:
        return "no-op"
    cell = rng.choice(cells)
    value = rng.choice([b"-1", b"999999", b"1.5", b"x"])
    text = re.sub(rb"<v>[^<]*</v>", b"<v>" + value + b"</v>", cell.group(0), count=1)
    parts[part] = parts[part][:cell.start()] + text + parts[part][cell.end():]
    return f"shared-index {part} {value.decode()}"


PART_MUTATIONS: list[Callable[[random.Random, dict[str, bytes]], str]] = [
    m_value, m_value, m_value, m_inline_text, m_drop_cell, m_duplicate_row, m_collide_row, m_collide_row,
    m_renumber_row,
    m_flip_xml, m_flip_xml, m_cut_xml, m_rename_sheet, m_rename_sheet, m_drop_part, m_shared_index,
]


def mutate(rng: random.Random, source: Path, folder: Path, number: int) -> tuple[Path, str]:
    """One mutant of ``source`` in ``folder``; (its path, what was done)."""
    kind = rng.random()
    target = folder / f"m{number:04d}_{source.name}"
    if kind < 0.06:  # the file cut short
        data = source.read_bytes()
        target.write_bytes(data[:rng.randrange(len(data))])
        return target, "truncate"
    if kind < 0.12:  # bytes flipped anywhere in the package
        data = bytearray(source.read_bytes())
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(data))
        return target, "flip-zip"
    if kind < 0.14:
        target.write_bytes(b"")
        return target, "empty"
    if kind < 0.17:  # a GBK file name, as a zip made on Chinese Windows unpacks it
        raw = os.fsencode(folder) + b"/" + f"m{number:04d}_报表.xlsx".encode("gbk")
        shutil.copyfile(source, raw)
        return Path(os.fsdecode(raw)), "gbk-name"
    parts = _parts(source)
    done = [rng.choice(PART_MUTATIONS)(rng, parts) for _ in range(rng.choice((1, 1, 1, 2)))]
    _write(parts, target)
    return target, "; ".join(done)


# -- the campaign ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    mutants: int = 0
    findings: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _may_lose(what: str) -> bool:
    """Mutations that may really take a row's content away (a removed cell or part, cut or
    flipped XML, a row moved beyond the sheet): the rejected file then holds fewer rows."""
    return any(what.startswith(kind) or f"; {kind}" in what
               for kind in ("drop-cell", "drop-part", "cut-xml", "flip-xml", "renumber-row", "inline", "value"))


def _base_rows(path: Path) -> int | None:
    """The rows of a demo workbook (None: the demo's deliberately unreadable file)."""
    from addin.validation.run import validate_file

    report, _ = validate_file(path, as_of=AS_OF)
    return None if report.status == "unreadable" else report.rows


def run(count: int = 320, seed: int = 26, folder: Path | None = None, units: int = 8) -> Outcome:
    """Make ``count`` mutants of a small demo group in ``folder`` and put them through
    validate and rollup; the findings (empty: every promise held)."""
    from addin.demo.group import make_demo_group
    from addin.plumbing.guard import path_text
    from addin.rollup import consolidate
    from addin.validation.run import validate_file

    started = time.monotonic()
    outcome = Outcome()
    work = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="zhuize-campaign-"))
    try:
        group = make_demo_group(work / "demo", units=units, clues=3, seed=seed)
        found = {s: _base_rows(s) for s in sorted(group.current)}
        base = {s: rows for s, rows in found.items() if rows is not None}
        sources = sorted(base)
        mutants_dir = work / "mutants"
        mutants_dir.mkdir(parents=True, exist_ok=True)
        rng = random.Random(seed)
        made: list[tuple[Path, Path, str]] = []
        for number in range(count):
            source = rng.choice(sources)
            path, what = mutate(rng, source, mutants_dir, number)
            made.append((path, source, what))
        outcome.mutants = len(made)
        for path, source, what in made:
            label = f"{path_text(path.name)} ({what})"
            try:
                with deadline(PER_MUTANT_SECONDS):
                    report, _ = validate_file(path, as_of=AS_OF)
            except Hang as exc:
                outcome.findings.append(f"hang: validate {label}: {exc}")
                continue
            except BaseException as exc:  # noqa: BLE001 - the finding
                if isinstance(exc, KeyboardInterrupt):
                    raise
                outcome.findings.append(f"traceback: validate {label}: {type(exc).__name__}: {exc}\n"
                                        + traceback.format_exc(limit=6))
                continue
            outcome.statuses[report.status] = outcome.statuses.get(report.status, 0) + 1
            internal = [p for p in report.problems if p.code == "ZZ-READ-INTERNAL"]
            if internal:
                outcome.findings.append(f"traceback: validate {label}: {internal[0].message}")
            if report.status == "valid" and report.rows != base[source]:
                outcome.findings.append(f"lost rows: validate {label}: passed with {report.rows} rows, "
                                        f"the workbook it was made from holds {base[source]}")
            elif report.status == "invalid" and report.rows < base[source] and not _may_lose(what):
                outcome.findings.append(f"uncounted rows: validate {label}: rejected counting {report.rows} rows, "
                                        f"the workbook it was made from holds {base[source]}")
            if report.status == "invalid" and not report.errors:
                outcome.findings.append(f"unexplained: validate {label}: invalid without an error")
        files = [p for p, _, _ in made]
        try:
            with deadline(max(120, PER_MUTANT_SECONDS * 4)):
                result = consolidate.rollup(files, as_of=AS_OF, jobs=1)
        except Hang as exc:
            outcome.findings.append(f"hang: rollup of all mutants: {exc}")
            return outcome
        except BaseException as exc:  # noqa: BLE001 - the finding
            if isinstance(exc, KeyboardInterrupt):
                raise
            outcome.findings.append(f"traceback: rollup: {type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=8))
            return outcome
        if not result.reconciled:
            outcome.findings.append(f"unreconciled: rollup: in {result.rows_in} ≠ out {result.rows_out} + "
                                    f"rejected {result.rows_rejected}")
        seen = {i.path for i in result.accepted} | {i.path for i in result.rejected} | \
            {s.path for s, _ in result.superseded}
        for path in files:
            if path_text(path) not in seen:
                outcome.findings.append(f"unaccounted: rollup: {path_text(path.name)} neither accepted, rejected nor superseded")
        for intake in result.rejected:
            problems = result.problems_of(intake)
            if not any(p.severity == "error" for p in problems):
                outcome.findings.append(f"unexplained: rollup rejected {Path(intake.path).name} without an error")
            if any(p.code == "ZZ-READ-INTERNAL" for p in problems):
                outcome.findings.append(f"traceback: rollup {Path(intake.path).name}")
        by_path = {path_text(p): s for p, s, _ in made}
        for intake in result.accepted:
            source = by_path.get(intake.path)
            if source is not None and intake.rows != base[source]:
                outcome.findings.append(f"lost rows: rollup accepted {Path(intake.path).name} with {intake.rows} rows "
                                        f"of {base[source]}")
        return outcome
    finally:
        outcome.seconds = time.monotonic() - started
        if folder is None:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="zhuize 故障注入：演示报表的变异体经 validate 和 rollup")
    parser.add_argument("--count", type=int, default=320)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--keep", type=Path, default=None, help="变异体留在此文件夹（默认用完即删）")
    args = parser.parse_args(argv)
    outcome = run(args.count, args.seed, args.keep)
    for finding in outcome.findings:
        print(finding)
    print(f"{outcome.mutants} 个变异体，{outcome.statuses}，发现 {len(outcome.findings)} 处问题，用时 {outcome.seconds:.0f} 秒")
    return 1 if outcome.findings else 0


if __name__ == "__main__":
    sys.exit(main())
