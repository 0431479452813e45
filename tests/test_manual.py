"""The 操作手册 (docs/manual): every CLI command and option documented on exactly one page, the
常见问题 chapter generated from the catalogue, the 帮助 pages of the 收报台, and ``zhuize manual``."""

from __future__ import annotations

import argparse
import re
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from addin import cli
from addin.documents import manual
from addin.problems import CATALOGUE
from addin.web.app import create_app
from addin.web.service import Config
from web_cases import MISTAKE, add_accounts, login, token, workbook

ROOT = Path(__file__).resolve().parents[1]
PAGES = [c.slug for c in manual.CHAPTERS if c.slug != "faq"]


# -- every command and option on exactly one page -----------------------------------------------------


def parser_commands() -> set[tuple[str, str]]:
    """(command path, option) for every option; (command path, "") for every command."""
    found: set[tuple[str, str]] = set()

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) or "-h" in action.option_strings:
                continue
            if action.option_strings:
                found.add((" ".join(path), max(action.option_strings, key=len)))
            elif action.choices and not subparsers:  # calendar years|add, addin build|install|uninstall …
                for choice in action.choices:
                    found.add((" ".join(path + [str(choice)]), ""))
        if path:
            found.add((" ".join(path), ""))
        for action in subparsers:
            for name, sub in action.choices.items():
                walk(sub, path + [name])

    walk(cli.build_parser(), [])
    return found


def documented(slug: str) -> set[tuple[str, str]]:
    """What a page's ```bash blocks run: (command path, option) and (command path, "")."""
    wanted = parser_commands()
    commands = {path for path, _ in wanted if path}
    text = (manual.MANUAL / f"{slug}.md").read_text(encoding="utf-8")
    found: set[tuple[str, str]] = set()
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line.startswith("zhuize"):
                continue
            words = line.split()[1:]
            path = ""
            for word in words:
                for alternative in word.split("|"):
                    longer = f"{path} {alternative}".strip()
                    if longer in commands or any(c.startswith(longer + " ") for c in commands):
                        found.add((longer, ""))
                if f"{path} {word.split('|')[0]}".strip() in commands or \
                        any(c.startswith(f"{path} {word}".strip() + " ") for c in commands):
                    path = f"{path} {word.split('|')[0]}".strip()
            for option in re.findall(r"(--[a-z][a-z-]*)", line):
                owner = path  # calendar add --force: the option belongs to the calendar parser
                while owner and (owner, option) not in wanted:
                    owner = owner.rpartition(" ")[0]
                found.add((owner if (owner, option) in wanted else path, option))
    return found


def test_every_command_and_option_is_documented_on_exactly_one_page() -> None:
    pages = {slug: documented(slug) for slug in PAGES}
    wanted = parser_commands()
    missing = sorted(w for w in wanted if not any(w in found for found in pages.values()))
    assert not missing, f"not in any manual page's command blocks: {missing}"
    twice = sorted((w, [s for s in PAGES if w in pages[s]]) for w in wanted
                   if sum(w in found for found in pages.values()) > 1)
    assert not twice, f"documented on more than one page: {twice}"
    unknown = sorted(set().union(*pages.values()) - wanted)
    assert not unknown, f"the manual shows options the CLI does not have: {unknown}"


def test_the_check_can_fail() -> None:
    commands = parser_commands()
    assert ("rollup", "--no-cache") in commands and ("serve users add", "--uscc") in commands
    assert ("calendar add", "") in commands and ("", "--version") in commands
    assert ("rollup", "--no-cache") in documented("hq") and ("rollup", "--no-cache") not in documented("unit")


# -- the 常见问题 chapter and the README --------------------------------------------------------------


def test_the_faq_chapter_is_the_generated_one() -> None:
    page = (manual.MANUAL / "faq.md").read_text(encoding="utf-8")
    assert page == manual.faq_markdown(), "run: python -m addin.documents.manual"
    headings = [line.split()[1] for line in page.splitlines() if line.startswith("### ")]
    assert headings == list(CATALOGUE)


def test_readme_is_short_and_points_at_the_manual() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 10 * 1024
    assert "bash run.sh demo" in readme and "bash run.sh test" in readme
    for slug in PAGES + ["faq"]:
        assert f"docs/manual/{slug}.md" in readme
    for page in ("docs/performance.md", "docs/design.md"):
        assert page in readme and (ROOT / page).is_file()
    for name in re.findall(r"\]\(([^)#]+)", readme):
        assert (ROOT / name).exists(), name
    for slug in PAGES:
        for name in re.findall(r"!\[[^]]*\]\(([^)]+)\)", (manual.MANUAL / f"{slug}.md").read_text(encoding="utf-8")):
            assert (manual.MANUAL / name).is_file(), (slug, name)


# -- zhuize manual --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docx_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("manual")
    assert cli.main(["manual", "--out", str(out)]) == 0
    return out / manual.DOCX_NAME


def test_zhuize_manual_writes_every_chapter(docx_file: Path) -> None:
    from docx import Document

    doc = Document(str(docx_file))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [c.title for c in manual.CHAPTERS]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "zhuize rollup" in text and "ZZ-READ-DATE 不是日期" in text
    sources = "".join(manual.chapter_markdown(c.slug) for c in manual.CHAPTERS)
    assert len(doc.tables) == len(re.findall(r"^\|---", sources, re.M)) >= 8
    pictures = set(re.findall(r"!\[[^]]*\]\(\.\./([a-z0-9-]+\.png)\)", sources))
    with zipfile.ZipFile(docx_file) as archive:
        assert sum(n.startswith("word/media/") for n in archive.namelist()) == len(pictures) >= 15


def test_zhuize_manual_never_replaces_a_file_without_force(docx_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = docx_file.read_bytes()
    assert cli.main(["manual", "--out", str(docx_file.parent)]) == 2
    assert "--force" in capsys.readouterr().err and docx_file.read_bytes() == before
    assert cli.main(["manual", "--out", str(docx_file.parent), "--force"]) == 0


# -- 帮助 in the 收报台 ------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = create_app(Config(data=tmp_path / "data"))
    add_accounts(app.state.service)
    return TestClient(app)


def chapter_links(html: str) -> list[str]:
    nav = html.split('id="help-chapters"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="/help/([a-z]+)"', nav)


@pytest.mark.parametrize("name, own, title", [("unit-a", "unit", "填报单位"), ("hq", "hq", "集团总部")])
def test_help_puts_the_signed_in_role_first(client: TestClient, name: str, own: str, title: str) -> None:
    login(client, name)
    assert 'href="/help"' in client.get("/upload").text  # linked from each page
    page = client.get("/help")
    assert page.status_code == 200 and page.url.path == f"/help/{own}"
    assert chapter_links(page.text)[0] == own and sorted(chapter_links(page.text)) == sorted(manual.BY_SLUG)
    assert f'<h1 id="{title}">{title}</h1>' in page.text
    assert "<script" not in page.text and page.headers["content-security-policy"].startswith("default-src 'self'")
    image = re.search(r'<img src="(/help/img/[a-z0-9-]+\.png)"', page.text)
    assert image and client.get(image.group(1)).headers["content-type"] == "image/png"


def test_help_without_signing_in_and_what_it_refuses(client: TestClient) -> None:
    page = client.get("/help/faq")
    assert page.status_code == 200 and chapter_links(page.text)[0] == "unit"
    for code in CATALOGUE:
        assert f'<h3 id="{code}">' in page.text
    assert client.get("/help/nope").status_code == 404
    assert client.get("/help/img/..%2Fweb.sqlite").status_code == 404
    assert client.get("/help/img/missing.png").status_code == 404


def test_a_verdict_links_each_problem_to_its_code(client: TestClient, tmp_path: Path) -> None:
    headers = token(client, "unit-a")
    with workbook(tmp_path / "bad.xlsx", mistake=True).open("rb") as handle:
        sha = client.post("/api/submissions", files={"file": ("bad.xlsx", handle)}, headers=headers).json()["sha256"]
    login(client, "unit-a")
    verdict = client.get(f"/submissions/{sha}").text
    link = f'href="/help/faq#{MISTAKE[2]}"'
    assert link in verdict
    assert f'<h3 id="{MISTAKE[2]}">' in client.get("/help/faq").text
