"""The house (issue 11): ``addin/`` in rooms by pipeline stage, at most five modules at its
top, and no import circle between rooms (imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDIN = ROOT / "addin"


def _room(path: Path) -> str:
    """The folder (or top-level module) of addin/ that ``path`` belongs to."""
    parts = path.relative_to(ADDIN).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imports() -> dict[str, set[str]]:
    """room → the other rooms it imports."""
    rooms = {p.name for p in ADDIN.iterdir() if (p / "__init__.py").is_file()} | {p.stem for p in ADDIN.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in ADDIN.rglob("*.py"):
        source = _room(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "addin" and len(parts) > 1 and parts[1] in rooms and parts[1] != source:
                    graph.setdefault(source, set()).add(parts[1])
    return graph


def test_at_most_five_modules_at_the_top_of_addin() -> None:
    modules = sorted(p.name for p in ADDIN.glob("*.py"))
    assert modules == ["__init__.py", "cli.py", "cli_format.py", "jobs.py", "problems.py"]
    rooms = sorted(p.name for p in ADDIN.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert rooms == ["demo", "documents", "plumbing", "returns", "rollup", "validation", "web", "workbook", "xlam"]
    assert all((ADDIN / room / "__init__.py").is_file() for room in rooms)


def test_no_import_circle_between_rooms() -> None:
    graph = _imports()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, set()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = sorted(room for room in graph if reaches(room, room, {room}))
    assert circles == []
    # the pipeline's direction: plumbing and the problems know no stage; the workbook none after it
    assert graph.get("plumbing", set()) == set() and graph.get("problems", set()) <= {"plumbing"}
    assert graph["workbook"] <= {"plumbing", "problems"}
    assert {"returns", "rollup"} <= graph["jobs"]
