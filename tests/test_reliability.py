"""Nothing lost, nothing overwritten, no traceback: hostile files, bad paths, full disks
and kills through every command (issue 15).

A corpus of mutants is generated here from a clean workbook (NaN/±inf/1e400 in number
and date cells, impossible shared-string indexes, entries flagged encrypted, bit flips,
control characters, an absurd year) and goes through ``validate``, ``rollup``,
``letters`` and the ribbon handlers: every mutant is accounted for with its reason, the
clean files are still accepted and the indicators do not change.  The commands run as
subprocesses (``python -m addin.cli``), as a clerk would run them.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest

from addin.plumbing.outputs import TEMP_PATTERN, OutputError, OutputSet, clean_stale
from addin.plumbing.redact import find_ids, mask, redact
from addin.rollup import consolidate as rollup
from addin.workbook.preflight import sheet_parts
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.templates import build_template, default_options
from addin.xlam import handlers
from udfs import identity

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-23"
LEDGER = "问题线索台账"
LOSSES = "资产损失认定"
SUMMARY = "未经审批开展融资性贸易，形成应收款项逾期未收回"


def _uscc(body: str) -> str:
    return body + identity.uscc_check_char(body)


def _clean(path: Path, unit: str, uscc_body: str, summary: str | None = None) -> Path:
    info = dict(SAMPLE_INFO, unit_name=unit, uscc=_uscc(uscc_body))
    records = {key: [dict(r) for r in rows] for key, rows in SAMPLE_RECORDS.items()}
    records["clues"][3]["event_report_date"] = SAMPLE_INFO["report_date"]
    if summary is not None:
        records["clues"][0]["summary"] = summary
    return build_template(path, default_options("central-2026", rows=10), info, records)


def _rewrite(source: Path, target: Path, part: str, change: Any) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info, change(data) if info.filename == part else data)
    return target


def _set_value(source: Path, target: Path, sheet: str, cell: str, value: str) -> Path:
    part = sheet_parts(source)[sheet][0]

    def change(data: bytes) -> bytes:
        pattern = re.compile(rb'(<c r="' + cell.encode() + rb'"[^>]*>)<v>[^<]*</v>')
        changed, count = pattern.subn(lambda m: m.group(1) + b"<v>" + value.encode() + b"</v>", data, count=1)
        assert count == 1, (sheet, cell)
        return changed
    return _rewrite(source, target, part, change)


def _encrypted_flags(source: Path, target: Path) -> Path:
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
    for info in infos:  # the local headers and the central directory both carry the flag
        data[info.header_offset + 6] |= 0x1
    start = data.rfind(b"PK\x05\x06")
    directory = int.from_bytes(data[start + 16:start + 20], "little")
    offset = directory
    while data[offset:offset + 4] == b"PK\x01\x02":
        data[offset + 8] |= 0x1
        offset += 46 + sum(int.from_bytes(data[offset + k:offset + k + 2], "little") for k in (28, 30, 32))
    target.write_bytes(bytes(data))
    return target


def _bit_flip(source: Path, target: Path, part: str, where: float) -> Path:
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(part)
    header = data[info.header_offset:info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    data[start + int(info.compress_size * where)] ^= 0x10
    target.write_bytes(bytes(data))
    return target


# name → (status, code, sheet, cell) the validator must report
EXPECTED: dict[str, tuple[str, str, str, str]] = {}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("corpus")
    work = tmp_path_factory.mktemp("sources")
    a = _clean(folder / "A单位.xlsx", "甲能源有限公司", "91510100MA61R8XK4")
    _clean(folder / "B单位.xlsx", "乙能源有限公司", "91510100MA62A1B23")
    _clean(folder / "C单位.xlsx", "丙能源有限公司", "91510000MA62A1B23",
           summary="未经审批_x0001_开展融资性贸易\x02，形成应收款项逾期未收回")
    clean = ["A单位.xlsx", "B单位.xlsx", "C单位.xlsx"]
    values = {
        "loss-nan": (LOSSES, "C2", "NaN"), "loss-inf": (LOSSES, "C2", "1e400"),
        "amount-neg-inf": (LEDGER, "I2", "-inf"), "date-neg-inf": (LEDGER, "B2", "-inf"),
        "date-nan": (LEDGER, "B2", "NaN"), "date-1e400": (LEDGER, "B2", "1e400"),
        "date-far-negative": (LEDGER, "B2", "-1e12"),
        "sst-minus-one": (LEDGER, "A2", "-1"), "sst-abc": (LEDGER, "A2", "abc"), "sst-fraction": (LEDGER, "A2", "1.5"),
    }
    for name, (sheet, cell, value) in values.items():
        _set_value(a, folder / f"{name}.xlsx", sheet, cell, value)
        EXPECTED[name] = ("invalid", "ZZ-READ-BAD-VALUE", sheet, cell)
    _set_value(a, folder / "sst-beyond.xlsx", LEDGER, "A2", "99999")
    EXPECTED["sst-beyond"] = ("invalid", "ZZ-READ-BAD-VALUE", LEDGER, "A2")  # beyond the shared-string table
    year_cell = "B6"
    _set_value(a, folder / "year-one.xlsx", "填报信息", year_cell, "1")
    EXPECTED["year-one"] = ("invalid", "ZZ-READ-DATE-RANGE", "填报信息", year_cell)
    _encrypted_flags(a, folder / "encrypted-flag.xlsx")
    EXPECTED["encrypted-flag"] = ("unreadable", "ZZ-FILE-ENCRYPTED", "", "")
    ledger_part = sheet_parts(a)[LEDGER][0]
    for k, where in enumerate((0.1, 0.5, 0.9)):
        _bit_flip(a, folder / f"bit-flip-{k}.xlsx", ledger_part, where)
        EXPECTED[f"bit-flip-{k}"] = ("unreadable", "ZZ-FILE-CORRUPT", "", "")
    mutants = sorted(EXPECTED)
    shutil.copytree(folder, work / "copy")
    return {"folder": folder, "clean": clean, "mutants": mutants, "work": work / "copy"}


def zhuize(*args: str | Path, timeout: float = 180, stdin: Any = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RUST_BACKTRACE="1")
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=stdin)


def main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """The command in this process (fast); (exit code, stdout, stderr)."""
    from addin import cli

    capsys.readouterr()
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _no_traceback(run: subprocess.CompletedProcess[str]) -> None:
    for text in (run.stdout, run.stderr):
        assert "Traceback" not in text and "panicked" not in text and "Exception" not in text, text[-2000:]


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP_PATTERN.match(p.name) or p.name.endswith(".tmp")]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the mutant corpus through every command ------------------------------------------------------


def test_validate_accounts_for_every_mutant(corpus: dict[str, Any], tmp_path: Path) -> None:
    run = zhuize("validate", corpus["folder"], "--json", tmp_path / "v.json", "--as-of", AS_OF)
    _no_traceback(run)
    assert run.returncode == 2  # some files cannot be read at all
    files = {Path(f["path"]).stem: f for f in json.loads((tmp_path / "v.json").read_text("utf-8"))["files"]}
    assert sorted(files) == sorted([Path(c).stem for c in corpus["clean"]] + corpus["mutants"])
    for name in corpus["clean"]:
        assert files[Path(name).stem]["status"] == "valid", files[Path(name).stem]["errors"]
    for name, (status, code, sheet, cell) in EXPECTED.items():
        report = files[name]
        problems = report["errors"] + report["warnings"]
        assert report["status"] == status, (name, problems)
        found = [(p["code"], p["sheet"] or "", p["cell"] or "") for p in problems]
        assert (code, sheet, cell) in found, (name, found)
        assert all("程序出错" not in p["message"] and "技术支持" not in p["message"] for p in problems)


def test_rollup_accepts_the_clean_files_and_rejects_every_mutant(corpus: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = zhuize("rollup", corpus["folder"], "--out", out / "G.xlsx", "--json", out / "s.json",
                 "--archive", out / "a.sqlite", "--jobs", "2", "--as-of", AS_OF)
    _no_traceback(run)
    assert run.returncode == 2, run.stderr
    summary = json.loads((out / "s.json").read_text("utf-8"))
    assert sorted(Path(a["path"]).name for a in summary["accepted"]) == corpus["clean"]
    assert sorted(Path(r["path"]).stem for r in summary["rejected"]) == corpus["mutants"]
    assert summary["reconciliation"]["balanced"]
    clean = rollup.rollup([corpus["folder"] / name for name in corpus["clean"]],
                          as_of=rollup.dt.date(2026, 11, 23))
    assert summary["indicators"] == json.loads(json.dumps(rollup.summary_json(clean)["indicators"]))
    assert "nan" not in json.dumps(summary["indicators"]).lower()
    assert not _temp_files(out)


def test_letters_survive_the_corpus(corpus: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "letters"
    run = zhuize("letters", corpus["folder"], "--out", out)
    _no_traceback(run)
    assert run.returncode in (0, 1)
    for name, (status, *_rest) in EXPECTED.items():
        if status == "unreadable":
            assert f"{name}.xlsx" in run.stderr, name  # each unreadable mutant is named with its reason
    written = sorted(p.name for p in out.iterdir())
    assert any(n.startswith("丙能源有限公司_") for n in written)  # the control characters did not stop it
    for path in out.glob("丙能源有限公司_*.docx"):
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert "\x01" not in text and "\x02" not in text
    assert not _temp_files(out)


def test_ribbon_handlers_survive_the_corpus(corpus: dict[str, Any]) -> None:
    from tests.test_macros import FakeBook

    folder = corpus["work"]
    for name in corpus["mutants"]:
        book = FakeBook(folder / f"{name}.xlsx")
        outcome = handlers.validate_book(book)
        assert outcome.ok and "记入" not in outcome.message, (name, outcome.message)  # no program error logged
        assert "未通过" in outcome.message or "无法读取" in outcome.message, (name, outcome.message)
        if name in ("encrypted-flag", "bit-flip-0", "sst-beyond", "date-neg-inf", "sst-abc"):
            letters = handlers.event_reports(FakeBook(folder / f"{name}.xlsx"))
            assert "出错：" not in letters.message and "记入" not in letters.message, (name, letters.message)
    # the annotated copies and reports the button wrote beside the books are never rolled up
    book = FakeBook(folder / "A单位.xlsx")
    outcome = handlers.rollup_folder(handlers.encode_hex(str(folder)), book)
    assert outcome.ok, outcome.message
    summary = json.loads((folder / "集团汇总.json").read_text("utf-8"))
    assert sorted(Path(a["path"]).name for a in summary["accepted"]) == corpus["clean"]
    assert sorted(Path(r["path"]).stem for r in summary["rejected"]) == corpus["mutants"]
    again = handlers.rollup_folder(handlers.encode_hex(str(folder)), FakeBook(folder / "A单位.xlsx"))
    assert again.ok and "本程序生成的文件" in again.message  # its own return of the first run: skipped, said so
    assert (folder / "集团汇总(2).xlsx").is_file()


# -- outputs: never an input, all or nothing, one Chinese line --------------------------------------


def test_an_output_that_is_an_input_is_refused(corpus: dict[str, Any], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    shutil.copytree(corpus["folder"], folder, ignore=shutil.ignore_patterns("[!ABC]*"))
    victim = folder / "A单位.xlsx"
    before = _sha(victim)
    for flag in ("--out", "--sasac", "--json", "--archive"):
        args: list[str | Path] = ["rollup", folder, "--out", tmp_path / "G.xlsx", flag, victim]
        if flag == "--out":
            args = ["rollup", folder, "--out", victim]
        code, _, err = main(capsys, *args)
        assert code == 2, (flag, err)  # refused before any work: a usage error
        assert "就是输入的报表之一" in err and len(err.strip().splitlines()) == 1, err
        assert _sha(victim) == before
    assert not (tmp_path / "G.xlsx").exists()
    code, _, err = main(capsys, "rollup", folder, "--out", tmp_path)  # an existing folder as the output file
    assert code == 2 and "是一个文件夹" in err


def _mount(folder: Path, options: str) -> bool:
    """A small tmpfs (root only); False when it cannot be mounted here."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def _umount(folder: Path) -> None:
    import gc

    gc.collect()  # a connection kept alive by a traceback closes with it
    done = subprocess.run(["umount", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        print("umount:", done.stderr)
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _only(folder: Path, names: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == names


def test_a_read_only_folder_gives_one_line(corpus: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "readonly"
    mounted = _mount(target, "ro,size=1m")
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("root without mount: a read-only folder cannot be made here")
        target.chmod(0o555)
    try:
        run = zhuize("rollup", *[corpus["folder"] / n for n in corpus["clean"]], "--out", target / "G.xlsx",
                     "--sasac", target / "S.xlsx", "--json", target / "s.json", "--as-of", AS_OF)
        _no_traceback(run)
        assert run.returncode == 1
        (line,) = run.stderr.strip().splitlines()[-1:]
        assert str(target) in line and ("只读" in line or "没有权限" in line), line
        _only(target, set())
    finally:
        if mounted:
            _umount(target)
        else:
            target.chmod(0o755)


def test_a_full_disk_leaves_no_partial_set(corpus: dict[str, Any], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from addin import cli

    target = tmp_path / "small"
    mounted = _mount(target, "size=96k")
    try:
        ballast = target / "用户自己的文件.bin"
        if mounted:  # fill most of it: the group return fits, the SASAC return does not
            ballast.write_bytes(os.urandom(40 * 1024))
        else:  # simulated: the second output hits ENOSPC
            ballast.write_bytes(b"x")
            from addin.returns import sasac

            def full(*args: Any, **kwargs: Any) -> None:
                Path(args[1]).write_bytes(b"PK\x03\x04 half")
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(sasac, "write_sasac_return", full)
        inputs = [corpus["folder"] / n for n in corpus["clean"]]
        code = cli.main(["rollup", *map(str, inputs), "--out", str(target / "G.xlsx"), "--sasac", str(target / "S.xlsx"),
                         "--json", str(target / "s.json"), "--archive", str(tmp_path / "a.sqlite"), "--as-of", AS_OF])
        err = capsys.readouterr().err
        assert code == 1
        line = err.strip().splitlines()[-1]
        assert "磁盘空间不足" in line and str(target) in line, err
        _only(target, {ballast.name})  # no group return without its SASAC return, no temporary file
        with sqlite3.connect(tmp_path / "a.sqlite") as db:  # the archive was not updated either
            assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (0,)
    finally:
        if mounted:
            _umount(target)


def test_a_busy_archive_waits_then_says_so(corpus: dict[str, Any], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from addin.rollup import archive as archive_module

    db = tmp_path / "a.sqlite"
    result = rollup.rollup([corpus["folder"] / "A单位.xlsx"], archive_path=db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another roll-up is writing
    monkeypatch.setattr(archive_module, "BUSY_TIMEOUT", 0.3)
    try:
        with pytest.raises(OutputError) as failure:
            rollup.archive_accepted(result, db)
        assert "正被另一个程序" in failure.value.message and str(db) in failure.value.message
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert rollup.archive_accepted(result, db) == 1  # once it is free


def test_a_full_disk_under_the_archive_changes_nothing(corpus: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "small"
    if not _mount(target, "size=160k"):
        pytest.skip("needs a small tmpfs (root)")
    try:
        db = target / "a.sqlite"
        result = rollup.rollup([corpus["folder"] / n for n in corpus["clean"]], archive_path=db)
        free = os.statvfs(target)
        (target / "ballast").write_bytes(b"\0" * max(0, free.f_bavail * free.f_frsize - 12 * 1024))
        with pytest.raises(OutputError) as failure:
            rollup.archive_accepted(result, db)
        assert "磁盘空间不足" in failure.value.message and str(db) in failure.value.message
        (target / "ballast").unlink()
        assert _archive_state(db) == {}  # integrity ok, no submission half kept
        assert rollup.archive_accepted(result, db) == 3
    finally:
        _umount(target)


def test_a_closed_pipe_keeps_the_archive_update(corpus: dict[str, Any], tmp_path: Path) -> None:
    inputs = " ".join(f"'{corpus['folder'] / n}'" for n in corpus["clean"])
    db = tmp_path / "a.sqlite"
    script = (f"'{sys.executable}' -m addin.cli rollup {inputs} --out '{tmp_path / 'G.xlsx'}' --archive '{db}' "
              f"--as-of {AS_OF} | head -1; echo \"rc=${{PIPESTATUS[0]}}\"")
    run = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
    assert re.search(r"rc=[01]\b", run.stdout), run.stdout
    history = zhuize("history", "甲能源有限公司", "--archive", db)
    assert history.returncode == 0 and "2026-年度" in history.stdout


# -- kills ---------------------------------------------------------------------------------------------

KILLER = """
import os, sys
point = sys.argv[1]
def die(*args, **kwargs):
    os.kill(os.getpid(), 9)
if point == "group":  # the group return's temporary file written, the set not committed
    from addin.returns import group
    original = group.GroupWriter.write
    def write(self):
        original(self)
        die()
    group.GroupWriter.write = write
elif point == "intake":  # while files are read (workers alive)
    from addin.rollup import consolidate
    original_note = consolidate._intake_all
    def intake(files, as_of, jobs, progress, *rest):
        def progress_then_die(done, total, rejected, path):
            if done == 2:
                die()
        return original_note(files, as_of, jobs, progress_then_die, *rest)
    consolidate._intake_all = intake
elif point == "archive":  # half of the submissions inserted, not committed
    from addin.rollup import archive
    original_insert = archive.Archive._insert
    calls = []
    def insert(self, info, sheets):
        calls.append(1)
        if len(calls) == 2:
            die()
        return original_insert(self, info, sheets)
    archive.Archive._insert = insert
elif point == "committed":  # the archive committed, the outputs not yet renamed
    from addin.plumbing import outputs
    outputs.OutputSet.commit = die
from addin.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _killed(point: str, *args: str | Path, marker: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", KILLER, point, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)


def _archive_state(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return dict(connection.execute(
            "SELECT s.sha256, COUNT(r.row_number) FROM submissions s LEFT JOIN rows r ON r.submission_id = s.id "
            "GROUP BY s.sha256").fetchall())


def test_kill_during_the_group_write_then_rerun(corpus: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    inputs = [corpus["folder"] / n for n in corpus["clean"]]
    killed = _killed("group", "rollup", *inputs, "--out", out / "G.xlsx", "--json", out / "s.json", "--as-of", AS_OF)
    assert killed.returncode == -9
    assert _temp_files(out) and not (out / "G.xlsx").exists()  # what kill -9 leaves
    run = zhuize("rollup", *inputs, "--out", out / "G.xlsx", "--json", out / "s.json", "--as-of", AS_OF)
    assert run.returncode == 0, run.stderr
    assert not _temp_files(out)
    _only(out, {"G.xlsx", "s.json"})


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kill points and /proc: Linux")
def test_crash_consistency_of_the_roll_up(corpus: dict[str, Any], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in corpus["clean"] + ["loss-nan.xlsx", "bit-flip-0.xlsx"]:  # accepted, rejected, unreadable
        shutil.copy(corpus["folder"] / name, folder / name)
    clean_out = tmp_path / "clean"
    base = ["--as-of", AS_OF, "--jobs", "2"]
    clean = zhuize("rollup", folder, "--out", clean_out / "G.xlsx", "--json", clean_out / "s.json",
                   "--archive", clean_out / "a.sqlite", *base)
    assert clean.returncode == 2, clean.stderr
    expected = json.loads((clean_out / "s.json").read_text("utf-8"))
    expected_archive = _archive_state(clean_out / "a.sqlite")
    assert len(expected_archive) == 3
    for point in ("intake", "archive", "committed"):  # (killed in the group write: the test above)
        out = tmp_path / point
        marker = str(out / "G.xlsx")
        killed = _killed(point, "rollup", folder, "--out", marker, "--json", out / "s.json",
                         "--archive", out / "a.sqlite", *base)
        assert killed.returncode == -9, (point, killed.stderr[-2000:])
        for _ in range(50):  # the workers die with the roll-up
            if not _processes_with(marker):
                break
            import time
            time.sleep(0.1)
        assert not _processes_with(marker), point
        state = _archive_state(out / "a.sqlite") if (out / "a.sqlite").exists() else {}
        assert state in ({}, expected_archive), point  # all of the submissions or none, each whole
        assert not (out / "G.xlsx").exists() and not (out / "s.json").exists(), point
        rerun = zhuize("rollup", folder, "--out", out / "G.xlsx", "--json", out / "s.json",
                       "--archive", out / "a.sqlite", *base)
        assert rerun.returncode == 2, rerun.stderr
        again = json.loads((out / "s.json").read_text("utf-8"))
        assert {k: v for k, v in again.items() if k != "archived"} == {k: v for k, v in expected.items() if k != "archived"}
        assert again["archived"] == (0 if state else 3), point
        assert _archive_state(out / "a.sqlite") == expected_archive
        assert not _temp_files(out), point


# -- inputs that are not files ----------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_and_dev_zero_are_refused_without_waiting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "报表.xlsx"
    os.mkfifo(fifo)
    for args in (("rollup", fifo, "/dev/zero", "--out", tmp_path / "G.xlsx"), ("letters", "/dev/zero", fifo, "--out", tmp_path / "L")):
        run = zhuize(*args, timeout=60)  # a hang fails here with TimeoutExpired
        _no_traceback(run)
        assert run.returncode in (1, 2), (args, run.stderr)
        shown = run.stdout + run.stderr
        assert "是管道（FIFO），不是普通文件" in shown and "是设备文件，不是普通文件" in shown, shown
    code, out, _ = main(capsys, "validate", fifo)  # refused by stat alone: nothing here can block
    assert code == 2 and "不是普通文件" in out


def test_skipped_entries_are_reported_and_an_empty_set_is_an_error(corpus: dict[str, Any], tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(corpus["folder"] / "A单位.xlsx", folder / "A单位.xlsx")
    (folder / "清单.csv").write_text("a,b\n", encoding="utf-8")
    (folder / "~$A单位.xlsx").write_bytes(b"lock")
    (folder / "断开.xlsx").symlink_to(folder / "不存在.xlsx")
    (folder / "循环.xlsx").symlink_to(folder / "循环.xlsx")
    (folder / "目录.xlsx").mkdir()
    code, _, err = main(capsys, "rollup", folder, "--out", tmp_path / "G.xlsx", "--as-of", AS_OF)
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("已跳过")]
    assert len(lines) == 4, lines  # one line per kind
    assert any("清单.csv" in line for line in lines) and any("断开.xlsx" in line and "循环.xlsx" in line for line in lines)
    assert any("目录.xlsx" in line for line in lines) and any("~$A单位.xlsx" in line for line in lines)
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in (("rollup", empty, "--out", tmp_path / "E.xlsx"), ("validate", empty), ("letters", empty, "--out", tmp_path / "L")):
        code, _, err = main(capsys, *command)
        assert code == 2 and "没有找到" in err, (command, err)
    assert not (tmp_path / "E.xlsx").exists()


def test_an_extra_column_with_data_is_a_warning(corpus: dict[str, Any], tmp_path: Path) -> None:
    from addin.validation.run import validate_file

    source = corpus["folder"] / "A单位.xlsx"
    part = sheet_parts(source)[LOSSES][0]

    def add_column(data: bytes) -> bytes:
        data = re.sub(rb'(<row r="1"[^>]*>.*?)(</row>)', lambda m: m.group(1) + '<c r="Z1" t="inlineStr"><is><t>内部备注</t></is></c>'.encode() + m.group(2), data, count=1, flags=re.S)
        return re.sub(rb'(<row r="2"[^>]*>.*?)(</row>)', lambda m: m.group(1) + b'<c r="Z2"><v>42</v></c>' + m.group(2), data, count=1, flags=re.S)

    report, _ = validate_file(_rewrite(source, tmp_path / "extra.xlsx", part, add_column))
    (problem,) = [p for p in report.problems if p.code == "ZZ-READ-EXTRA-COLUMN"]
    assert (problem.sheet, problem.cell, problem.severity) == (LOSSES, "Z1", "warning")
    assert "内部备注" in problem.message
    assert report.status == "valid"


# -- personal data -------------------------------------------------------------------------------------

ID = "510104198003150010"
VARIANTS = ["5101 0419 8003 1500 10", "510104-19800315-0010", "５１０１０４１９８００３１５００１０", "510104800315001",
            "51010419800315001X"]


def test_id_variants_never_reach_a_letter_or_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = "经核查，当事人（" + "；".join(VARIANTS) + "）未经审批开展融资性贸易"
    workbook = _clean(tmp_path / "D单位.xlsx", "丁能源有限公司", "91510100MA61R8XK4", summary=summary)
    code, _, err = main(capsys, "letters", workbook, "--out", tmp_path / "letters")
    assert code in (0, 1), err
    letters = list((tmp_path / "letters").glob("*.docx"))
    assert letters
    for path in letters:
        document = docx.Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs) + document.core_properties.title
        digits = re.sub(r"\D", "", __import__("unicodedata").normalize("NFKC", text))
        for variant in VARIANTS + [ID]:
            assert variant not in text
        assert "800315" not in digits, path.name
    for variant in VARIANTS:  # and in any message: an ID with a bad check digit, typed in any form
        assert redact(f"身份证号码“{variant}”有误") == f"身份证号码“{mask(find_ids(variant)[0].number)}”有误", variant
        assert "*" in mask(find_ids(variant)[0].number)
    bad = "510104198003150019"
    records = {key: [dict(r) for r in rows] for key, rows in SAMPLE_RECORDS.items()}
    records["accountability"][0]["id_number"] = bad
    records["clues"][1]["summary"] = f"举报人身份证 {VARIANTS[0]}"
    records["clues"][0]["amount_involved"] = VARIANTS[1]
    path = build_template(tmp_path / "E单位.xlsx", default_options("central-2026", rows=10), SAMPLE_INFO, records)
    _, out, err = main(capsys, "validate", path, "--json", tmp_path / "v.json")
    shown = out + err + (tmp_path / "v.json").read_text("utf-8")
    assert "ZZ-ID-INVALID" in shown
    for value in (bad, VARIANTS[1]):
        assert value not in shown


# -- file safety ----------------------------------------------------------------------------------------


def test_demo_never_empties_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from addin.demo.main import MARKER, prepare_folder

    mine = tmp_path / "我的文件夹"
    mine.mkdir()
    (mine / "重要.xlsx").write_bytes(b"the user's own work")
    code, _, err = main(capsys, "demo", "--out", mine)
    assert code == 1 and "--force" in err
    assert (mine / "重要.xlsx").read_bytes() == b"the user's own work"
    made = prepare_folder(tmp_path / "demo")
    (made / "上次演示.txt").write_text("x", encoding="utf-8")
    assert prepare_folder(made) == made and not (made / "上次演示.txt").exists()  # its own folder: emptied again
    assert (made / MARKER).is_file()
    prepare_folder(mine, force=True)
    assert not (mine / "重要.xlsx").exists()


def test_templates_never_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from addin.workbook import templates

    small = templates.write_templates
    monkeypatch.setattr(templates, "write_templates", lambda *a, **k: small(*a, **k, rows=5))  # quick to build
    filled = tmp_path / "子企业填报模板.xlsx"
    filled.write_bytes(b"a template the user filled")
    (second,) = templates.write_templates(tmp_path, "central-2026")
    assert second.name == "子企业填报模板(2).xlsx" and filled.read_bytes() == b"a template the user filled"
    code, out, _ = main(capsys, "templates", "--out", tmp_path)
    assert code == 0 and "子企业填报模板(3).xlsx" in out and "--force" in out
    code, out, _ = main(capsys, "templates", "--out", tmp_path, "--force")
    assert code == 0 and filled.read_bytes()[:2] == b"PK"


def test_stale_temporary_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".G.xlsx.zhuize-{dead.stdout.strip()}-abc123.tmp"
    live = tmp_path / f".G.xlsx.zhuize-{os.getpid()}-def456.tmp"
    foreign = tmp_path / ".G.xlsx.tmp"
    for path in (stale, live, foreign):
        path.write_bytes(b"x")
    assert clean_stale(tmp_path) == [stale]
    assert live.exists() and foreign.exists()
    outputs = OutputSet()
    with outputs:
        outputs.write(tmp_path / "a.txt", lambda p: p.write_text("1"))
        (temporary,) = [t for t, _ in outputs.pending]
        assert temporary.stat().st_mode & 0o777 == 0o600
        with pytest.raises(OutputError):
            outputs.write(tmp_path / "b.txt", lambda p: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    assert not (tmp_path / "a.txt").exists() and not temporary.exists()  # all or nothing


def test_the_guard_tells_a_damaged_file_from_a_defect_of_ours(tmp_path: Path) -> None:
    from addin.plumbing.guard import error_log, guarded

    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")

    class PanicException(BaseException):  # what a Rust parser raises (pyo3_runtime.PanicException)
        pass

    def panics(_: Path) -> str:
        raise PanicException("TimeDelta::milliseconds out of bounds")

    def defect(_: Path) -> str:
        raise TypeError("a bug of ours")

    def unreadable(code: str, message: str) -> str:
        return f"{code} {message}"

    assert guarded(path, panics, unreadable).startswith("ZZ-FILE-CORRUPT 文件已损坏")
    internal = guarded(path, defect, unreadable)
    assert internal.startswith("ZZ-READ-INTERNAL") and str(error_log()) in internal
    assert "TypeError: a bug of ours" in error_log().read_text("utf-8")  # the traceback is in the log, not shown
    with pytest.raises(KeyboardInterrupt):
        guarded(path, lambda _: (_ for _ in ()).throw(KeyboardInterrupt()), unreadable)


def test_a_dangling_link_given_by_name_is_refused_unopened(tmp_path: Path) -> None:
    from addin.validation import validate_paths

    link = tmp_path / "断开.xlsx"
    link.symlink_to(tmp_path / "不存在.xlsx")
    (report,) = validate_paths([link]).files
    assert [p.code for p in report.problems] == ["ZZ-FILE-LINK"]
    assert "链接" in report.problems[0].message
    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    (report,) = validate_paths([fifo]).files  # refused by stat: opening a FIFO would wait forever
    assert [p.code for p in report.problems] == ["ZZ-FILE-NOT-REGULAR"]
