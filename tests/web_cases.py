"""Workbooks and a ready app for the 收报台 tests (and the browser test)."""

from __future__ import annotations

import datetime as dt
import random
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from addin.demo.group import uscc as make_uscc
from addin.workbook.samples import SAMPLE_INFO, SAMPLE_RECORDS
from addin.workbook.templates import build_template, default_options

UNIT_A = SAMPLE_INFO["uscc"]
UNIT_B = make_uscc(random.Random(5))
UNIT_C = make_uscc(random.Random(6))
PASSWORDS = {"unit-a": "password-a1", "unit-b": "password-b1", "unit-c": "password-c1", "hq": "password-hq1"}
MISTAKE = ("资产损失认定", "C2", "ZZ-READ-NUMBER")
"""The planted mistake: 损失金额 written as “120万元” in the first 资产损失认定 row."""


def records() -> dict[str, list[dict[str, Any]]]:
    found = {key: [dict(r) for r in rows] for key, rows in SAMPLE_RECORDS.items()}
    found["clues"][3]["event_report_date"] = SAMPLE_INFO["report_date"]  # a clean, valid sample
    return found


def workbook(path: Path, *, uscc: str = UNIT_A, unit: str = SAMPLE_INFO["unit_name"],
             report_date: dt.date = SAMPLE_INFO["report_date"], mistake: bool = False) -> Path:
    rows = records()
    if mistake:
        rows["losses"][0]["loss_amount"] = "120万元"
    info = dict(SAMPLE_INFO, uscc=uscc, unit_name=unit, report_date=report_date)
    return build_template(path, default_options("central-2026", rows=10), info, rows)


@lru_cache(maxsize=None)
def _hash(password: str) -> str:
    from addin.web.security import hash_password

    return hash_password(password)  # argon2 is slow on purpose: once per test run


def add_accounts(service: Any) -> None:
    for name, role, code in (("unit-a", "填报单位", UNIT_A), ("unit-b", "填报单位", UNIT_B),
                             ("unit-c", "填报单位", UNIT_C), ("hq", "集团", "")):
        service.store.add_user(name, role, code, _hash(PASSWORDS[name]))


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def login(client: Any, name: str) -> None:
    page = client.get("/login")
    answer = client.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": PASSWORDS[name],
                                         "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def token(client: Any, name: str) -> dict[str, str]:
    answer = client.post("/api/token", json={"name": name, "password": PASSWORDS[name]})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
