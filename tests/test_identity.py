"""Identity checks.

居民身份证号码 (GB 11643-1999): 17 digits (6 region, 8 birth date, 3 sequence) and an
ISO 7064 MOD 11-2 check character: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11,
where 10 is written X.

统一社会信用代码 (GB 32100-2015): 18 characters from 0-9 and A-Z without I, O, Z, S, V;
characters 3–8 are the region digits; check character = 31 - (Σ value × weight) mod 31
(31 → 0) with weights 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28.

The check characters below are computed by this file's own implementation of the
standards, not by the engine's.
"""

from __future__ import annotations

import datetime as dt

import pytest

from udfs import identity, registry


def id_check(first17: str) -> str:
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


USCC_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check(first17: str) -> str:
    total = sum(USCC_SET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_SET[(31 - total % 31) % 31]


def test_own_check_helpers_against_published_examples():
    # the standard's published sample number and the brief's sample code
    assert id_check("11010519491231002") == "X"
    assert uscc_check("91350100M000100Y4") == "3"


ID_BASES = [
    "11010519491231002",  # → X (the standard's example)
    "44030419900307123",  # → X
    "51150220000229456",  # born 29 Feb 2000, a leap day
    "32010619851015002",
    "65010219700101315",
    "35020319991231987",
]


@pytest.mark.parametrize("base", ID_BASES)
def test_valid_id_numbers(base):
    number = base + id_check(base)
    assert identity.id_valid(number) is True
    assert identity.id_problem(number) is None
    assert registry.evaluate("ZZ_ID_VALID", number) is True


def test_x_check_character_any_case():
    assert identity.id_valid("11010519491231002X") is True
    assert identity.id_valid("11010519491231002x") is True
    assert identity.id_valid("44030419900307123x") is True
    assert identity.id_valid(" 11010519491231002X ") is True  # spaces around a pasted cell


@pytest.mark.parametrize("base", ID_BASES)
def test_wrong_check_digit(base):
    good = id_check(base)
    for wrong in "0123456789X":
        if wrong != good:
            assert identity.id_valid(base + wrong) is False
    problem = identity.id_problem(base + ("0" if good != "0" else "1"))
    assert problem is not None and f"校验位应为 {good}" in problem


def test_single_digit_change_is_detected():
    good = "11010519491231002X"
    changed = "11010519491231003X"
    assert identity.id_valid(good) and not identity.id_valid(changed)


@pytest.mark.parametrize(
    ("birth", "why"),
    [
        ("19990230", "不是存在的日期"),  # 30 February
        ("19991301", "不是存在的日期"),
        ("20230229", "不是存在的日期"),  # 2023 is not a leap year
        ("18991231", "不合理"),  # before 1900
        ("20990101", "不合理"),  # in the future
    ],
)
def test_impossible_birth_dates(birth, why):
    base = "110105" + birth + "002"
    number = base + id_check(base)  # a correct check character: only the date is wrong
    assert identity.id_valid(number) is False
    assert why in identity.id_problem(number)
    assert registry.evaluate("ZZ_ID_VALID", number) is False


def test_future_birth_date_relative_to_today_argument():
    base = "110105" + "20260301" + "002"
    number = base + id_check(base)
    assert identity.id_valid(number, today=dt.date(2026, 3, 1)) is True
    assert identity.id_valid(number, today=dt.date(2026, 2, 28)) is False


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("11010519491231002", "应为18位，现为17位"),
        ("11010519491231002X1", "应为18位，现为19位"),
        ("", "应为18位，现为0位"),
        ("1101051949123100AX", "前17位应为数字"),
        ("A1010519491231002X", "前17位应为数字"),
        ("01010519491231002X", "首位不为0"),
        ("11010519491231002Y", "末位为数字或X"),
    ],
)
def test_malformed_id_numbers(number, why):
    assert identity.id_valid(number) is False
    assert why in identity.id_problem(number)


USCC_VALID = [
    "91350100M000100Y43",  # the brief's sample
    "91110000" + "MA01ABCDE",
    "12100000" + "400000123",
    "Y1440300" + "HJKLMNPQR",
    "51320500" + "0TUWXY123",
]


def _full(code: str) -> str:
    return code if len(code) == 18 else code + uscc_check(code)


@pytest.mark.parametrize("code", USCC_VALID)
def test_valid_uscc(code):
    code = _full(code)
    assert identity.uscc_valid(code) is True
    assert identity.uscc_problem(code) is None
    assert registry.evaluate("ZZ_USCC_VALID", code) is True


@pytest.mark.parametrize("position", range(18))
def test_uscc_one_character_changed_is_invalid(position):
    good = "91350100M000100Y43"
    allowed = USCC_SET if position not in range(2, 8) else "0123456789"
    # the next allowed character at that position (still a well-formed code)
    replacement = allowed[(allowed.index(good[position]) + 1) % len(allowed)]
    changed = good[:position] + replacement + good[position + 1:]
    assert changed != good
    assert identity.uscc_valid(changed) is False


def test_uscc_wrong_check_message():
    assert identity.uscc_problem("91350100M000100Y44") == "统一社会信用代码校验位应为 3，现为 4（代码可能抄错）"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_forbidden_letters(letter):
    for position in (0, 1, 8, 16):
        code = "91350100M000100Y43"
        bad = code[:position] + letter + code[position + 1:]
        assert identity.uscc_valid(bad) is False
        assert "不含 I、O、Z、S、V" in identity.uscc_problem(bad)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350100M000100Y4", "应为18位，现为17位"),
        ("91350100M000100Y433", "应为18位，现为19位"),
        ("913501A0M000100Y43", "第3–8位为行政区划数字"),  # letter in the region digits
        ("91350100M000100Y4-", "只能含数字和大写字母"),
    ],
)
def test_malformed_uscc(code, why):
    assert identity.uscc_valid(code) is False
    assert why in identity.uscc_problem(code)


def test_identity_functions_in_a_column():
    result = registry.evaluate_cells(
        "ZZ_ID_VALID", [["11010519491231002X"], ["11010519491231002"], [None], ["11010519990230002X"]]
    )
    assert result == [[True], [False], [None], [False]]
    result = registry.evaluate_cells("ZZ_USCC_VALID", [["91350100M000100Y43", "91350100M000100Y44"]])
    assert result == [[True, False]]
