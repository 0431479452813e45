"""Issue 26 items 3, 5 and 6, each with the exact input that broke the promise: nothing
replaced without --force, every row and file accounted for, no traceback on a full disk,
a GBK file name or a closed pipe — and the project's own fault campaign
(``tests/fault_campaign.py``: 300 seeded mutants of the demo's workbooks)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin import cli
from addin.plumbing.outputs import TEMP_PATTERN
from addin.rollup import consolidate
from addin.validation.run import validate_file
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.templates import build_template, default_options

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-23"
LEDGER = "问题线索台账"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (by relative path, bytes as names may not be UTF-8) → its digest."""
    return {os.fsencode(p.relative_to(folder)).hex(): _sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "Error" not in out + err, out + err
    return code, out, err


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A clean workbook (13 ledger rows) and the broken forms of it the campaign found."""
    folder = tmp_path_factory.mktemp("books")
    clean = build_template(folder / "A单位.xlsx", default_options("central-2026", rows=10), SAMPLE_INFO, SAMPLE_RECORDS)
    made = {"clean": clean}
    for key, name in (("copy", "问题线索台账 (2)"), ("copy-bare", "问题线索台账(2)"), ("copy-of", "Copy of 问题线索台账")):
        book = openpyxl.load_workbook(clean)
        book.copy_worksheet(book[LEDGER]).title = name
        book.save(folder / f"{key}.xlsx")
        made[key] = folder / f"{key}.xlsx"
    book = openpyxl.load_workbook(clean)
    book[LEDGER].insert_rows(1, 11)  # the header on row 12
    book.save(folder / "low-header.xlsx")
    made["low-header"] = folder / "low-header.xlsx"
    made["repeated-row"] = _repeat_row(clean, folder / "repeated-row.xlsx")
    return made


def _repeat_row(source: Path, target: Path) -> Path:
    """Row 3 of the clue ledger relabelled as a second row 2 (two <row r="2"> elements)."""
    import re
    import zipfile

    from addin.workbook.preflight import sheet_parts

    part = sheet_parts(source)[LEDGER][0]
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == part:
                row = re.search(rb'<row r="3".*?</row>', data, re.DOTALL)
                assert row is not None
                changed = re.sub(rb'(<c r="[A-Z]+)3"', rb'\g<1>2"', row.group(0).replace(b'<row r="3"', b'<row r="2"', 1))
                data = data.replace(row.group(0), changed)
            new.writestr(info, data)
    return target


# -- every row and file accounted for -----------------------------------------------------------------


@pytest.mark.parametrize("key", ["copy", "copy-bare", "copy-of"])
def test_a_copied_sheet_is_an_error_naming_it_and_its_rows_are_counted(books: dict[str, Path], key: str) -> None:
    report, _ = validate_file(books[key])
    (problem,) = [p for p in report.problems if p.code == "ZZ-READ-SHEET-COPY"]
    assert report.status == "invalid" and problem.severity == "error"
    assert problem.sheet != LEDGER and f"「{problem.sheet}」" in problem.message and f"「{LEDGER}」" in problem.message
    clean, _ = validate_file(books["clean"])
    assert clean.status == "valid" and report.rows == clean.rows + 4  # the copy's 4 clue rows counted too


def test_a_renamed_ledger_is_an_error_and_its_rows_are_counted(books: dict[str, Path], tmp_path: Path) -> None:
    book = openpyxl.load_workbook(books["clean"])
    book[LEDGER].title = "Sheet1"
    book.save(tmp_path / "renamed.xlsx")
    report, _ = validate_file(tmp_path / "renamed.xlsx")
    (problem,) = [p for p in report.problems if p.code == "ZZ-READ-SHEET-RENAMED"]
    assert problem.sheet == "Sheet1" and f"「{LEDGER}」" in problem.message and "4 行" in problem.message
    assert report.status == "invalid" and report.rows == 13
    clean, _ = validate_file(books["clean"])
    assert not [p for p in clean.problems if p.code == "ZZ-READ-SHEET-RENAMED"]  # the template's 参数, 列表: not ledgers


def test_the_reconciliation_counts_what_the_files_hold(books: dict[str, Path]) -> None:
    clean, _ = validate_file(books["clean"])
    repeated, _ = validate_file(books["repeated-row"])
    (problem,) = [p for p in repeated.problems if p.code == "ZZ-READ-ROW-REPEATED"]
    assert (problem.sheet, problem.cell, problem.severity) == (LEDGER, "A2", "error")
    low, _ = validate_file(books["low-header"])
    (header,) = [p for p in low.problems if p.code == "ZZ-READ-HEADER-MISSING"]
    assert "第12行" in header.message
    assert repeated.rows == low.rows == clean.rows == 13  # held, though the reader kept 12 or 9
    files = [books[k] for k in ("clean", "copy", "repeated-row", "low-header")]
    result = consolidate.rollup(files, as_of=consolidate.dt.date(2026, 11, 23), jobs=1)
    assert [Path(i.path).name for i in result.accepted] == ["A单位.xlsx"]
    assert result.rows_in == 13 + 17 + 13 + 13 and result.rows_out == 13 and result.reconciled


def test_a_row_holding_only_a_computed_value_is_read_not_dropped(books: dict[str, Path], tmp_path: Path) -> None:
    from addin.workbook.schema import STANDARD

    sheet = STANDARD.sheet(LEDGER)
    computed = next(k for k, c in enumerate(sheet.columns) if c not in sheet.input_columns)
    book = openpyxl.load_workbook(books["clean"])
    book[LEDGER].cell(row=8, column=computed + 1).value = "重大"  # row 8: nothing else on it
    book.save(tmp_path / "computed-only.xlsx")
    report, _ = validate_file(tmp_path / "computed-only.xlsx")
    assert report.status == "invalid" and report.rows == 14  # 13 + the row, counted
    assert ("ZZ-REQUIRED", "A8") in [(p.code, p.cell) for p in report.errors]  # its blank 线索编号, at the row


def test_an_unopenable_sub_folder_is_listed_with_the_skipped(books: dict[str, Path], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    (folder / "乙公司").mkdir(parents=True)
    shutil.copy(books["clean"], folder / "A单位.xlsx")
    shutil.copy(books["clean"], folder / "乙公司" / "B单位.xlsx")
    locked = folder / "乙公司"
    real = Path.iterdir

    def iterdir(self: Path) -> Any:  # what chmod 000 does for a user who is not root
        if self == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    code, _, err = run(capsys, "validate", folder, "--as-of", AS_OF)
    assert code == 0
    assert any(line.startswith("已跳过 1 项无法打开的文件夹") and str(locked) in line for line in err.splitlines()), err


def test_a_roll_up_of_an_unknown_period_still_writes_its_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = build_template(tmp_path / "X.xlsx", default_options("central-2026", rows=10),
                            dict(SAMPLE_INFO, report_period="第五季度"), SAMPLE_RECORDS)
    out = tmp_path / "out"
    code, text, _ = run(capsys, "rollup", source, "--out", out / "G.xlsx", "--json", out / "s.json", "--no-cache")
    assert code == 2  # nothing could be rolled up
    summary = json.loads((out / "s.json").read_text("utf-8"))
    assert [r["path"] for r in summary["rejected"]] == [str(source)] and summary["reconciliation"]["balanced"]
    assert any(e["column"] == "报告期" for e in summary["rejected"][0]["errors"])
    unreadable = tmp_path / "坏.xlsx"
    unreadable.write_bytes(b"not a workbook")
    code, _, _ = run(capsys, "rollup", unreadable, "--out", tmp_path / "o2" / "G.xlsx", "--json", tmp_path / "o2" / "s.json")
    assert code == 2 and json.loads((tmp_path / "o2" / "s.json").read_text("utf-8"))["rejected"]


# -- non-UTF-8 names ---------------------------------------------------------------------------------


def test_a_gbk_file_name_is_read_and_shown(books: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "解压"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "甲单位报表.xlsx".encode("gbk")  # as a zip made on Chinese Windows unpacks
    shutil.copyfile(books["clean"], raw)
    before = _state(folder)
    code, out, _ = run(capsys, "validate", folder, "--json", tmp_path / "v.json", "--as-of", AS_OF)
    assert code == 0, out  # a good workbook, not "corrupt"
    shown = str(folder / "甲单位报表.xlsx")
    assert shown in out
    (entry,) = json.loads((tmp_path / "v.json").read_text("utf-8"))["files"]
    assert entry["status"] == "valid" and entry["path"] == shown
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "rollup", folder, "--out", out_dir / "G.xlsx", "--json", out_dir / "s.json",
                       "--archive", out_dir / "a.sqlite", "--as-of", AS_OF)
    assert code == 0, out
    summary = json.loads((out_dir / "s.json").read_text("utf-8"))
    assert [a["path"] for a in summary["accepted"]] == [shown] and summary["reconciliation"]["balanced"]
    assert _state(folder) == before


# -- nothing replaced without --force ------------------------------------------------------------------


def test_an_existing_file_is_never_replaced_without_force(books: dict[str, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(books["clean"], folder / "A单位.xlsx")
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("报告.json", "G.xlsx", "S.xlsx", "s.json"):
        (mine / name).write_bytes(f"the user's own {name}".encode())
    before = _state(mine) | _state(folder)
    for args in (("validate", folder, "--json", mine / "报告.json"),
                 ("rollup", folder, "--out", mine / "G.xlsx"),
                 ("rollup", folder, "--out", tmp_path / "new.xlsx", "--sasac", mine / "S.xlsx"),
                 ("rollup", folder, "--out", tmp_path / "new.xlsx", "--json", mine / "s.json")):
        code, _, err = run(capsys, *args, "--as-of", AS_OF)
        assert code == 2 and "已存在" in err and "--force" in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err
    assert _state(mine) | _state(folder) == before and not (tmp_path / "new.xlsx").exists()
    code, _, err = run(capsys, "rollup", folder, "--out", mine / "G.xlsx", "--json", mine / "s.json", "--force",
                       "--as-of", AS_OF)
    assert code == 0 and (mine / "G.xlsx").read_bytes()[:2] == b"PK", err
    assert json.loads((mine / "s.json").read_text("utf-8"))["reconciliation"]["balanced"]


def test_no_output_is_the_archive_or_the_intake_cache(books: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(books["clean"], folder / "A单位.xlsx")
    db = tmp_path / "a.sqlite"
    code, _, _ = run(capsys, "rollup", folder, "--out", tmp_path / "G.xlsx", "--archive", db, "--as-of", AS_OF)
    assert code == 0
    cache = tmp_path / "a.intake-cache.sqlite"
    assert cache.is_file()
    kept = {p: _sha(p) for p in (db, cache)}
    for target in (db, cache):
        for given in (["--out", target], ["--out", tmp_path / "G2.xlsx", "--json", target],
                      ["--out", tmp_path / "G2.xlsx", "--sasac", target]):
            code, _, err = run(capsys, "rollup", folder, *given, "--archive", db, "--force")
            assert code == 2 and ("归档库" in err or "缓存" in err), (target, given, err)
    assert {p: _sha(p) for p in kept} == kept


def test_annotated_copies_never_land_on_an_input(books: dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 26: `validate --annotate` into the input folder overwrote an input named like an
    annotated copy, then validated the overwritten file."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(books["copy"], folder / "乙.xlsx")  # invalid: gets an annotated copy
    shutil.copy(books["copy-bare"], folder / "乙（校验标注）.xlsx")  # an input named like that copy
    before = _state(folder)
    code, out, err = run(capsys, "validate", folder, "--annotate", folder, "--as-of", AS_OF)
    assert code == 1, out + err
    assert {k: v for k, v in _state(folder).items() if k in before} == before  # every input byte-identical
    assert out.count("有错误") >= 2  # both inputs validated as they were
    written = sorted(p.name for p in folder.iterdir() if p.name not in ("乙.xlsx", "乙（校验标注）.xlsx"))
    assert written == ["乙（校验标注）(2).xlsx", "乙（校验标注）（校验标注）.xlsx"], written
    again = _state(folder)
    code, out, err = run(capsys, "validate", folder, "--annotate", folder, "--as-of", AS_OF)
    assert code == 2 and "--force" in err and _state(folder) == again  # the copies of the first run: not replaced
    code, out, err = run(capsys, "validate", folder, "--annotate", folder, "--force", "--as-of", AS_OF)
    assert code == 1 and {k: v for k, v in _state(folder).items() if k in before} == before


# -- faults: a full disk, a closed pipe, a device ------------------------------------------------------


def _mount(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def _umount(folder: Path) -> None:
    import gc

    gc.collect()
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_full_disk_leaves_no_output_and_no_archive_row(books: dict[str, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    small = tmp_path / "small"
    if not _mount(small, "64k"):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        folder = tmp_path / "in"
        folder.mkdir()
        for name in ("clean", "copy", "copy-bare"):
            shutil.copy(books[name], folder / f"{name}.xlsx")
        inputs = _state(folder)
        ballast = small / "用户自己的文件.bin"
        ballast.write_bytes(os.urandom(40 * 1024))
        # validate: the annotated copies and the JSON report together, or none
        code, _, err = run(capsys, "validate", folder, "--annotate", small, "--json", small / "v.json", "--as-of", AS_OF)
        assert code == 1 and "磁盘空间不足" in err.strip().splitlines()[-1], err
        assert sorted(p.name for p in small.iterdir()) == [ballast.name]
        # rollup: the returns and the JSON on the full disk; the archive elsewhere is not updated
        db = tmp_path / "a.sqlite"
        code, _, err = run(capsys, "rollup", folder, "--out", small / "G.xlsx", "--sasac", small / "S.xlsx",
                           "--json", small / "s.json", "--archive", db, "--as-of", AS_OF)
        assert code == 1 and "磁盘空间不足" in err.strip().splitlines()[-1], err
        assert sorted(p.name for p in small.iterdir()) == [ballast.name]
        if db.exists():
            with sqlite3.connect(db) as connection:
                assert connection.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)
        # the JSON alone on the full disk (the returns fit elsewhere): the archive is rolled back too
        free = os.statvfs(small)
        (small / "填满.bin").write_bytes(b"\0" * (free.f_bavail * free.f_frsize))
        roomy = tmp_path / "roomy"
        code, _, err = run(capsys, "rollup", folder, "--out", roomy / "G.xlsx", "--json", small / "s.json",
                           "--archive", db, "--as-of", AS_OF)
        assert code == 1 and "磁盘空间不足" in err.strip().splitlines()[-1] and str(small) in err, err
        assert not (roomy / "G.xlsx").exists() and not (small / "s.json").exists()
        with sqlite3.connect(db) as connection:  # committed only after the outputs: rolled back
            assert connection.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)
        assert _state(folder) == inputs and ballast.stat().st_size == 40 * 1024
        assert not [p for p in small.iterdir() if TEMP_PATTERN.match(p.name)]
    finally:
        _umount(small)


def test_a_writer_library_error_on_a_full_disk_is_one_line(books: dict[str, Path], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """xlsxwriter raises its own FileCreateError (not an OSError) when the disk is full."""
    from xlsxwriter.exceptions import FileCreateError

    from addin.returns import sasac

    def full(result: Any, target: Path, *rest: Any, **options: Any) -> None:
        Path(target).write_bytes(b"PK\x03\x04 half")
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(sasac, "write_sasac_return", full)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(books["clean"], folder / "A.xlsx")
    out = tmp_path / "out"
    db = tmp_path / "a.sqlite"
    code, _, err = run(capsys, "rollup", folder, "--out", out / "G.xlsx", "--sasac", out / "S.xlsx",
                       "--json", out / "s.json", "--archive", db, "--as-of", AS_OF)
    assert code == 1 and "磁盘空间不足" in err.strip().splitlines()[-1] and "FileCreateError" not in err
    assert not out.exists() or not list(out.iterdir())
    with sqlite3.connect(db) as connection:  # written only after the outputs: nothing was
        assert connection.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)


def test_a_closed_pipe_never_stops_the_roll_up(books: dict[str, Path], tmp_path: Path) -> None:
    """`zhuize rollup … 2>&1 | head -1`: the progress line meets the closed pipe mid-run."""
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(12):  # enough files for several progress lines
        shutil.copy(books["clean" if k % 3 else "copy"], folder / f"单位{k:02d}.xlsx")
    out = tmp_path / "out"
    script = (f"'{sys.executable}' -m addin.cli rollup '{folder}' --out '{out / 'G.xlsx'}' --json '{out / 's.json'}' "
              f"--archive '{out / 'a.sqlite'}' --jobs 1 --as-of {AS_OF} 2>&1 | head -1; echo \"rc=${{PIPESTATUS[0]}}\"")
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert "Traceback" not in done.stdout + done.stderr and "BrokenPipe" not in done.stdout + done.stderr
    assert done.stdout.strip().endswith("rc=1"), done.stdout  # some files rejected: exit 1, as without the pipe
    summary = json.loads((out / "s.json").read_text("utf-8"))
    assert len(summary["accepted"]) == 1 and summary["reconciliation"]["balanced"]  # 8 copies of one unit: superseded
    with sqlite3.connect(out / "a.sqlite") as connection:
        assert connection.execute("SELECT COUNT(*) FROM submissions").fetchone() == (1,)
    assert (out / "G.xlsx").is_file()


def test_a_device_or_huge_file_is_refused_unopened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "addin.cli", "profiles", "--check", "/dev/zero"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # never returned before
    assert done.returncode == 1 and "不是普通文件" in done.stderr and "Traceback" not in done.stderr
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: nothing is written
    code, _, err = run(capsys, "profiles", "--check", huge)
    assert code == 1 and "不像适用标准文件" in err
    code, _, err = run(capsys, "calendar", "add", "2027", "/dev/zero")
    assert code == 1 and "不是日历文件" in err


def test_an_imported_calendar_year_is_replaced_only_with_force(tmp_path: Path, zhuize_home: Path,
                                                                calendar_2027_text: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "2027.toml"
    source.write_text(calendar_2027_text, encoding="utf-8")
    assert run(capsys, "calendar", "add", "2027", source)[0] == 0
    target = zhuize_home / "calendar" / "2027.toml"
    target.write_text(calendar_2027_text + "# 本单位的注释\n", encoding="utf-8")  # edited by hand since
    code, _, err = run(capsys, "calendar", "add", "2027", source)
    assert code == 2 and "--force" in err and target.read_text("utf-8").endswith("# 本单位的注释\n")
    assert run(capsys, "calendar", "add", "2027", source, "--force")[0] == 0
    assert target.read_text("utf-8") == calendar_2027_text
    assert not [p for p in target.parent.iterdir() if p.name != "2027.toml"]  # no temporary file left


# -- the fault campaign ------------------------------------------------------------------------------


def test_the_fault_campaign_finds_nothing(tmp_path: Path) -> None:
    """300 seeded mutants of the demo's workbooks through validate and rollup: no traceback,
    no hang, no unaccounted row (~2 minutes on two cores)."""
    from tests import fault_campaign

    outcome = fault_campaign.run(count=300, seed=26, folder=tmp_path / "campaign")
    assert outcome.mutants == 300
    assert not outcome.findings, "\n".join(outcome.findings[:20])
    assert outcome.statuses.get("valid") and outcome.statuses.get("invalid") and outcome.statuses.get("unreadable")


# -- the 收报台's checking processes and incoming/ -----------------------------------------------------


def sleeper(seconds: float, send: Any) -> int:
    """A check that takes long (run in the 收报台's checking process)."""
    import time

    send("pid", os.getpid())
    time.sleep(seconds)
    return 0


KILLED_SERVER = """
import sys, time
from addin.web import isolate
from tests.test_faults import sleeper
isolate.run_capped(sleeper, (120,), 0, 300, on_message=lambda *m: print(m[1], flush=True))
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG, /proc")
def test_checking_processes_die_with_the_server(tmp_path: Path) -> None:
    import threading
    import time

    from addin.web import isolate

    pids: list[int] = []
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(
        isolate.run_capped(sleeper, (120,), 0, 300, on_message=lambda *m: pids.append(m[1]))))
    thread.start()
    for _ in range(200):
        if pids:
            break
        time.sleep(0.05)
    assert pids and _alive(pids[0])
    assert isolate.stop_all() == 1  # the server stops: its checks are killed
    thread.join(30)
    assert outcome and outcome[0].failed == "crash" and not _alive(pids[0])
    # kill -9 of the server itself: the check dies with it
    server = subprocess.Popen([sys.executable, "-c", KILLED_SERVER], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert server.stdout is not None
    child = int(server.stdout.readline())
    assert _alive(child)
    server.kill()
    server.wait(30)
    for _ in range(100):
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child)


def test_incoming_uploads_are_cleared_at_start_and_shutdown(tmp_path: Path) -> None:
    from addin.web.store import Store

    store = Store(tmp_path / "data")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = store.incoming().with_name(f"{dead.stdout.strip()}-{'a' * 32}.xlsx")  # a killed 收报台's upload
    ours = store.incoming()
    for path in (left, ours):
        path.write_bytes(b"upload")
    assert store.clear_incoming() == 1 and not left.exists() and ours.exists()  # at start
    assert store.clear_incoming(mine=True) == 1 and not ours.exists()  # at shutdown
