"""The desk's check of a unit's reply: each flag (empty, template, off-topic) fires on a made example
and stays quiet on a good, specific reply; and on the real replies of messages_with_replies.csv."""

import csv
import random

import pytest

from rongmei.inquiries import services
from rongmei.inquiries.classify import training_csv_path
from rongmei.inquiries.models import Inquiry, Kind
from rongmei.inquiries.reply_check import MIN_SUBSTANCE, check_reply, substance

pytestmark = pytest.mark.django_db

QUESTION = {
    "title": "幸福路小区门口污水横流无人管",
    "body": "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，请尽快疏通下水道。",
}
GOOD = (
    "经现场核查，幸福路小区南门下水道因周边施工堵塞导致污水外溢，我局已于11月20日安排市政养护队疏通，污水问题已解决，今后将每月巡查一次。"
)
COURTESY = "您好，来信收悉，感谢您的关注，我们将尽快处理。特此回复。"
OFF_TOPIC = "关于今年秋季学期义务教育招生，按照划片就近入学原则，请家长携带户口簿和房产证明到学区学校报名，具体时间以学校通知为准。"
REAL = training_csv_path().parent / "messages_with_replies.csv"


def codes(flags):
    return {f["code"] for f in flags}


def question(**extra):
    return Inquiry(title=extra.get("title", QUESTION["title"]), body=extra.get("body", QUESTION["body"]), kind=Kind.COMPLAINT)


def test_a_good_specific_reply_raises_no_flag(unit):
    assert check_reply(question(), GOOD, unit) == []


def test_a_reply_of_courtesy_phrases_only_is_flagged_empty(unit):
    flags = check_reply(question(), COURTESY, unit)
    assert "empty" in codes(flags)
    assert len(substance(COURTESY)) < MIN_SUBSTANCE
    assert "empty" in codes(check_reply(question(), "已收悉。", unit))


def test_a_reply_about_something_else_is_flagged_off_topic(unit):
    flags = check_reply(question(), OFF_TOPIC, unit)
    assert codes(flags) == {"off_topic"}
    assert next(f for f in flags if f["code"] == "off_topic")["score"] < 0.05


def _replied(citizen, editor, unit, unit_staff, answer, **fields):
    inquiry = services.submit(fan=citizen, kind=Kind.COMPLAINT, location="泌水街道", **{**QUESTION, **fields})
    services.forward(actor=editor, inquiry=inquiry, unit=unit)
    return services.submit_reply(actor=unit_staff, inquiry=inquiry, body=answer)


@pytest.fixture(autouse=True)
def _no_throttle(no_submission_limits):
    pass


def test_the_same_text_as_the_units_reply_to_another_question_is_flagged_template(citizen, editor, unit, unit_staff):
    template = "您反映的问题我局高度重视，已责成相关股室调查核实，将依法依规处理，处理结果将及时向社会公布，请您持续关注本单位的工作动态。"
    earlier = _replied(
        citizen,
        editor,
        unit,
        unit_staff,
        template,
        title="人民路路灯不亮影响夜间出行",
        body="人民路的路灯已经一个月不亮了，晚上出行很不安全。",
    )
    flags = check_reply(question(), template, unit)
    template_flag = next(f for f in flags if f["code"] == "template")
    assert earlier.inquiry.receipt in template_flag["message"] and template_flag["score"] >= 0.85
    # A specific reply is not a template, and another unit's replies are not this unit's template.
    assert "template" not in codes(check_reply(question(), GOOD, unit))


def test_another_units_text_or_the_same_questions_earlier_reply_is_no_template(citizen, editor, unit, other_unit, unit_staff):
    reply = _replied(citizen, editor, unit, unit_staff, GOOD)
    # The unit's own earlier (sent back) reply to the same question is a draft, not a template.
    assert "template" not in codes(check_reply(reply.inquiry, GOOD + "已完成。", unit))
    assert "template" not in codes(check_reply(question(), GOOD, other_unit))


def _real_rows(n=300):
    if not REAL.exists():
        pytest.skip(f"{REAL} is absent")
    with open(REAL, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("reply") and r.get("detail")]
    random.Random(5).shuffle(rows)
    return rows[:n]


def test_real_replies_with_substance_are_rarely_flagged_and_mismatched_ones_mostly_are(unit):
    rows = [r for r in _real_rows() if len(substance(r["reply"])) >= MIN_SUBSTANCE][:200]
    assert len(rows) >= 150
    own = [codes(check_reply(question(title=r["subject"], body=r["detail"]), r["reply"], unit)) for r in rows]
    swapped = [
        codes(check_reply(question(title=r["subject"], body=r["detail"]), rows[(i + 7) % len(rows)]["reply"], unit))
        for i, r in enumerate(rows)
    ]
    assert sum("empty" in c for c in own) == 0
    assert sum("off_topic" in c for c in own) / len(own) <= 0.08
    assert sum("off_topic" in c for c in swapped) / len(swapped) >= 0.6


def test_real_courtesy_only_replies_are_flagged_empty(unit):
    rows = [r for r in _real_rows(3000) if len(r["reply"]) < 20 and "收悉" in r["reply"]][:5]
    if not rows:
        pytest.skip("no courtesy-only reply in the file")
    for r in rows:
        assert "empty" in codes(check_reply(question(title=r["subject"], body=r["detail"]), r["reply"], unit)), r["reply"]
