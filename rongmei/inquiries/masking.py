"""Personal data in citizens' questions: find it and mask it for the public version.

``find(text)`` returns the spans of phone, landline, ID-card, plate, bank-card, e-mail, name and
address data; ``mask(text, spans)`` replaces them keeping enough to read (138****5678,
4113**********123X, 豫Q·***12, 张某某, 米兰春天**栋***). The desk reviews the spans
(``mask_with_report``), may add or drop some, and masks with the edited list; the original text is
kept elsewhere and shown only to staff and the answering unit.

Matching runs on a width-folded copy of the text (full-width digits, letters and punctuation to
ASCII, dash and middle-dot variants to one form). The folding maps one character to one character,
so offsets in the folded copy are offsets in the original, and masking keeps the original
characters that stay visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba
from django.utils.translation import gettext_lazy as _

from rongmei.core.text import ensure_jieba

KINDS = ("phone", "landline", "id_card", "plate", "bank_card", "email", "name", "address")

KIND_LABELS = {
    "phone": _("Mobile phone"),
    "landline": _("Landline"),
    "id_card": _("ID card number"),
    "plate": _("Licence plate"),
    "bank_card": _("Bank card number"),
    "email": _("E-mail address"),
    "name": _("Personal name"),
    "address": _("House number"),
}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    text: str
    # For id_card (check digit) and bank_card (Luhn); None for the other kinds.
    valid: bool | None = None


# --- width folding (1:1, so offsets survive) -------------------------------------------------

_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = ord(" ")
for _dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63":
    _FOLD[ord(_dash)] = ord("-")
for _dot in "\u2022\u2027\u30fb\uff65\u2219\u22c5":
    _FOLD[ord(_dot)] = ord("·")


def fold(text: str) -> str:
    """Full-width forms to ASCII, dash and dot variants to '-' and '·'; same length as ``text``."""
    return text.translate(_FOLD)


# --- patterns ---------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Any run of digits (with an optional final X for ID cards), allowing single spaces or dashes
# between groups; classified afterwards by length and checksums.
_DIGIT_RUN_RE = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ -]?\d+)*(?:[Xx](?![0-9A-Za-z]))?(?![0-9])")
# The same without separators: a number written next to a dash ("…4576—4点") still counts.
_COMPACT_RUN_RE = re.compile(r"(?<![0-9A-Za-z])\d+(?:[Xx](?![0-9A-Za-z]))?(?![0-9])")
_MOBILE_RE = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)\s?86[ -]?)?(1[3-9]\d)([ -]?)(\d{4})\2(\d{4})(?![0-9])")
_LANDLINE_RE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)\s?|0\d{2,3}[ -])[2-9]\d{6,7}(?:-\d{1,5})?(?![0-9])")
_PHONE_CUE = r"(?:电话|座机|固话|联系方式|联系电话|号码|手机|热线|tel|Tel|TEL)"
_LANDLINE_CUED_RE = re.compile(_PHONE_CUE + r"[:：是为\s]{0,3}((?:0\d{2,3})?[2-9]\d{6,7})(?![0-9])")

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_RE = re.compile(rf"([{_PROVINCES}])\s?([A-HJ-NP-Za-hj-np-z])\s?[·.\s-]?\s?([A-HJ-NP-Za-hj-np-z0-9]{{5,6}})(?![A-Za-z0-9])")
_NEV_BODY_RE = re.compile(r"[DFdf][A-HJ-NP-Za-hj-np-z0-9]\d{4}|\d{5}[DFdf]")

# House numbers: runs of number+unit after a community or road name.
_NUM = r"[0-9A-Za-z]{1,5}(?:-[0-9A-Za-z]{1,5})?"
_UNIT = r"(?:号楼|栋|幢|单元|楼|层|室|号|户|组|弄)"
_HOUSE_RE = re.compile(rf"(?<![0-9A-Za-z])(?:{_NUM}{_UNIT}){{1,5}}(?:{_NUM}(?![0-9A-Za-z年月日元米平个人次天号]))?")
_STRONG_UNITS = ("号楼", "栋", "幢", "单元", "室")
_ROAD_SUFFIX = "路街巷弄道里"

# Names.
_SURNAMES_2 = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "夏侯", "司徒")
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方邹孟熊秦邱江尹薛闫阎段雷侯龙陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔汤易常乔赖文庞樊兰殷施陈洪郭柳鲁牛"
)
_NAME_CUE_RE = re.compile(
    r"(?:我叫|我的名字叫|我名叫|本人|姓名|名字|联系人|业主|老人|户主|申请人|投诉人|举报人|当事人|患者|"
    r"父亲|母亲|丈夫|妻子|老公|老婆|儿子|女儿)[:：是为叫\s]{0,2}"
)
_TITLE_RE = re.compile(r"(先生|女士|同志|师傅|阿姨|大爷|大妈|奶奶|爷爷|小姐)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Characters that do not occur in given names but do right after a cue ("本人系", "业主们").
_NOT_GIVEN = set("的了是在和与及等我你他她它们这那有不没也都就被把从向对于将已系因所为个某各些位家户")
_NOT_NAME_WORDS = (
    "政府",
    "书记",
    "领导",
    "部门",
    "社区",
    "小区",
    "村民",
    "居民",
    "主任",
    "局长",
    "县长",
    "市长",
    "镇长",
    "村委",
    "物业",
    "公司",
    "单位",
    "学校",
    "医院",
    "老师",
    "同志",
    "先生",
    "女士",
    "师傅",
)
# A "name" that is a common dictionary word (钱财, 付出, 孙子, 文明) is far more likely that word.
_COMMON_WORD_FREQ = 50
_NAME_END = set("，。、；：！？,.;:!?()（）\"'“”‘’ \n\t是的在说反映于今现因从已曾也都和与及向对住电手身等系要想家今年")

# Which kind wins when candidates overlap: earlier wins.
_PRIORITY = {k: i for i, k in enumerate(("email", "id_card", "bank_card", "phone", "landline", "plate", "address", "name"))}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The check character (GB 11643) of an 18-digit ID-card number from its first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _plausible_date(yyyymmdd: str) -> bool:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    return 1900 <= year <= 2030 and 1 <= month <= 12 and 1 <= day <= 31


def _classify_digits(compact: str) -> tuple[str, bool | None] | None:
    """Kind and validity of a compact digit string, or None when it is no personal number."""
    n = len(compact)
    upper = compact.upper()
    if n == 18 and upper[:17].isdigit():
        checksum_ok = id_check_digit(upper[:17]) == upper[17]
        if upper[0] != "0" and _plausible_date(upper[6:14]):
            return "id_card", checksum_ok
        if checksum_ok:
            return "id_card", True
        if upper.isdigit() and _luhn_ok(upper):
            return "bank_card", True
        return None
    if not compact.isdigit():
        return None
    if n == 15 and compact[0] != "0" and _plausible_date("19" + compact[6:12]):
        return "id_card", None
    if 16 <= n <= 19 and _luhn_ok(compact):
        return "bank_card", True
    return None


def _common_word(word: str) -> bool:
    ensure_jieba()
    return (jieba.dt.FREQ.get(word) or 0) >= _COMMON_WORD_FREQ


def _plausible_name(cand: str, surname_len: int) -> bool:
    given = cand[surname_len:]
    return (
        1 <= len(given) <= 2
        and all(_CJK.match(c) and c not in _NOT_GIVEN for c in given)
        and not any(w in cand for w in _NOT_NAME_WORDS)
        and not _common_word(cand)
    )


def _name_at(folded: str, pos: int) -> tuple[int, int] | None:
    """A name (surname + 1–2 given characters) starting at ``pos``, judged by what follows it."""
    surname_len = 2 if folded[pos : pos + 2] in _SURNAMES_2 else (1 if folded[pos : pos + 1] in _SURNAMES_1 else 0)
    if not surname_len:
        return None
    for given in (2, 1):
        end = pos + surname_len + given
        if end > len(folded):
            continue
        if not _plausible_name(folded[pos:end], surname_len):
            continue
        if end == len(folded) or folded[end] in _NAME_END or _TITLE_RE.match(folded, end):
            return pos, end
    return None


def _names(folded: str) -> list[tuple[int, int]]:
    found = []
    for m in _NAME_CUE_RE.finditer(folded):
        hit = _name_at(folded, m.end())
        if hit:
            found.append(hit)
    for m in _TITLE_RE.finditer(folded):
        # "张伟先生", "欧阳明明女士": look back for surname + 1–2 given characters.
        for length in (4, 3, 2):
            start = m.start() - length
            if start < 0:
                continue
            cand = folded[start : m.start()]
            surname_len = 2 if cand[:2] in _SURNAMES_2 else (1 if cand[:1] in _SURNAMES_1 else 0)
            if start > 0 and _common_word(folded[start - 1 : start + 1]):
                continue  # "感谢张伟先生": 谢 belongs to 感谢, not a surname
            if surname_len and _plausible_name(cand, surname_len):
                found.append((start, m.start()))
                break
    return found


def find(text: str) -> list[Span]:
    """Personal data in ``text``, as non-overlapping spans in text order."""
    if not text:
        return []
    folded = fold(text)
    cands: list[tuple[int, int, str, bool | None]] = []

    for m in _EMAIL_RE.finditer(folded):
        cands.append((m.start(), m.end(), "email", None))

    for regex in (_DIGIT_RUN_RE, _COMPACT_RUN_RE):
        for m in regex.finditer(folded):
            kind = _classify_digits(re.sub(r"[ -]", "", m.group()))
            if kind:
                cands.append((m.start(), m.end(), kind[0], kind[1]))

    for m in _MOBILE_RE.finditer(folded):
        cands.append((m.start(), m.end(), "phone", None))

    for m in _LANDLINE_RE.finditer(folded):
        cands.append((m.start(), m.end(), "landline", None))
    for m in _LANDLINE_CUED_RE.finditer(folded):
        cands.append((m.start(1), m.end(1), "landline", None))

    for m in _PLATE_RE.finditer(folded):
        body = m.group(3)
        if len(body) == 6 and not _NEV_BODY_RE.fullmatch(body):
            continue
        if sum(c.isdigit() for c in body) < 2:
            continue
        cands.append((m.start(), m.end(), "plate", None))

    for m in _HOUSE_RE.finditer(folded):
        s = m.group()
        # One building number alone ("6栋居民") says little; a room, a unit, or two levels do.
        units = re.findall(_UNIT, s)
        strong = (
            any(u in ("单元", "室") for u in units)
            or len(units) >= 2
            or (any(u in _STRONG_UNITS for u in units) and re.search(r"[0-9A-Za-z]$", s) is not None)
        )
        group_house = "组" in s and re.search(r"\d号", s) is not None
        road = m.start() > 0 and folded[m.start() - 1] in _ROAD_SUFFIX and re.fullmatch(_NUM + "号", s)
        if not (strong or group_house or road):
            continue
        if re.match(r"\d*厅", folded[m.end() :]) or re.search(r"室\d*$", s) and folded[m.end() : m.end() + 1] == "厅":
            continue  # "3室2厅" is a flat layout, not a room number
        if s.endswith("室") and folded[m.end() : m.end() + 1] in ("内", "外"):
            continue  # "501室内装修": the room number is still masked through the other units
        if m.start() > 0 and folded[m.start() - 1] in "第约共近":
            continue
        cands.append((m.start(), m.end(), "address", None))

    for start, end in _names(folded):
        cands.append((start, end, "name", None))

    cands.sort(key=lambda c: (_PRIORITY[c[2]], c[0], -(c[1] - c[0])))
    taken: list[tuple[int, int, str, bool | None]] = []
    for cand in cands:
        if all(cand[1] <= t[0] or cand[0] >= t[1] for t in taken):
            taken.append(cand)
    taken.sort()
    return [Span(s, e, k, text[s:e], v) for s, e, k, v in taken]


# --- masking ----------------------------------------------------------------------------------


def _star_positions(chars: list[str], positions: list[int], keep_head: int, keep_tail: int) -> None:
    middle = positions[keep_head : len(positions) - keep_tail if keep_tail else None]
    for i in middle:
        chars[i] = "*"


def _alnum_positions(folded: str) -> list[int]:
    return [i for i, c in enumerate(folded) if c.isascii() and c.isalnum()]


def _replacement(span_text: str, kind: str) -> str:
    folded = fold(span_text)
    chars = list(span_text)
    pos = _alnum_positions(folded)
    if kind == "phone":
        prefix = 4 if folded.startswith("0086") else (2 if folded.lstrip().startswith("+") else 0)
        _star_positions(chars, pos, prefix + 3, 4)
    elif kind == "landline":
        m = re.match(r"\s*\(?(0\d{2,3})\)?[ -]?", folded)
        area = len(m.group(1)) if m and len(pos) > 8 else 0
        _star_positions(chars, pos, area, 2)
    elif kind in ("id_card", "bank_card"):
        _star_positions(chars, pos, 4, 4)
    elif kind == "plate":
        # Province character is not alnum; keep the issuing letter and the last two.
        _star_positions(chars, pos, 1, 2)
    elif kind == "email":
        at = folded.index("@") if "@" in folded else len(folded)
        for i in range(1, at):
            chars[i] = "*"
    elif kind == "name":
        surname_len = 2 if folded[:2] in _SURNAMES_2 else 1
        return span_text[:surname_len] + "某" * max(1, len(span_text) - surname_len)
    elif kind == "address":
        _star_positions(chars, pos, 0, 0)
    else:  # spans added by hand with another kind: hide every visible character
        return "".join("*" if not c.isspace() else c for c in span_text)
    return "".join(chars)


def mask(text: str, spans: list[Span] | None = None) -> str:
    """``text`` with each span replaced by its masked form (spans from ``find`` unless given)."""
    if spans is None:
        spans = find(text)
    out = []
    pos = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:
            continue  # overlapping hand-edited span: the earlier one wins
        out.append(text[pos : span.start])
        out.append(_replacement(text[span.start : span.end], span.kind))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def mask_with_report(text: str) -> tuple[str, list[Span]]:
    """The masked text and the spans found, for the desk's review screen."""
    spans = find(text)
    return mask(text, spans), spans
