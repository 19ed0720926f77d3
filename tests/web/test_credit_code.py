"""统一社会信用代码 validation (GB 32100-2015)."""
import re

import pytest

from marketplace.credit_code import check_character, is_valid, normalise, problem


def test_known_valid_code():
    """Does a real-format code with a correct check character pass?"""
    assert is_valid("91350100M000100Y43")


@pytest.mark.parametrize("first17", ["91420100MA4K00001", "12420000441234567", "Y1420100000000001", "A9110108MA0000000"])
def test_generated_check_character_round_trips(first17):
    """Letters are allowed in positions 1–2; the computed check character makes a valid code."""
    assert is_valid(first17 + check_character(first17))


def test_checksum_wrong_code_that_passes_naive_regex():
    """A code that matches the usual 18-character regex but has a wrong check character is refused."""
    code = "91350100M000100Y44"
    assert re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", code)
    assert not is_valid(code)
    assert "校验位" in problem(code)


@pytest.mark.parametrize("code, fragment", [
    ("9135010", "18 位"),
    ("91350100M000100I43", "不允许的字符"),
    ("9135A100M000100Y43", "行政区划码"),
])
def test_problems_are_explained_in_chinese(code, fragment):
    assert fragment in problem(normalise(code))


def test_full_width_and_lower_case_are_normalised():
    assert normalise("９１３５０１００ｍ０００１００ｙ４３") == "91350100M000100Y43"
    assert is_valid(" 91350100m000100y43 ")
