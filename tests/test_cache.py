"""The intake cache: a rerun reads only what changed, and gives what a full run gives.

Each roll-up here runs twice or more over the same folder — with the cache (cold, then
warm) and with ``--no-cache`` — and the summary JSON and every part of GROUP.xlsx (but
its creation time) must be the same bytes.  Changing one workbook, a profile entry, a
calendar year, the as-of date or a profile named by path must make exactly the
affected files miss; a damaged entry or cache file is ignored and reported once.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from addin.cli import main
from addin.demo.group import Generator, make_demo_group, make_units
from addin.returns.group import write_group_return
from addin.rollup import cache as cache_module
from addin.rollup import consolidate as rollup
from addin.rollup.cache import IntakeCache, cache_path, code_closure
from addin.rollup.periods import Period
from addin.workbook.templates import build_template, default_options
from udfs.profile import BUILTIN_DIR, get_profile

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_demo_group(tmp_path_factory.mktemp("demo"), units=8)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bench-like workbooks of another profile: yibin-2020 (grading by ratio too)."""
    folder = tmp_path_factory.mktemp("generated")
    profile = get_profile("yibin-2020")
    options = default_options("yibin-2020", rows=1)
    parent, units = make_units(4, seed=11)
    for index, unit in enumerate(units):
        gen = Generator(unit, parent, 2026, profile, random.Random(index), dt.date(2026, 11, 20), f"XS-2026-{index:02d}")
        build_template(folder / f"unit{index}.xlsx", options, gen.info(), gen.records(25))
    return folder


def _parts(path: Path) -> dict[str, bytes]:
    """Every part of a package but its creation time (docProps)."""
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if not name.startswith("docProps/")}


def _cli(inputs: list[Path], out: Path, *extra: str) -> tuple[int, bytes, dict[str, bytes]]:
    out.mkdir(parents=True, exist_ok=True)
    code = main(["rollup", *map(str, inputs), "--out", str(out / "GROUP.xlsx"), "--json", str(out / "summary.json"),
                 "--as-of", AS_OF.isoformat(), *extra])
    return code, (out / "summary.json").read_bytes(), _parts(out / "GROUP.xlsx")


def _run(inputs: list[Path], cache: Path | None, jobs: int = 1, as_of: dt.date = AS_OF,
         **kwargs: Any) -> rollup.RollupResult:
    return rollup.rollup(inputs, as_of=as_of, jobs=jobs, cache_path=cache, **kwargs)


def _summary(result: rollup.RollupResult) -> str:
    return json.dumps(rollup.summary_json(result), ensure_ascii=False, sort_keys=True)


def test_demo_rerun_is_identical_to_a_full_run(demo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo with an archive (continuity), a superseded file, planted errors and an
    unreadable file: cold cache, warm cache and --no-cache give the same bytes."""
    archive = tmp_path / "归档.sqlite"
    base = tmp_path / "base" / "归档.sqlite"
    last = rollup.rollup([demo.folder / "2025年度"], Period.of(2025, "年度"), dt.date(2026, 1, 15), base)
    rollup.archive_accepted(last, base)
    inputs = [demo.folder / "2026年度"]
    args = ("--archive", str(archive), "--period", "2026-年度", "--jobs", "2")

    def run(name: str, *extra: str) -> tuple[int, bytes, dict[str, bytes]]:
        shutil.copyfile(base, archive)  # each run starts from last year's archive
        return _cli(inputs, tmp_path / name, *args, *extra)

    full = run("full", "--no-cache")
    assert not cache_path(archive).exists()  # --no-cache neither reads nor writes one
    capsys.readouterr()
    cold = run("cold")
    cold_text = capsys.readouterr().out
    warm = run("warm")
    warm_text = capsys.readouterr().out
    assert cache_path(archive) == tmp_path / "归档.intake-cache.sqlite" and cache_path(archive).is_file()
    files = len(demo.current)
    assert f"缓存：0 个文件未变，直接取用；读取 {files} 个" in cold_text
    # the unreadable (truncated) file is never kept: it is read again each time
    assert f"缓存：{files - 1} 个文件未变，直接取用；读取 1 个" in warm_text
    assert full[0] == cold[0] == warm[0] == 2  # an unreadable file
    assert full[1] == cold[1] == warm[1]
    assert full[2].keys() == cold[2].keys() == warm[2].keys()
    for name in full[2]:
        assert full[2][name] == cold[2][name] == warm[2][name], name
    summary = json.loads(warm[1])
    assert summary["superseded"] and summary["rejected"] and summary["indicators"]["线索总数"] > 0
    assert any(e["code"] == "ZZ-ROLLUP-CONTINUITY" for r in summary["rejected"] for e in r["errors"])

    # an earlier group return rolled up again (a provincial body): its rows keep their units
    group = tmp_path / "warm" / "GROUP.xlsx"
    cache = tmp_path / "provincial-cache.sqlite"
    again = [_run([group], cache) for _ in range(2)]
    assert again[0].cache.misses == 1 and again[1].cache.hits == 1  # type: ignore[union-attr]
    assert again[1].intakes[0].kind == "consolidated" and len(again[1].units) > 1
    assert _summary(again[0]) == _summary(again[1]) == _summary(_run([group], None))


def test_generated_folder_identical_and_one_changed_file_is_read(generated: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(generated, folder)
    cache = tmp_path / "cache.sqlite"
    full = _run([folder], None, jobs=2)
    cold = _run([folder], cache, jobs=2)
    warm = _run([folder], cache, jobs=2)
    assert (cold.cache.hits, cold.cache.misses, cold.cache.stored) == (0, 4, 4)  # type: ignore[union-attr]
    assert (warm.cache.hits, warm.cache.misses, warm.cache.stored) == (4, 0, 0)  # type: ignore[union-attr]
    assert _summary(full) == _summary(cold) == _summary(warm)
    for result, name in ((full, "full"), (cold, "cold"), (warm, "warm")):
        write_group_return(result, tmp_path / f"{name}.xlsx")
    assert _parts(tmp_path / "full.xlsx") == _parts(tmp_path / "cold.xlsx") == _parts(tmp_path / "warm.xlsx")
    assert warm.rows_out > 100 and not warm.rejected

    # one workbook changes (its unit's name, as a correction would): only it is read
    target = folder / "unit2.xlsx"
    unit = warm.intakes[2].unit
    with zipfile.ZipFile(generated / "unit2.xlsx") as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(f">{unit}<".encode(), f">{unit}（更正）<".encode())
            out.writestr(info, data)
    again = _run([folder], cache, jobs=2)
    assert (again.cache.hits, again.cache.misses) == (3, 1)  # type: ignore[union-attr]
    assert again.intakes[2].unit == f"{unit}（更正）" and again.intakes[2].sha256 != warm.intakes[2].sha256
    assert _summary(again) == _summary(_run([folder], None))


def test_a_changed_byte_misses(generated: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(generated, folder)
    cache = tmp_path / "cache.sqlite"
    first = _run([folder], cache)
    target = folder / "unit1.xlsx"
    data = bytearray(target.read_bytes())
    data[-30] ^= 0x01  # one byte of the zip's central directory
    target.write_bytes(bytes(data))
    second = _run([folder], cache)
    assert (second.cache.hits, second.cache.misses) == (3, 1)  # type: ignore[union-attr]
    assert second.intakes[1].sha256 != first.intakes[1].sha256
    assert _summary(second) == _summary(_run([folder], None))


def test_a_changed_profile_entry_misses(generated: Path, tmp_path: Path, write_user_profile: Any) -> None:
    """The user folder's yibin-2020 wins over the built-in one: every file reads again."""
    cache = tmp_path / "cache.sqlite"
    before = _run([generated], cache)
    assert _run([generated], cache).cache.hits == 4  # type: ignore[union-attr]
    text = (BUILTIN_DIR / "yibin-2020.toml").read_text(encoding="utf-8")
    write_user_profile("yibin-2020", text)  # the same entries: still a change of the rules' files
    assert _run([generated], cache).cache.misses == 4  # type: ignore[union-attr]
    assert _run([generated], cache).cache.hits == 4  # type: ignore[union-attr]
    changed = text.replace("amount_from = 100\n", "amount_from = 1\n", 1)
    assert changed != text
    write_user_profile("yibin-2020", changed)
    after = _run([generated], cache)
    assert (after.cache.hits, after.cache.misses) == (0, 4)  # type: ignore[union-attr]
    assert _summary(after) == _summary(_run([generated], None))
    assert _summary(after) != _summary(before)  # the grades moved: the cache did not hide it


def test_an_added_calendar_year_misses(generated: Path, tmp_path: Path, write_user_calendar: Any,
                                       calendar_2027_text: str) -> None:
    cache = tmp_path / "cache.sqlite"
    _run([generated], cache)
    write_user_calendar("2027", calendar_2027_text)
    after = _run([generated], cache)
    assert (after.cache.hits, after.cache.misses) == (0, 4)  # type: ignore[union-attr]
    assert _run([generated], cache).cache.hits == 4  # type: ignore[union-attr]


def test_a_changed_default_profile_or_as_of_misses(generated: Path, tmp_path: Path, zhuize_home: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    _run([generated], cache)
    assert _run([generated], cache, as_of=AS_OF + dt.timedelta(days=1)).cache.misses == 4  # type: ignore[union-attr]
    (zhuize_home / "config.toml").write_text('default_profile = "yibin-2020"\n', encoding="utf-8")
    assert _run([generated], cache).cache.misses == 4  # type: ignore[union-attr]


def test_a_profile_named_by_path_is_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook may name its profile by file path: that file's bytes are part of its entry."""
    monkeypatch.chdir(tmp_path)
    own = tmp_path / "本企业标准.toml"
    text = (BUILTIN_DIR / "central-2026.toml").read_text(encoding="utf-8")
    own.write_text(text, encoding="utf-8")
    profile = get_profile("central-2026")
    parent, units = make_units(2, seed=5)
    folder = tmp_path / "in"
    folder.mkdir()
    for index, unit in enumerate(units):
        gen = Generator(unit, parent, 2026, profile, random.Random(index), dt.date(2026, 11, 20), f"XS-2026-{index:02d}")
        info = dict(gen.info(), profile=own.name if index == 0 else "central-2026")
        build_template(folder / f"unit{index}.xlsx", default_options("central-2026", rows=1), info, gen.records(6))
    cache = tmp_path / "cache.sqlite"
    first = _run([folder], cache)
    assert first.intakes[0].info["profile"] == own.name
    assert _run([folder], cache).cache.hits == 2  # type: ignore[union-attr]
    own.write_text(text.replace("amount_from = 500\n", "amount_from = 1\n", 1), encoding="utf-8")
    after = _run([folder], cache)
    assert (after.cache.hits, after.cache.misses) == (1, 1)  # type: ignore[union-attr]
    assert _summary(after) == _summary(_run([folder], None))


def test_a_corrupt_entry_is_ignored_and_reported_once(generated: Path, tmp_path: Path, zhuize_home: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    full = _cli([generated], tmp_path / "full", "--no-cache")
    _cli([generated], tmp_path / "cold")
    assert cache_path() == zhuize_home / "cache" / "intake-cache.sqlite"  # no archive: the user folder
    with sqlite3.connect(cache_path()) as db:
        (data,) = db.execute("SELECT data FROM intakes WHERE path = ?", (str(generated / "unit3.xlsx"),)).fetchone()
        damaged = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
        db.execute("UPDATE intakes SET data = ? WHERE path = ?", (damaged, str(generated / "unit3.xlsx")))
        db.execute("UPDATE intakes SET data = ?, checksum = ? WHERE path = ?",  # checksum fits, pickle does not
                   (b"not a pickle", __import__("hashlib").sha256(b"not a pickle").hexdigest(), str(generated / "unit0.xlsx")))
    capsys.readouterr()
    again = _cli([generated], tmp_path / "again")
    text = capsys.readouterr().out
    assert text.count("ZZ-CACHE-CORRUPT") == 1
    assert "缓存中 2 条记录已损坏" in text and "缓存：2 个文件未变，直接取用；读取 2 个" in text
    assert again[1] == full[1] and again[2] == full[2]
    healed = _cli([generated], tmp_path / "healed")
    text = capsys.readouterr().out
    assert "ZZ-CACHE-CORRUPT" not in text and "缓存：4 个文件未变" in text
    assert healed[1] == full[1]


def test_a_damaged_cache_file_is_set_aside(generated: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    full = _run([generated], None)
    cache.write_bytes(b"this is no database" * 100)
    result = _run([generated], cache)
    assert result.cache.damaged and Path(result.cache.damaged).read_bytes() == b"this is no database" * 100  # type: ignore[union-attr]
    assert "ZZ-CACHE-CORRUPT" in result.cache.text()  # type: ignore[union-attr]
    assert _summary(result) == _summary(full)
    again = _run([generated], cache)
    assert again.cache.hits == 4 and not again.cache.damaged  # type: ignore[union-attr]


def test_an_entry_naming_invalid_identity_numbers_holds_for_its_day(demo: Any, tmp_path: Path) -> None:
    """A birth date "in the future" turns valid some day: such an entry is for today only."""
    cache = tmp_path / "cache.sqlite"
    with IntakeCache(cache, AS_OF) as store:
        intakes = list(store.intakes([demo.current[0]], AS_OF, 1))
    intake = intakes[0]
    from addin.problems import Problem

    problem = Problem(file=intake.path, code="ZZ-ID-INVALID", message="身份证号码中的出生日期 2099-01-01 不合理")
    intake.report.problems.append(problem)
    with IntakeCache(cache, AS_OF) as store:
        store.store(intake)
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT valid_on FROM intakes").fetchone() == (dt.date.today().isoformat(),)
    with IntakeCache(cache, AS_OF) as store:
        assert store.lookup(demo.current[0], intake.sha256) is not None
        store.today = (dt.date.today() + dt.timedelta(days=1)).isoformat()
        assert store.lookup(demo.current[0], intake.sha256) is None


def test_the_code_version_follows_the_intakes_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local, libraries = code_closure()
    assert {"addin.rollup.intake", "addin.validation.checks", "addin.workbook.read", "udfs.workcalendar",
            "udfs.profile", "addin.problems", "addin.rollup.cache"} <= set(local)
    assert not {"addin.returns.group", "addin.documents.letters", "addin.cli", "addin.rollup.consolidate"} & set(local)
    assert {"python_calamine", "pydantic", "chinese_calendar"} <= libraries and "json" not in libraries
    project = tmp_path / "project"
    for package in ("addin", "udfs"):
        shutil.copytree(cache_module.PROJECT / package, project / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "PROJECT", project)

    def version() -> str:
        cache_module.code_version.cache_clear()
        return cache_module.code_version()

    try:
        base = version()
        letters = project / "addin" / "documents" / "letters.py"
        letters.write_text(letters.read_text(encoding="utf-8") + "\n# 与收件无关\n", encoding="utf-8")
        assert version() == base  # not imported by the intake
        grading = project / "udfs" / "grading.py"
        grading.write_text(grading.read_text(encoding="utf-8") + "\n# 规则引擎的改动\n", encoding="utf-8")
        assert version() != base
    finally:
        cache_module.code_version.cache_clear()
