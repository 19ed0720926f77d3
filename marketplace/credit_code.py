"""统一社会信用代码 (unified social credit code) per GB 32100-2015."""
from __future__ import annotations

import unicodedata

# The 31 characters of the code: digits and capital letters without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise(code: str) -> str:
    """Full-width to half-width, spaces removed, upper case."""
    return "".join(unicodedata.normalize("NFKC", code or "").split()).upper()


def check_character(first17: str) -> str:
    """The 18th character for the first 17; raises ValueError on characters outside the alphabet."""
    total = 0
    for char, weight in zip(first17, WEIGHTS, strict=True):
        index = ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"invalid character {char!r}")
        total += index * weight
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why a (normalised) code is invalid, in Chinese; None when it is valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，当前为 {len(code)} 位。"
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(sorted(set(bad)))}（不使用 I、O、S、V、Z）。"
    if not code[2:8].isdigit():
        return "统一社会信用代码第 3—8 位应为登记管理机关行政区划码（数字）。"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入。"
    return None


def is_valid(code: str) -> bool:
    return problem(normalise(code)) is None
