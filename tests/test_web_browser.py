"""The 收报台 end to end in a real headless Chromium (Debian's chromium and chromium-driver,
driven by Selenium; no browser is downloaded): a unit logs in, uploads a workbook with a
planted mistake, reads the cell in the findings, uploads the corrected one; 集团 logs in,
rolls up, sees the dashboard and downloads GROUP.xlsx.  Screenshots go to docs/ for README."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest

from addin.rollup.indicators import indicator
from web_cases import MISTAKE, PASSWORDS, UNIT_A, UNIT_B, UNIT_C, add_accounts, workbook

UNIT_D = "91510100MA62B3CD4L"
"""On the roster, no account: never reports."""

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--window-size=1280,900", "--lang=zh-CN")

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason="needs Debian's chromium and chromium-driver (run.sh installs them)")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    import uvicorn

    from addin.web.app import create_app
    from addin.web.service import Config

    app = create_app(Config(data=tmp_path / "data"))
    add_accounts(app.state.service)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", proxy_headers=False)
    serving = uvicorn.Server(config)
    thread = threading.Thread(target=serving.run, daemon=True)
    thread.start()
    for _ in range(200):
        if serving.started:
            break
        time.sleep(0.05)
    port = serving.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    serving.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver: Any, name: str) -> None:
    """A page's screenshot — into docs/ (the manual's pictures) only when asked
    (ZHUIZE_SCREENSHOTS=docs): a test run does not change the repository's files."""
    import tempfile

    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(700, min(int(height) + 40, 2400)))
    folder = os.environ.get("ZHUIZE_SCREENSHOTS")
    target = ROOT / folder if folder else Path(tempfile.gettempdir())
    driver.save_screenshot(str(target / f"web-{name}.png"))
    driver.set_window_size(1280, 900)


def sign_in(driver: Any, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[name])
    driver.find_element(By.ID, "login").click()
    # the click returns before the next page has loaded: wait until the browser has left
    # the login page (a wrong password would stay there and time out)
    wait_for(lambda: "/login" not in driver.current_url, 60)


def sign_out(driver: Any) -> None:
    """退出, then wait for the login page it leads to, so the next sign-in cannot race the
    logout request."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "form.who button").click()
    wait_for(lambda: "/login" in driver.current_url and driver.find_elements(By.ID, "login"), 60)


def verdict_of(driver: Any) -> Any:
    """The upload's verdict, once the page that shows it has loaded (validation takes a
    while on a busy machine)."""
    from selenium.webdriver.common.by import By

    return wait_for(lambda: driver.find_elements(By.ID, "verdict"))[0]


def wait_for(condition: Any, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_unit_uploads_fixes_and_group_rolls_up(server: str, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    bad = workbook(tmp_path / "本单位报表_有错误.xlsx", mistake=True)
    good = workbook(tmp_path / "本单位报表_已改正.xlsx")
    other = workbook(tmp_path / "乙单位.xlsx", uscc=UNIT_B, unit="示例乙建设有限公司")

    browser.get(f"{server}/upload")  # no session: the login page
    assert "/login" in browser.current_url and "登录收报台" in browser.page_source
    shoot(browser, "login")
    sign_in(browser, server, "unit-a")
    assert browser.current_url.endswith("/upload")

    browser.find_element(By.ID, "file").send_keys(str(bad))
    browser.find_element(By.ID, "submit").click()
    verdict = verdict_of(browser).text
    assert "退回" in verdict
    sheet, cell, code = MISTAKE
    rows = browser.find_elements(By.CSS_SELECTOR, "#errors tbody tr")
    found = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    planted = [r for r in found if r[0] == sheet and r[-1] == code]
    assert planted and planted[0][1] == cell and "120" in planted[0][3]
    shoot(browser, "findings")

    # 帮助: the problem's code links to its entry in 常见问题; the unit's own chapter comes first
    browser.find_element(By.CSS_SELECTOR, f'#errors a[href="/help/faq#{code}"]').click()
    wait_for(lambda: browser.current_url.endswith(f"/help/faq#{code}"), 30)
    entry = browser.find_element(By.ID, code)
    assert entry.tag_name == "h3" and entry.text.startswith(code) and entry.is_displayed()
    assert "怎么改" in entry.find_element(By.XPATH, "following-sibling::p").text
    chapters = browser.find_elements(By.CSS_SELECTOR, "#help-chapters a")
    assert [a.text for a in chapters][:2] == ["填报单位", "集团总部"]
    browser.find_element(By.ID, "nav-help").click()
    wait_for(lambda: browser.current_url.endswith("/help/unit"), 30)
    assert browser.find_element(By.CSS_SELECTOR, "#help-body h1").text == "填报单位"
    assert browser.execute_script(
        "return [...document.images].every(i => i.complete && i.naturalWidth > 0)")  # pictures served locally

    browser.get(f"{server}/upload")
    browser.find_element(By.ID, "file").send_keys(str(good))
    browser.find_element(By.ID, "submit").click()
    verdict = verdict_of(browser).text
    assert "通过校验" in verdict and "当前报表" in verdict
    browser.get(f"{server}/upload")
    assert "当前报表" in browser.find_element(By.ID, "submissions").text
    shoot(browser, "upload")
    sign_out(browser)

    sign_in(browser, server, "unit-b")
    browser.find_element(By.ID, "file").send_keys(str(other))
    browser.find_element(By.ID, "submit").click()
    assert "通过校验" in verdict_of(browser).text
    sign_out(browser)

    sign_in(browser, server, "hq")
    assert browser.current_url.endswith("/dashboard")
    browser.find_element(By.ID, "nav-help").click()
    wait_for(lambda: browser.current_url.endswith("/help/hq"), 30)
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#help-chapters a")][0] == "集团总部"
    assert browser.find_element(By.CSS_SELECTOR, "#help-body h1").text == "集团总部"
    shoot(browser, "help")
    browser.get(f"{server}/dashboard")
    assert "已报 2" in browser.find_element(By.ID, "counts").text

    # 集团 sets its identity and the unit roster (two listed units never report)
    browser.get(f"{server}/settings")
    for key, value in (("name", "示例控股集团有限公司"), ("preparer", "王五"), ("phone", "028-12345678")):
        browser.find_element(By.ID, f"identity-{key}").send_keys(value)
    browser.find_element(By.ID, "settings-save").click()
    wait_for(lambda: browser.find_elements(By.ID, "saved"), 30)
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,统一社会信用代码,层级\n" + "".join(f"{n},{c},{lv}\n" for n, c, lv in (
        ("示例能源投资有限公司", UNIT_A, "二级"), ("示例乙建设有限公司", UNIT_B, "二级"),
        ("示例丙贸易有限公司", UNIT_C, "三级"), ("示例丁物流有限公司", UNIT_D, "三级"))), encoding="utf-8")
    browser.get(f"{server}/roster")
    browser.find_element(By.ID, "roster-file").send_keys(str(roster))
    browser.find_element(By.ID, "roster-upload").click()
    wait_for(lambda: browser.find_elements(By.ID, "roster"), 30)
    shoot(browser, "roster")
    browser.get(f"{server}/dashboard")
    assert "已报 2 · 退回 0 · 未报 2" in browser.find_element(By.ID, "counts").text

    browser.find_element(By.ID, "rollup").click()
    wait_for(lambda: "/dashboard" in browser.current_url and browser.find_elements(By.ID, "result"))
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert browser.find_element(By.ID, "rollup-counts").text == browser.find_element(By.ID, "counts").text.split("（")[0].strip()
    assert "示例丙贸易有限公司、示例丁物流有限公司" in browser.find_element(By.ID, "not-reported").text
    indicators = {row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
                  for row in browser.find_elements(By.CSS_SELECTOR, "#indicators tr")}
    assert indicators[indicator("线索总数").label] == "8 条"
    assert indicators[indicator("整改率").label].endswith("%")
    shoot(browser, "dashboard")

    browser.find_element(By.ID, "download-group").click()
    done = wait_for(lambda: [p for p in browser.downloads.glob("*.xlsx")], 60)
    wait_for(lambda: not list(browser.downloads.glob("*.crdownload")), 30)
    book = openpyxl.load_workbook(done[0], read_only=True)
    assert "问题线索台账" in book.sheetnames and "汇总" in book.sheetnames
    clues = book["问题线索台账"]
    units = {row[0] for row in clues.iter_rows(min_row=2, values_only=True) if row[0]}
    assert units == {"示例能源投资有限公司", "示例乙建设有限公司"}

    browser.get(f"{server}/functions?name=ZZ_LOSS_GRADE")
    for k, value in enumerate(("100", "", "yibin-2020")):
        browser.find_element(By.ID, f"arg{k}").send_keys(value)
    browser.find_element(By.ID, "calc").click()
    assert wait_for(lambda: browser.find_elements(By.ID, "result"), 60)[0].text == "结果：较大"
    shoot(browser, "functions")
    browser.get(f"{server}/templates")
    shoot(browser, "templates")
