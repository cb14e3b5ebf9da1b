"""The citizens' pages at /wenzheng/: who sees what, asking (input kept on errors), the receipt and
query code, the author's actions, 关注, the lookup by query code, my questions, overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.fans.auth import SESSION_KEY
from rongmei.inquiries import services
from rongmei.inquiries.models import Attachment, Follow, Inquiry, Kind, Message, Rating, State
from rongmei.inquiries.tests.public_flow import BODY, NO_LIMITS, REPLY, TITLE, answer, ask, photo, published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.RONGMEI_INQUIRIES = NO_LIMITS


def login(client, fan):
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()
    return client


@pytest.fixture
def answered(citizen, editor, unit, unit_staff):
    return published(citizen, desk=editor, unit=unit, staff=unit_staff)


def form(**extra):
    data = {"kind": Kind.COMPLAINT, "title": TITLE, "body": BODY, "location": "泌水街道", "visibility": "public"}
    data.update(extra)
    return data


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_answered_public_questions_only(client, answered, citizen, editor):
    waiting = ask(citizen, title="城关镇第二小学门口路灯坏了")
    private = ask(citizen, title="我家门口的排水沟堵了很久", is_public=False)
    hidden = ask(citizen, title="建设路上的井盖丢失很危险")
    services.hide(actor=editor, inquiry=hidden, hidden=True)
    page = client.get("/wenzheng/").content.decode()
    assert answered.public_title in page
    assert waiting.title not in page and private.title not in page and hidden.title not in page
    assert "13912345678" not in page
    assert reverse("wenzheng:ask") in page and "/wenzheng/overdue/" in page and "/wenzheng/stats/" in page


def test_search_finds_words_in_the_question_and_in_the_reply(client, answered):
    assert answered.public_title in client.get("/wenzheng/", {"q": "污水"}).content.decode()
    assert answered.public_title in client.get("/wenzheng/", {"q": "养护队"}).content.decode()  # only in the reply
    missing = client.get("/wenzheng/", {"q": "高铁站"}).content.decode()
    assert answered.public_title not in missing and 'id="wz-empty"' in missing
    assert client.get("/wenzheng/", {"q": "污\x00水"}).status_code == 200


def test_filters_by_type_town_unit_and_category(client, answered, unit, other_unit):
    def shown(**params):
        return answered.public_title in client.get("/wenzheng/", params).content.decode()

    assert shown(kind=Kind.COMPLAINT) and not shown(kind=Kind.CONSULT)
    assert shown(town="泌水") and not shown(town="官庄镇")
    assert shown(unit=unit.pk) and not shown(unit=other_unit.pk)
    assert shown(unit="x", kind="nonsense", category="-1", page="zz")  # bad filters are ignored, not errors
    Inquiry.objects.filter(pk=answered.pk).update(category=unit.categories.first())
    assert shown(category=unit.categories.first().pk) and not shown(category=other_unit.categories.first().pk)


def test_the_hot_tab_orders_by_followers(client, citizen, other_citizen, editor, unit, unit_staff):
    calm = published(citizen, desk=editor, unit=unit, staff=unit_staff, title="城关镇第二小学门口路灯坏了")
    busy = published(citizen, desk=editor, unit=unit, staff=unit_staff, title="建设路上的井盖丢失很危险")
    services.set_follow(fan=other_citizen, inquiry=calm, keep=True)
    Inquiry.objects.filter(pk=busy.pk).update(followers_count=5)
    hot = client.get("/wenzheng/", {"sort": "hot"}).content.decode()
    assert hot.index(busy.public_title) < hot.index(calm.public_title)
    latest = client.get("/wenzheng/").content.decode()
    assert latest.index(busy.public_title) < latest.index(calm.public_title)  # answered later
    Inquiry.objects.filter(pk=busy.pk).update(followers_count=0)
    hot = client.get("/wenzheng/", {"sort": "hot"}).content.decode()
    assert hot.index(calm.public_title) < hot.index(busy.public_title)


def test_the_list_page_takes_a_fixed_number_of_queries(client, citizen, editor, unit, unit_staff, django_assert_max_num_queries):
    for n in range(3):
        published(citizen, desk=editor, unit=unit, staff=unit_staff, title=f"城关镇第{n + 2}小学门口路灯坏了")
    with django_assert_max_num_queries(8):
        client.get("/wenzheng/", {"q": "路灯"})
    for n in range(5):
        published(citizen, desk=editor, unit=unit, staff=unit_staff, title=f"官庄镇第{n + 2}村的道路坑洼不平")
    with django_assert_max_num_queries(8):
        assert client.get("/wenzheng/").status_code == 200


# --- asking ---------------------------------------------------------------------------------------


def test_asking_needs_a_login_with_the_phone(client):
    response = client.get("/wenzheng/ask/")
    assert response.status_code == 302 and response["Location"].startswith("/me/login/?next=%2Fwenzheng%2Fask%2F")


def test_a_question_is_sent_with_a_photo_and_the_receipt_shows_the_query_code(client, citizen, unit):
    login(client, citizen)
    response = client.post("/wenzheng/ask/", {**form(unit=unit.pk, visibility="private"), "files": [photo("a.jpg"), photo("b.jpg")]})
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/wenzheng/sent/{inquiry.receipt}/"
    assert inquiry.fan == citizen and inquiry.is_public is False and inquiry.asked_unit == unit and inquiry.kind == Kind.COMPLAINT
    assert inquiry.attachments.filter(side=Attachment.Side.CITIZEN).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert inquiry.receipt in page and inquiry.query_code in page and 'id="wz-private-note"' in page


def test_a_too_short_title_is_shown_at_its_field_with_everything_kept(client, citizen):
    login(client, citizen)
    response = client.post("/wenzheng/ask/", {**form(title="路灯坏了", location="官庄镇王庄村"), "files": [photo()]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The title needs at least 10 characters (now 4)." in page
    assert 'value="路灯坏了"' in page and 'value="官庄镇王庄村"' in page and BODY in page
    assert 'id="wz-files-lost"' in page  # the browser will not send the photo again: say so
    assert not Inquiry.objects.exists()


def test_a_file_that_is_not_a_photo_or_video_is_refused_by_name(client, citizen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, citizen)
    bad = SimpleUploadedFile("notes.exe", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    response = client.post("/wenzheng/ask/", {**form(), "files": [bad]})
    assert response.status_code == 400 and "notes.exe is not a file we can take" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_a_bad_type_or_unit_is_an_error_at_the_field(client, citizen, unit):
    login(client, citizen)
    assert client.post("/wenzheng/ask/", form(kind="rant")).status_code == 400
    unit.active = False
    unit.save()
    response = client.post("/wenzheng/ask/", form(unit=unit.pk))
    assert response.status_code == 400 and not Inquiry.objects.exists()


def test_a_second_question_at_once_is_throttled_with_a_clear_message(client, citizen, settings):
    settings.RONGMEI_INQUIRIES = {}
    login(client, citizen)
    assert client.post("/wenzheng/ask/", form()).status_code == 302
    response = client.post("/wenzheng/ask/", form(title="城关镇第二小学门口路灯坏了"))
    assert response.status_code == 429
    assert "You sent a question just now. Try again in" in response.content.decode()
    assert 'value="城关镇第二小学门口路灯坏了"' in response.content.decode()


def test_the_receipt_page_is_for_the_author_only(client, citizen, other_citizen):
    inquiry = ask(citizen)
    login(client, other_citizen)
    assert client.get(f"/wenzheng/sent/{inquiry.receipt}/").status_code == 404


# --- who sees what --------------------------------------------------------------------------------


def test_the_public_reads_the_masked_question_and_the_published_reply(client, answered):
    page = client.get(answered.get_absolute_url()).content.decode()
    assert answered.public_title in page and answered.public_body in page
    assert "13912345678" not in page and answered.query_code not in page
    assert REPLY in page and 'id="wz-timeline"' in page
    assert 'id="wz-rate"' not in page and 'id="wz-state"' not in page


def test_unanswered_private_or_hidden_questions_are_not_found_by_others(client, citizen, other_citizen, answered, editor):
    waiting = ask(citizen, title="城关镇第二小学门口路灯坏了")
    assert client.get(waiting.get_absolute_url()).status_code == 404
    login(client, other_citizen)
    assert client.get(waiting.get_absolute_url()).status_code == 404
    services.hide(actor=editor, inquiry=answered, hidden=True)
    assert client.get(answered.get_absolute_url()).status_code == 404
    assert client.get("/wenzheng/q/WZ00000000-0000/").status_code == 404


def test_the_author_sees_their_own_question_in_any_state_with_its_code(client, citizen):
    inquiry = ask(citizen)
    login(client, citizen)
    page = client.get(inquiry.get_absolute_url()).content.decode()
    assert BODY in page and inquiry.query_code in page and 'id="wz-state"' in page


def test_a_rejected_question_stays_visible_to_its_author_with_the_reason(client, citizen, editor):
    inquiry = ask(citizen)
    services.reject(actor=editor, inquiry=inquiry, reason="反映的问题属于司法程序，请向法院咨询")
    assert client.get(inquiry.get_absolute_url()).status_code == 404
    login(client, citizen)
    page = client.get(inquiry.get_absolute_url()).content.decode()
    assert 'id="wz-rejected"' in page and "反映的问题属于司法程序，请向法院咨询" in page
    assert "Not accepted" in client.get("/wenzheng/mine/").content.decode()


def test_a_merged_question_links_to_the_question_it_joined(client, citizen, other_citizen, editor, unit, unit_staff):
    first = ask(other_citizen, title="城关镇第二小学门口路灯坏了")
    second = ask(citizen)
    services.merge(actor=editor, inquiry=second, into=first)
    login(client, citizen)
    page = client.get(second.get_absolute_url()).content.decode()
    assert 'id="wz-merged"' in page and first.receipt in page and first.get_absolute_url() not in page
    answer(first, desk=editor, unit=unit, staff=unit_staff)
    assert first.get_absolute_url() in client.get(second.get_absolute_url()).content.decode()


def test_the_author_gives_the_information_asked_for(client, citizen, editor):
    inquiry = ask(citizen)
    services.ask_for_info(actor=editor, inquiry=inquiry, question="请说明具体是哪一栋楼附近")
    login(client, citizen)
    page = client.get(inquiry.get_absolute_url()).content.decode()
    assert "请说明具体是哪一栋楼附近" in page and 'id="wz-info-form"' in page
    response = client.post(inquiry.get_absolute_url(), {"action": "info", "text": "短"})
    assert response.status_code == 400 and 'id="wz-error-info"' in response.content.decode()
    assert ">短</textarea>" in response.content.decode()
    response = client.post(inquiry.get_absolute_url(), {"action": "info", "text": "在幸福路小区3号楼和5号楼之间", "files": [photo()]})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.state == State.SCREENING and inquiry.attachments.count() == 1


# --- the author's actions ---------------------------------------------------------------------------


def test_unsatisfied_needs_a_reason_then_the_author_reopens_once(client, citizen, answered):
    login(client, citizen)
    url = answered.get_absolute_url()
    assert 'id="wz-rate-form"' in client.get(url).content.decode()
    response = client.post(url, {"action": "rate", "rating": Rating.UNSATISFIED, "reason": ""})
    assert response.status_code == 400 and "Tell us why you are not satisfied." in response.content.decode()
    assert client.post(url, {"action": "rate", "rating": Rating.UNSATISFIED, "reason": "污水还在流"}).status_code == 302
    answered.refresh_from_db()
    assert answered.state == State.RATED and answered.rating_reason == "污水还在流"
    page = client.get(url).content.decode()
    assert 'id="wz-reopen-form"' in page and 'id="wz-rate-form"' not in page
    assert client.post(url, {"action": "reopen", "reason": "路面上还有污水"}).status_code == 302
    answered.refresh_from_db()
    assert answered.state == State.ACCEPTED and answered.reopened == 1
    assert 'id="wz-reopen-form"' not in client.get(url).content.decode()


def test_a_satisfied_rating_closes_the_question(client, citizen, answered):
    login(client, citizen)
    assert client.post(answered.get_absolute_url(), {"action": "rate", "rating": Rating.SATISFIED}).status_code == 302
    answered.refresh_from_db()
    assert answered.state == State.CLOSED and answered.rating == Rating.SATISFIED
    assert "Satisfied" in client.get(answered.get_absolute_url()).content.decode()


def test_only_the_author_rates(client, other_citizen, answered):
    login(client, other_citizen)
    response = client.post(answered.get_absolute_url(), {"action": "rate", "rating": Rating.SATISFIED})
    assert response.status_code == 403
    answered.refresh_from_db()
    assert answered.state == State.PUBLISHED


def test_a_follow_up_question_and_its_answer_are_public(client, citizen, answered, unit_staff):
    login(client, citizen)
    url = answered.get_absolute_url()
    assert client.post(url, {"action": "follow_up", "text": "疏通后多久巡查一次？电话13912345678"}).status_code == 302
    message = Message.objects.get(kind=Message.Kind.FOLLOW_UP)
    services.answer_follow_up(actor=unit_staff, message=message, text="每周巡查一次。")
    client.logout()
    page = client.get(url).content.decode()
    assert "疏通后多久巡查一次" in page and "每周巡查一次。" in page and "13912345678" not in page


def test_anyone_logged_in_follows_and_unfollows(client, other_citizen, answered):
    url = answered.get_absolute_url()
    assert 'id="wz-follow-login"' in client.get(url).content.decode()
    assert client.post(url, {"action": "follow"})["Location"].startswith("/me/login/")
    login(client, other_citizen)
    assert client.post(url, {"action": "follow"}).status_code == 302
    assert Follow.objects.filter(fan=other_citizen, inquiry=answered).exists()
    assert Inquiry.objects.get(pk=answered.pk).followers_count == 1
    assert client.post(url, {"action": "unfollow"}).status_code == 302
    assert Inquiry.objects.get(pk=answered.pk).followers_count == 0


# --- files ----------------------------------------------------------------------------------------


def test_the_askers_photos_are_for_the_author_only(client, citizen, other_citizen, editor, unit, unit_staff):
    inquiry = ask(citizen, uploads=[photo()])
    answer(inquiry, desk=editor, unit=unit, staff=unit_staff)
    attachment = inquiry.attachments.get()
    url = reverse("wenzheng:attachment", args=[inquiry.receipt, attachment.pk])
    assert client.get(url).status_code == 404
    assert url not in client.get(inquiry.get_absolute_url()).content.decode()
    login(client, citizen)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert url in client.get(inquiry.get_absolute_url()).content.decode()


# --- lookup and my questions -------------------------------------------------------------------------


def test_a_private_question_is_found_only_with_its_query_code(client, citizen):
    inquiry = ask(citizen, is_public=False)
    assert client.get(inquiry.get_absolute_url()).status_code == 404
    response = client.post("/wenzheng/lookup/", {"receipt": inquiry.receipt, "code": "WRONGCODE"})
    assert response.status_code == 404 and f'value="{inquiry.receipt}"' in response.content.decode()
    assert client.post("/wenzheng/lookup/", {"receipt": inquiry.receipt, "code": ""}).status_code == 400
    assert client.post("/wenzheng/lookup/", {"receipt": "", "code": inquiry.query_code}).status_code == 400
    response = client.post("/wenzheng/lookup/", {"receipt": inquiry.receipt.lower(), "code": inquiry.query_code.lower()})
    assert response.status_code == 302 and response["Location"] == inquiry.get_absolute_url()
    page = client.get(inquiry.get_absolute_url()).content.decode()
    assert BODY in page and 'id="wz-state"' in page
    assert 'id="wz-follow-up-form"' not in page and inquiry.query_code not in page  # read-only: not logged in as the author


def test_wrong_query_codes_are_limited_per_address(client, citizen):
    inquiry = ask(citizen)
    for _n in range(10):
        assert client.post("/wenzheng/lookup/", {"receipt": inquiry.receipt, "code": "AAAAAAAA"}).status_code == 404
    response = client.post("/wenzheng/lookup/", {"receipt": inquiry.receipt, "code": inquiry.query_code})
    assert response.status_code == 429 and "Too many wrong receipt numbers or query codes" in response.content.decode()


def test_my_questions_lists_every_state(client, citizen, other_citizen, editor, django_assert_max_num_queries):
    mine = [ask(citizen), ask(citizen, title="城关镇第二小学门口路灯坏了")]
    services.reject(actor=editor, inquiry=mine[1], reason="重复提交，请查看之前的问题")
    theirs = ask(other_citizen, title="建设路上的井盖丢失很危险")
    assert client.get("/wenzheng/mine/").status_code == 302
    login(client, citizen)
    with django_assert_max_num_queries(7):
        page = client.get("/wenzheng/mine/").content.decode()
    assert all(q.receipt in page for q in mine) and theirs.receipt not in page
    assert "Awaiting screening" in page and "Not accepted" in page
    for n in range(3):
        ask(citizen, title=f"官庄镇第{n + 2}村的道路坑洼不平")
    with django_assert_max_num_queries(7):
        client.get("/wenzheng/mine/")


# --- overdue --------------------------------------------------------------------------------------


def test_the_overdue_list_shows_escalated_public_questions_with_unit_and_due_date(client, citizen, editor, unit):
    late = ask(citizen)
    private = ask(citizen, title="城关镇第二小学门口路灯坏了", is_public=False)
    for inquiry in (late, private):
        services.forward(actor=editor, inquiry=inquiry, unit=unit)
        inquiry.refresh_from_db()
        services.escalate(inquiry=inquiry, now=inquiry.deadline + dt.timedelta(hours=1))
    late.refresh_from_db()
    page = client.get("/wenzheng/overdue/").content.decode()
    assert late.public_title in page and unit.name in page and late.deadline.astimezone().strftime("%Y-%m") in page
    assert private.title not in page


def test_an_action_no_longer_offered_says_why_at_the_top(client, citizen, answered):
    login(client, citizen)
    url = answered.get_absolute_url()
    assert client.post(url, {"action": "rate", "rating": Rating.SATISFIED}).status_code == 302
    response = client.post(url, {"action": "rate", "rating": Rating.SATISFIED})
    assert response.status_code == 409 and 'id="wz-error"' in response.content.decode()


def test_the_same_question_sent_again_gets_the_first_ones_receipt_and_is_stored_once(client, citizen, unit, settings):
    """A web process that dies after saving loses the answer; the limit that would catch the
    retry lives in Redis, which may be away (here: no limits at all): the database recognises
    the same words."""
    settings.RONGMEI_INQUIRIES = {**NO_LIMITS, "RESEND_SECONDS": 600}
    login(client, citizen)
    first = client.post("/wenzheng/ask/", form(unit=unit.pk))
    again = client.post("/wenzheng/ask/", form(unit=unit.pk))
    inquiry = Inquiry.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/wenzheng/sent/{inquiry.receipt}/"
    other = client.post("/wenzheng/ask/", form(unit=unit.pk, body=BODY + "另外，旁边的井盖也松了。"))
    assert other.status_code == 302 and Inquiry.objects.count() == 2


def test_the_same_words_later_are_a_new_question(citizen, settings):
    settings.RONGMEI_INQUIRIES = {**NO_LIMITS, "RESEND_SECONDS": 600}
    earlier = ask(citizen, now=timezone.now() - dt.timedelta(seconds=660))
    later = ask(citizen)
    assert later.pk != earlier.pk and Inquiry.objects.count() == 2
