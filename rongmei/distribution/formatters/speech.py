"""Numbers written for speech (口播): 2026年 → 二〇二六年, 15% → 百分之十五, 3.5 → 三点五,
1200 → 一千二百, 2000 → 两千, -3℃ → 零下三摄氏度, 8:30 → 八点三十分, phone numbers digit by digit (1 read 幺, as announcers do)."""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
YEAR_DIGITS = "〇一二三四五六七八九"
PHONE_DIGITS = "零幺二三四五六七八九"
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％：，", "0123456789.%:,")
_GROUP_UNITS = ["", "万", "亿", "万亿"]
MAX_VALUE_DIGITS = 16  # longer runs of digits are codes: read digit by digit

# Units read aloud. Longest first so "km²" is not read as "km" + "²".
UNITS = [
    ("km²", "平方公里"),
    ("m²", "平方米"),
    ("㎡", "平方米"),
    ("km/h", "公里每小时"),
    ("km", "公里"),
    ("kg", "千克"),
    ("℃", "摄氏度"),
]

_BELOW_ZERO = re.compile(r"(?<![\d.])-(?=\d+(?:\.\d+)?\s*℃)")
_RANGE = re.compile(r"(?<=[零一二三四五六七八九十百千万亿两])\s*[-~～]\s*(?=[零一二三四五六七八九十两])")
_PATTERN = re.compile(
    r"""
    (?P<phone>(?<![\d.])(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8}|400-\d{3}-\d{4})(?![\d.]))
  | (?P<hotline>(?:电话|热线|手机|号码|拨打)[：:\s]*)(?P<hotnum>\d[\d-]{2,}\d)
  | (?P<year>(?<![\d.])\d{4}(?=\s*年))
  | (?P<time>(?<![\d.:])(?P<hh>[01]?\d|2[0-3]):(?P<mm>[0-5]\d)(?![\d:]))
  | (?P<pct>(?P<pnum>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<psign>[%‰]))
  | (?P<num>(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?)
    """,
    re.VERBOSE,
)


def _group(n: int) -> str:
    """0 < n < 10000, with the zeros inside read once (1005 → 一千零五)."""
    out, zero = "", False
    for digit, unit in zip(f"{n:04d}", ("千", "百", "十", ""), strict=True):
        d = int(digit)
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + unit
    return out


def integer(n: int) -> str:
    """An integer as read: 0 → 零, 10 → 十, 15 → 十五, 1200 → 一千二百, 10005 → 一万零五."""
    if n < 0:
        return "负" + integer(-n)
    if n == 0:
        return DIGITS[0]
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_GROUP_UNITS):
        return digits("".join(f"{g:04d}" for g in reversed(groups)).lstrip("0"))
    out, need_zero = "", False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out += "零"
        out += _group(g) + _GROUP_UNITS[i]
        need_zero = False
    if out.startswith("一十"):
        out = out[1:]
    elif out.startswith("二") and out[1:2] in ("千", "万", "亿"):
        out = "两" + out[1:]  # 两千, 两万, 两亿: as said aloud
    return out


def digits(s: str, table: str = DIGITS) -> str:
    return "".join(table[int(c)] if c.isdigit() else "" for c in s)


def number(s: str) -> str:
    """A written number (with thousands commas and a decimal part) as read: 3.5 → 三点五."""
    s = s.replace(",", "")
    whole, _, frac = s.partition(".")
    if len(whole) > MAX_VALUE_DIGITS:
        text = digits(whole)
    elif len(whole) > 1 and whole.startswith("0"):
        text = digits(whole)  # a code such as 007
    else:
        text = integer(int(whole))
    if frac:
        text += "点" + digits(frac)
    return text


def _replace(m: re.Match) -> str:
    if m.group("phone"):
        return digits(m.group("phone"), PHONE_DIGITS)
    if m.group("hotnum"):
        return m.group("hotline") + digits(m.group("hotnum"), PHONE_DIGITS)
    if m.group("year"):
        return digits(m.group("year"), YEAR_DIGITS)
    if m.group("time"):
        hh, mm = int(m.group("hh")), int(m.group("mm"))
        return integer(hh) + "点" + ("整" if mm == 0 else ("零" + integer(mm) if mm < 10 else integer(mm)) + "分")
    if m.group("pct"):
        prefix = "百分之" if m.group("psign") == "%" else "千分之"
        return prefix + number(m.group("pnum"))
    spoken = number(m.group("num"))
    if spoken == "二" and m.string[m.end() : m.end() + 1] in ("千", "万", "亿", "个"):
        return "两"  # 两万人, 两个
    return spoken


def for_speech(text: str) -> str:
    """The text with every number and common unit written as an announcer reads it."""
    text = (text or "").translate(_FULLWIDTH)
    text = _BELOW_ZERO.sub("零下", text)
    text = _PATTERN.sub(_replace, text)
    text = _RANGE.sub("到", text)
    for written, spoken in UNITS:
        text = text.replace(written, spoken)
    return text


def reading_seconds(text: str, chars_per_second: float = 4.0) -> int:
    """About four characters a second, counting every non-space character."""
    n = len(re.sub(r"\s", "", text or ""))
    return round(n / chars_per_second) if n else 0
