"""The units portal at /units/: who may open it, the inbox in tabs, and the unit's actions through
the question's page (accept, return, extension, reply with attachments, follow-up answers)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from rongmei.core.models import Notification
from rongmei.inquiries import services
from rongmei.inquiries.models import Attachment, Extension, Inquiry, Message, Rating, Reply, State
from rongmei.testing.inquiries import ask

pytestmark = pytest.mark.django_db

INBOX = reverse("units:inbox")
GOOD_REPLY = "经现场核查，幸福路小区南门下水道因施工堵塞导致污水外溢，已安排市政养护队疏通，污水问题已解决，并将定期巡查。"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _no_throttle(no_submission_limits):
    pass


def forwarded(citizen, editor, unit, *, co_units=(), **extra):
    inquiry = ask(citizen, **extra)
    services.forward(actor=editor, inquiry=inquiry, unit=unit, co_units=co_units)
    return Inquiry.objects.get(pk=inquiry.pk)


def url(inquiry):
    return reverse("units:detail", args=[inquiry.pk])


def post(client, inquiry, action, files=None, **data):
    return client.post(url(inquiry), {"action": action, **data, **(files or {})})


def state_of(inquiry):
    return Inquiry.objects.get(pk=inquiry.pk).state


# --- who may -------------------------------------------------------------------------------------


def test_unit_staff_lands_on_the_inbox_after_login(client, unit_staff):
    from rongmei.testing.personas import PASSWORD

    response = client.post(reverse("accounts:login"), {"username": unit_staff.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == INBOX
    assert client.get(INBOX).status_code == 200


def test_staff_of_another_unit_cannot_open_the_question(client, citizen, editor, unit, other_unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    client.force_login(other_unit_staff)
    assert client.get(INBOX).status_code == 200
    assert inquiry.receipt not in client.get(INBOX).content.decode()
    assert client.get(url(inquiry)).status_code == 404
    assert post(client, inquiry, "accept").status_code == 404
    assert state_of(inquiry) == State.FORWARDED


def test_desk_staff_are_sent_to_the_desk(client, editor, citizen, unit):
    inquiry = forwarded(citizen, editor, unit)
    client.force_login(editor)
    response = client.get(INBOX)
    assert response.status_code == 302 and response["Location"] == reverse("desk:queue")
    response = client.get(url(inquiry))
    assert response.status_code == 302 and response["Location"] == reverse("desk:detail", args=[inquiry.pk])


def test_reporters_may_not_and_the_anonymous_log_in_first(client, reporter, citizen, editor, unit):
    from rongmei.fans.auth import SESSION_KEY

    inquiry = forwarded(citizen, editor, unit)
    response = client.get(url(inquiry))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    session = client.session
    session[SESSION_KEY] = citizen.pk  # an app user is no unit staff
    session.save()
    assert client.get(INBOX).status_code == 302
    client.force_login(reporter)
    assert client.get(INBOX).status_code == 403
    assert post(client, inquiry, "accept").status_code == 403
    assert state_of(inquiry) == State.FORWARDED


def test_unit_staff_without_a_unit_is_told_so(client, county):
    from rongmei.accounts.models import Role
    from rongmei.testing.personas import make_user

    client.force_login(make_user("nobody", "无单位", Role.UNIT_STAFF))
    response = client.get(INBOX)
    assert response.status_code == 403 and "belongs to no unit" in response.content.decode()


# --- the inbox -----------------------------------------------------------------------------------


def test_the_inbox_sorts_questions_into_tabs_with_countdown_and_co_units_marked(
    client, citizen, editor, unit, other_unit, unit_staff, other_unit_staff
):
    new = forwarded(citizen, editor, unit, co_units=[other_unit])
    handling = forwarded(
        citizen,
        editor,
        unit,
        title="老旧小区改造工程进度太慢了",
        body="城关镇老旧小区改造工程开工半年了，进度很慢，道路挖开后一直没有恢复。",
    )
    services.accept(actor=unit_staff, inquiry=handling)
    sent_back = forwarded(
        citizen, editor, unit, title="小区下水道堵塞污水外溢问题", body="幸福路小区下水道堵塞，污水外溢到路面，请尽快疏通。"
    )
    reply = services.submit_reply(actor=unit_staff, inquiry=sent_back, body=GOOD_REPLY)
    services.send_back_reply(actor=editor, reply=reply, note="请写明疏通完成的时间")
    replied = forwarded(
        citizen, editor, unit, title="路边违章建筑影响通行安全", body="人民路与花园路交叉口有违章建筑占用人行道，影响通行安全，请依法处理。"
    )
    services.submit_reply(
        actor=unit_staff, inquiry=replied, body="经核查，人民路与花园路交叉口的违章建筑已于本周拆除，人行道已恢复通行，感谢监督。"
    )
    done = forwarded(
        citizen, editor, unit, title="小区电梯长期故障无人维修", body="阳光小区三号楼电梯长期故障，老人上下楼很困难，物业一直不修。"
    )
    r = services.submit_reply(
        actor=unit_staff, inquiry=done, body="经核查，阳光小区三号楼电梯已由维保单位更换主板，现已恢复运行，我局将督促物业加强维护。"
    )
    services.approve_reply(actor=editor, reply=r)
    services.publish(actor=editor, inquiry=done)
    services.rate(fan=citizen, inquiry=done, rating=Rating.SATISFIED)
    late = ask(citizen, title="农贸市场周边占道经营严重", body="城关镇农贸市场周边占道经营严重，车辆无法通行，请城管部门整治。")
    services.forward(actor=editor, inquiry=late, unit=unit, now=timezone.now() - dt.timedelta(days=40))
    client.force_login(unit_staff)

    def receipts(tab):
        page = client.get(INBOX, {"tab": tab}).content.decode()
        return {q.receipt for q in (new, handling, sent_back, replied, done, late) if q.receipt in page}

    assert receipts("new") == {new.receipt, late.receipt}
    assert receipts("handling") == {handling.receipt}
    assert receipts("sent_back") == {sent_back.receipt}
    assert receipts("replied") == {replied.receipt}
    assert receipts("done") == {done.receipt}
    assert receipts("overdue") == {late.receipt}
    page = client.get(INBOX, {"tab": "new"}).content.decode()
    row = page.split(f'data-testid="row-{new.pk}"')[1].split("</tr>")[0]
    assert "working days left" in row
    row = page.split(f'data-testid="row-{late.pk}"')[1].split("</tr>")[0]
    assert "Overdue" in row
    # The co-unit sees the question, marked 协办, and may only read it.
    client.force_login(other_unit_staff)
    page = client.get(INBOX, {"tab": "new"}).content.decode()
    assert new.receipt in page and "co-unit" in page
    detail = client.get(url(new)).content.decode()
    assert "13912345678" in detail  # units read the original
    assert 'data-testid="accept"' not in detail
    assert post(client, new, "accept").status_code == 403
    assert state_of(new) == State.FORWARDED


def test_the_inbox_shows_unread_notices_and_marks_them_read(client, citizen, editor, unit, unit_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = forwarded(citizen, editor, unit)
    client.force_login(unit_staff)
    page = client.get(INBOX).content.decode()
    notices = page.split('data-testid="notices"')[1].split("</section>")[0]
    assert inquiry.receipt in notices
    ids = list(Notification.objects.filter(recipient=unit_staff).values_list("pk", flat=True))
    assert client.post(INBOX, {"action": "read_notices", "ids": ids}).status_code == 302
    assert 'data-testid="notices"' not in client.get(INBOX).content.decode()


def test_the_inbox_keeps_its_query_count(client, citizen, editor, unit, unit_staff, django_assert_max_num_queries):
    forwarded(citizen, editor, unit)
    client.force_login(unit_staff)
    client.get(INBOX)
    with django_assert_max_num_queries(12):
        client.get(INBOX)
    for i in range(6):
        forwarded(
            citizen,
            editor,
            unit,
            title=f"第{i}号小区门口的垃圾长期无人清运",
            body=f"第{i}号小区门口的垃圾堆了很多天没有清运，气味很大，请处理。",
        )
    for tab in ("new", "handling", "replied", "sent_back", "done", "overdue"):
        with django_assert_max_num_queries(12):
            response = client.get(INBOX, {"tab": tab})
        assert response.status_code == 200
    assert client.get(INBOX).content.decode().count('data-testid="row-') == 7


# --- the question's page -------------------------------------------------------------------------------


def test_the_unit_reads_the_original_and_accepts(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    client.force_login(unit_staff)
    page = client.get(url(inquiry)).content.decode()
    assert "13912345678" in page.split('data-testid="question-body"')[1].split("</div>")[0]
    assert "Forwarded to" in page.split('data-testid="timeline"')[1]
    assert post(client, inquiry, "accept").status_code == 302
    assert state_of(inquiry) == State.ACCEPTED
    assert 'data-testid="accept"' not in client.get(url(inquiry)).content.decode()


def test_accept_twice_is_refused_in_chinese_on_the_page(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    services.accept(actor=unit_staff, inquiry=inquiry)
    client.force_login(unit_staff)
    response = post(client, inquiry, "accept")
    assert response.status_code == 409 and "cannot be done now" in response.content.decode()


def test_return_needs_a_reason_and_then_the_question_leaves_the_unit(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    client.force_login(unit_staff)
    response = post(client, inquiry, "return", **{"return-reason": ""})
    assert response.status_code == 400 and "Enter the reason." in response.content.decode()
    assert post(client, inquiry, "return", **{"return-reason": "此事属于教育局职责范围"}).status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.state == State.SCREENING and inquiry.returns == 1 and inquiry.lead_unit is None
    assert client.get(url(inquiry)).status_code == 404


def test_ask_for_an_extension_within_the_allowed_range(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)  # a complaint: 7 working days, so up to 8 more
    services.accept(actor=unit_staff, inquiry=inquiry)
    client.force_login(unit_staff)
    page = client.get(url(inquiry)).content.decode()
    assert "1 to 8 working days" in page
    response = post(client, inquiry, "extension", **{"extension-days": "20", "extension-reason": "需要协调多个部门联合勘察"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ask for 1 to 8 working days." in page and "需要协调多个部门联合勘察" in page
    assert post(client, inquiry, "extension", **{"extension-days": "3", "extension-reason": "需要协调多个部门联合勘察"}).status_code == 302
    extension = Extension.objects.get(inquiry=inquiry)
    assert (extension.status, extension.days) == (Extension.Status.PENDING, 3)
    page = client.get(url(inquiry)).content.decode()
    assert 'data-testid="extension-pending"' in page and 'data-testid="extension"' not in page


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_reply_with_a_pdf_and_a_photo_then_see_the_desks_flags(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    services.accept(actor=unit_staff, inquiry=inquiry)
    client.force_login(unit_staff)
    files = {
        "reply-files": [
            SimpleUploadedFile("核查报告.pdf", PDF, content_type="application/pdf"),
            SimpleUploadedFile("现场.png", _png(), content_type="image/png"),  # a real picture: it is decoded
        ]
    }
    response = post(client, inquiry, "reply", files=files, **{"reply-body": "您好，来信收悉，感谢您的关注，我们将尽快处理。"})
    assert response.status_code == 302
    reply = Reply.objects.get(inquiry=inquiry)
    assert sorted(a.name for a in reply.attachments.all()) == ["核查报告.pdf", "现场.png"]
    assert all(a.side == Attachment.Side.UNIT for a in reply.attachments.all())
    assert state_of(inquiry) == State.REPLIED
    page = client.get(url(inquiry)).content.decode()
    assert 'data-flag="empty"' in page  # the desk's check, shown back to the unit


def test_a_reply_with_a_bad_file_keeps_the_text(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    client.force_login(unit_staff)
    files = {"reply-files": [SimpleUploadedFile("病毒.exe", b"MZ\x90\x00" * 10, content_type="application/octet-stream")]}
    response = post(client, inquiry, "reply", files=files, **{"reply-body": GOOD_REPLY})
    assert response.status_code == 400
    page = response.content.decode()
    assert "病毒.exe is not a file we can take" in page and GOOD_REPLY in page and "Choose the files again" in page
    assert state_of(inquiry) == State.FORWARDED


def test_a_sent_back_reply_shows_the_desks_note(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body=GOOD_REPLY)
    services.send_back_reply(actor=editor, reply=reply, note="请写明疏通完成的时间")
    client.force_login(unit_staff)
    page = client.get(url(inquiry)).content.decode()
    assert "请写明疏通完成的时间" in page.split('data-testid="desk-notes"')[1]
    assert post(client, inquiry, "reply", **{"reply-body": GOOD_REPLY + "疏通已于本月十日完成。"}).status_code == 302
    assert state_of(inquiry) == State.REPLIED


def test_answer_a_follow_up_question(client, citizen, editor, unit, unit_staff):
    inquiry = forwarded(citizen, editor, unit)
    reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body=GOOD_REPLY)
    services.approve_reply(actor=editor, reply=reply)
    services.publish(actor=editor, inquiry=inquiry)
    message = services.follow_up(fan=citizen, inquiry=inquiry, text="请问以后会定期清理下水道吗？")
    client.force_login(unit_staff)
    page = client.get(url(inquiry)).content.decode()
    assert f'data-testid="follow-up-{message.pk}"' in page
    response = post(client, inquiry, "follow_up", **{"follow_up-message": message.pk, "follow_up-text": ""})
    assert response.status_code == 400
    assert post(client, inquiry, "follow_up", **{"follow_up-message": message.pk, "follow_up-text": "每季度清理一次。"}).status_code == 302
    assert Message.objects.get(pk=message.pk).answered
    assert Message.objects.filter(inquiry=inquiry, kind=Message.Kind.FOLLOW_UP_ANSWER, body="每季度清理一次。").exists()


def test_the_question_page_keeps_its_query_count(client, citizen, editor, unit, unit_staff, django_assert_max_num_queries):
    inquiry = forwarded(citizen, editor, unit)
    services.submit_reply(actor=unit_staff, inquiry=inquiry, body=GOOD_REPLY)
    client.force_login(unit_staff)
    client.get(url(inquiry))
    with django_assert_max_num_queries(20):
        assert client.get(url(inquiry)).status_code == 200
