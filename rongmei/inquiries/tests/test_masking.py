import csv
import random
from functools import cache

import pytest
from django.conf import settings

from rongmei.inquiries.masking import KIND_LABELS, KINDS, Span, find, fold, id_check_digit, mask, mask_with_report

DATA = settings.BASE_DIR.parent / "shared" / "data" / "wenzheng" / "messages_with_votes.csv"

BUILT_IN = [
    "我家住在A市A3区某小区，楼下的烧烤店每天营业到凌晨两点，油烟和噪音严重影响休息。",
    "2019-05-06我向街道反映过道路积水问题，至今没有处理，希望相关部门尽快解决。",
    "根据第12号文件，拆迁补偿应当在30日内到位，但我们至今只收到了5000元。",
    "学校周边的交通秩序混乱，早上7:30到8:00经常堵车，请交警部门加强管理。",
    "村里的自来水管道从2015年起就没有维修过，夏天经常停水。",
    "小区物业费从每平方米1.2元涨到2.5元，业主们没有被征求意见。",
    "我是一名退休教师，退休金迟迟没有按新标准发放，请社保局给个说法。",
    "公交12路的班次太少，高峰期要等40分钟，建议增加车辆。",
]

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
REGIONS = ["411328", "110105", "430103", "440305", "320106", "510107", "420111", "370202"]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@cache
def messages() -> list[str]:
    if not DATA.exists():
        return BUILT_IN
    with DATA.open(encoding="utf-8") as f:
        return [(row["subject"] or "") + "\n" + (row["detail"] or "") for row in csv.DictReader(f)]


def real_data():
    if not DATA.exists():
        pytest.skip(f"wenzheng data not found at {DATA}")
    return messages()


# --- generators of planted numbers -------------------------------------------------------------


def gen_phone(rng: random.Random) -> str:
    digits = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    a, b, c = digits[:3], digits[3:7], digits[7:]
    form = rng.randrange(7)
    text = [digits, f"{a} {b} {c}", f"{a}-{b}-{c}", f"+86{digits}", f"+86 {a}-{b}-{c}", f"0086 {digits}", digits.translate(FULL)][form]
    return text


def gen_id(rng: random.Random) -> str:
    region = rng.choice(REGIONS)
    birth = f"{rng.randint(1935, 2012)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    seq = f"{rng.randint(0, 999):03d}"
    form = rng.randrange(6)
    if form == 5:  # old 15-digit number
        return region + birth[2:] + seq
    first17 = region + birth + seq
    check = id_check_digit(first17)
    if form == 1:  # mistyped: wrong check character
        check = rng.choice([c for c in "0123456789X" if c != check])
    number = first17 + check
    if form == 2:
        number = number.lower()
    if form == 3:
        number = number.translate(FULL)
    return number


def gen_plate(rng: random.Random) -> str:
    province = rng.choice(PROVINCES)
    letter = rng.choice(PLATE_LETTERS)
    if rng.random() < 0.25:  # new-energy plate
        body = rng.choice("DF") + rng.choice(PLATE_LETTERS + "0123456789") + "".join(rng.choice("0123456789") for _ in range(4))
    else:
        body = [rng.choice("0123456789") for _ in range(5)]
        for i in rng.sample(range(5), rng.randint(0, 2)):
            body[i] = rng.choice(PLATE_LETTERS)
        body = "".join(body)
    sep = rng.choice(["", "·", " ", "-", "・"])
    plate = f"{province}{letter}{sep}{body}"
    if rng.random() < 0.2:
        plate = plate.lower()
    if rng.random() < 0.1:
        plate = f"{province} {letter} {body}"
    return plate


GENERATORS = {"phone": gen_phone, "id_card": gen_id, "plate": gen_plate}
CUES = {
    "phone": ["", "电话", "联系电话：", "手机号", "我的手机是"],
    "id_card": ["", "身份证号", "身份证：", "证件号码"],
    "plate": ["", "车牌", "车牌号为", "一辆"],
}


def _is_alnum(ch: str) -> bool:
    return fold(ch).isascii() and fold(ch).isalnum()


def plant(rng: random.Random, message: str, kind: str) -> tuple[str, int, int, str]:
    """``message`` with a generated number inserted where it does not touch other letters or digits."""
    number = GENERATORS[kind](rng)
    slots = [
        i for i in range(len(message) + 1) if (i == 0 or not _is_alnum(message[i - 1])) and (i == len(message) or not _is_alnum(message[i]))
    ]
    pos = rng.choice(slots)
    cue = rng.choice(CUES[kind])
    text = message[:pos] + cue + number + message[pos:]
    start = pos + len(cue)
    return text, start, start + len(number), number


def test_planted_numbers_are_caught_at_least_99_percent():
    rng = random.Random(20261126)
    pool = messages()
    n_per_kind = 600
    misses: dict[str, list[str]] = {k: [] for k in GENERATORS}
    for kind in GENERATORS:
        for _ in range(n_per_kind):
            text, start, end, number = plant(rng, rng.choice(pool)[:300], kind)
            spans = find(text)
            if not any(s.kind == kind and s.start <= start and s.end >= end for s in spans):
                misses[kind].append(number)
                continue
            masked = mask(text, spans)
            assert number not in masked
    for kind, missed in misses.items():
        rate = 1 - len(missed) / n_per_kind
        assert rate >= 0.99, f"{kind}: caught {rate:.1%}, missed e.g. {missed[:10]}"


def test_few_false_phone_id_plate_spans_on_original_messages():
    pool = real_data()
    hits = []
    for text in pool:
        spans = [s for s in find(text) if s.kind in ("phone", "landline", "id_card", "plate", "bank_card")]
        if spans:
            hits.append([s.text for s in spans])
    rate = len(hits) / len(pool)
    # The data is anonymized: the few hits are real phone or plate numbers left in by the authors.
    assert rate < 0.02, f"{rate:.2%} of messages flagged: {hits[:20]}"


@pytest.mark.parametrize(
    "text",
    [
        "2019-05-06我去办事",
        "日期2019年05月06日，时间20190506",
        "金额12345678元，合计1,234,567.89元",
        "根据第12号令和2019年第3号公告",
        "订单号202105061234567890123已付款",
        "请拨打12345市长热线",
        "房子是3室2厅，面积89平方米",
        "县政府书记、镇长和社区主任都来过",
        "A市A3区人民路的路灯坏了，在12号线地铁站附近",
        "1号线、2号楼附近",
        "老人钱财被骗，业主付出很多，孙子上学",
    ],
)
def test_no_phone_id_plate_in_harmless_numbers(text):
    assert find(text) == []


def test_phone_formats_and_mask_shape():
    assert mask("电话13812345678") == "电话138****5678"
    assert mask("电话138 1234 5678") == "电话138 **** 5678"
    assert mask("电话138-1234-5678") == "电话138-****-5678"
    assert mask("+86 13812345678") == "+86 138****5678"
    assert mask("008613812345678") == "0086138****5678"
    assert mask("座机0396-2345678") == "座机0396-*****78"
    assert mask("座机（0396）2345678") == "座机（0396）*****78"
    assert [s.kind for s in find("座机：2345678")] == ["landline"]


def test_full_width_digits_map_back_to_the_original_text():
    text = "请联系我：１３８１２３４５６７８，谢谢"
    spans = find(text)
    assert [(s.kind, s.text) for s in spans] == [("phone", "１３８１２３４５６７８")]
    assert text[spans[0].start : spans[0].end] == "１３８１２３４５６７８"
    assert mask(text) == "请联系我：１３８****５６７８，谢谢"


def test_id_cards_with_checksum_report():
    good = "41132819900101123" + id_check_digit("41132819900101123")
    bad_check = "0" if good[-1] != "0" else "1"
    bad = good[:-1] + bad_check
    [s1] = find(f"身份证{good}")
    [s2] = find(f"身份证{bad}")
    assert (s1.kind, s1.valid) == ("id_card", True)
    assert (s2.kind, s2.valid) == ("id_card", False)
    assert mask(good) == "4113" + "*" * 10 + good[-4:]
    assert mask("旧证号411328900101123") == "旧证号4113*******1123"
    assert find("41132819900101123x")[0].kind == "id_card"
    assert [s.text for s in find(f"身份证：{good}—4点")] == [good]


def test_plates():
    assert mask("车牌豫Q12345") == "车牌豫Q***45"
    assert mask("豫Q·D12345停在门口") == "豫Q·****45停在门口"
    assert [s.text for s in find("一辆豫 q 12345和湘A-1B234")] == ["豫 q 12345", "湘A-1B234"]
    assert find("豫Q123456") == []  # six characters that are not a new-energy plate


def test_bank_card_and_email():
    card = "6222021234567890128"  # passes Luhn
    [span] = find(f"卡号{card}")
    assert (span.kind, span.valid) == ("bank_card", True)
    assert mask(card) == "6222" + "*" * 11 + "0128"
    assert find("卡号6222021234567890123") == []  # fails Luhn, 19 digits: an order number
    assert mask("邮箱 zhang.san@qq.com 联系") == "邮箱 z********@qq.com 联系"


def test_names_after_cues_and_before_titles():
    assert mask("我叫李建义，来自湖南") == "我叫李某某，来自湖南"
    assert mask("姓名：何艳银，于2019年") == "姓名：何某某，于2019年"
    assert mask("业主王坚的违章搭建") == "业主王某的违章搭建"
    assert mask("感谢张伟先生和欧阳明明女士") == "感谢张某先生和欧阳某某女士"
    assert mask("张先生说") == "张先生说"  # a surname alone is not identifying
    assert find("本人系村民，本人于2019年向政府反映") == []


def test_addresses_keep_the_community_and_mask_numbers():
    assert mask("住在米兰春天G2栋320") == "住在米兰春天**栋***"
    assert mask("幸福小区3号楼2单元501室") == "幸福小区*号楼*单元***室"
    assert mask("金鼎村七里组5组12号") == "金鼎村七里组*组**号"
    assert mask("人民路88号门口") == "人民路**号门口"
    assert mask("我们6栋居民") == "我们6栋居民"  # a building alone says little


def test_masking_twice_does_not_change_or_grow():
    rng = random.Random(7)
    for _ in range(100):
        text, *_ = plant(rng, rng.choice(BUILT_IN), rng.choice(list(GENERATORS)))
        text = "我叫李建义，住幸福小区3号楼2单元501室，" + text
        once = mask(text)
        assert mask(once) == once
        assert len(once) == len(text)


def test_mask_with_report_and_edited_spans():
    text = "我叫李建义，电话13812345678"
    masked, spans = mask_with_report(text)
    assert masked == "我叫李某某，电话138****5678"
    assert [s.kind for s in spans] == ["name", "phone"]
    # The desk drops the name and adds a span by hand.
    edited = [spans[1], Span(0, 2, "other", text[0:2])]
    assert mask(text, edited) == "**李建义，电话138****5678"
    assert set(KIND_LABELS) == set(KINDS)
