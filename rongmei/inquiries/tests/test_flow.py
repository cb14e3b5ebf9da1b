"""The done-when path through the services: submit, forward, extension, reply, approve, publish, rate."""

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.models import AuditLog
from rongmei.inquiries import services
from rongmei.inquiries.models import Extension, Inquiry, Rating, State
from rongmei.testing.inquiries import ask

pytestmark = pytest.mark.django_db


def test_a_question_goes_from_submission_to_closed(citizen, unit, unit_staff, editor, chief, django_capture_on_commit_callbacks):
    inquiry = ask(citizen)
    assert inquiry.state == State.SUBMITTED
    assert inquiry.receipt.startswith("WZ")
    assert "13912345678" not in inquiry.public_body and "13912345678" in inquiry.body
    assert "route" in inquiry.suggestions

    with django_capture_on_commit_callbacks(execute=True):
        services.forward(actor=editor, inquiry=inquiry, unit=unit)
    inquiry.refresh_from_db()
    assert inquiry.state == State.FORWARDED and inquiry.deadline is not None

    services.accept(actor=unit_staff, inquiry=inquiry)
    before = Inquiry.objects.get(pk=inquiry.pk).deadline
    extension = services.request_extension(actor=unit_staff, inquiry=inquiry, days=3, reason="需要现场勘察和协调施工单位")
    services.decide_extension(actor=editor, extension=extension, grant=True)
    inquiry.refresh_from_db()
    assert inquiry.deadline > before and inquiry.extended_days == 3
    assert Extension.objects.get(pk=extension.pk).status == Extension.Status.GRANTED

    reply = services.submit_reply(
        actor=unit_staff,
        inquiry=inquiry,
        body="经现场核查，幸福路小区南门下水道因施工堵塞，已安排市政养护队疏通，污水问题已解决，并将定期巡查。",
    )
    services.approve_reply(actor=editor, reply=reply)
    services.publish(actor=chief, inquiry=inquiry)
    services.rate(fan=citizen, inquiry=inquiry, rating=Rating.SATISFIED)
    inquiry.refresh_from_db()
    assert inquiry.state == State.CLOSED
    states = list(AuditLog.objects.filter(subject_type="inquiries.inquiry", subject_id=str(inquiry.pk)).values_list("to_state", flat=True))
    assert states[0] == State.SUBMITTED and states[-1] == State.CLOSED
    assert State.PUBLISHED in states


def test_overdue_question_is_escalated_once(citizen, unit, editor):
    inquiry = ask(citizen)
    services.forward(actor=editor, inquiry=inquiry, unit=unit)
    inquiry.refresh_from_db()
    late = inquiry.deadline + dt.timedelta(hours=1)
    assert services.sweep(now=late)["escalated"] == 1
    assert services.sweep(now=late)["escalated"] == 0
    inquiry.refresh_from_db()
    assert inquiry.escalated_at is not None
    assert inquiry.is_overdue(now=late)
    assert timezone.now() < late


def test_sensitive_words_flag_a_question_for_a_person_and_it_can_still_be_routed(citizen, unit, editor):
    from rongmei.core import safety
    from rongmei.core.models import SensitiveWord, WordCategory

    category = WordCategory.objects.create(name="民生敏感", severity=WordCategory.Severity.BLOCK)
    SensitiveWord.objects.create(category=category, word="拆迁")
    safety.lists_changed()
    inquiry = ask(
        citizen, title="王店镇拆迁补偿款迟迟不到位", body="我家去年签了拆迁协议，补偿款到现在还没有发，找了镇里好几次都说在走程序。"
    )
    assert inquiry.flagged and inquiry.safety_hits[0]["word"] == "拆迁"
    services.forward(actor=editor, inquiry=inquiry, unit=unit)
    assert Inquiry.objects.get(pk=inquiry.pk).state == State.FORWARDED


def test_advertising_is_marked_likely_spam_but_kept(citizen, other_citizen):
    spam = ask(citizen, title="专业代办各类证件加微信联系", body="专业代办贷款、发票，加微信 abc123 详谈，www.example.com 价格优惠。")
    plain = ask(other_citizen)
    assert spam.spam_score >= 0.5 and spam.suggestions["spam_reasons"]
    assert plain.spam_score < 0.5
    assert Inquiry.objects.filter(pk=spam.pk, state=State.SUBMITTED).exists()


def test_a_paraphrased_duplicate_is_suggested_for_merging(citizen, other_citizen):
    first = ask(citizen)
    second = ask(
        other_citizen,
        title="幸福路小区门口污水横流没人管",
        body="幸福路小区南门下水道堵了一个多月，污水流到路上，住户出门很不方便，请有关部门尽快处理一下。",
    )
    assert [s["receipt"] for s in second.suggestions["similar"]] == [first.receipt]


def test_the_classifier_is_retrained_with_the_desks_routing(citizen, county, editor, settings, tmp_path, no_submission_limits):
    from rongmei.inquiries import classify
    from rongmei.inquiries.models import Category

    settings.VAR_DIR = tmp_path
    routed = [
        ("城乡建设", "幸福路小区门口污水横流无人管", "小区南门下水道堵了一个多月，污水流到路上。"),
        ("城乡建设", "建设路路灯坏了半年没人修", "建设路北段的路灯坏了半年，晚上一片漆黑，行人不安全。"),
        ("教育文体", "春水镇中心小学课后服务收费咨询", "孩子在春水镇中心小学上学，想问课后服务怎么收费。"),
        ("教育文体", "王店镇中学食堂饭菜质量差", "王店镇中学食堂的饭菜又贵又差，学生经常吃不饱。"),
    ]
    for name, title, body in routed:
        category = Category.objects.get(name=name)
        inquiry = ask(citizen, title=title, body=body)
        services.forward(actor=editor, inquiry=inquiry, unit=county["units_by_category"][name], category=category)
    assert {(t, b, n) for n, t, b in routed} <= set(classify.desk_rows())
    path = classify.training_csv_path()
    bootstrap = len([r for r in classify.read_labeled_csv(path) if r[2]]) if path.exists() else 0
    model = classify.retrain()
    assert model is not None and model.n_rows >= bootstrap + len(routed)
    assert classify.current_model() is model
    assert (tmp_path / "models" / classify.ROUTED_FILENAME).exists()
