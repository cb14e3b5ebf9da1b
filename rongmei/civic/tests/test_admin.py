"""The operators' admin: link and phone validation, proposals' status page, letters' actions."""

import pytest
from django.urls import reverse

from rongmei.civic import services
from rongmei.civic.models import CouncilKind, CouncilLetter, CouncilMember, Proposal, ServiceItem
from rongmei.civic.tests.conftest import days_ago
from rongmei.core.models import AuditLog
from rongmei.fans.models import FanNotification

pytestmark = pytest.mark.django_db


def item_form(category, **changes):
    data = {
        "name": "结婚登记",
        "category": category.pk,
        "unit": "县民政局婚姻登记处",
        "keywords": "",
        "materials": "双方身份证\n\n  双方户口簿  \n",
        "address": "",
        "phone": "0396-7925200",
        "hours": "",
        "time_limit": "即时办结",
        "fee": "",
        "link": "https://www.hnzwfw.gov.cn/",
        "notes": "",
        "active": "on",
        "sort_order": 0,
    }
    return {**data, **changes}


def test_an_operator_adds_an_item_and_it_is_audited(admin_client, households, operator):
    response = admin_client.post(reverse("admin:civic_serviceitem_add"), item_form(households))
    assert response.status_code == 302
    item = ServiceItem.objects.get()
    assert item.materials == "双方身份证\n双方户口簿"  # blank lines and edges trimmed
    assert AuditLog.objects.get(action="civic.service.create").actor == operator


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://files.example.cn/a", "www.hnzwfw.gov.cn", "data:text/html,hi", "http://"])
def test_a_bad_link_is_refused_with_a_clear_message(admin_client, households, link):
    response = admin_client.post(reverse("admin:civic_serviceitem_add"), item_form(households, link=link))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "starts with http:// or https://" in errors["link"][0]
    assert not ServiceItem.objects.exists()


def test_a_bad_phone_or_too_many_materials_are_refused(admin_client, households):
    response = admin_client.post(reverse("admin:civic_serviceitem_add"), item_form(households, phone="找王主任"))
    assert "Enter telephone numbers only" in response.context["adminform"].form.errors["phone"][0]
    response = admin_client.post(
        reverse("admin:civic_serviceitem_add"), item_form(households, materials="\n".join(str(i) for i in range(51)))
    )
    assert "At most 50 materials" in response.context["adminform"].form.errors["materials"][0]
    response = admin_client.post(reverse("admin:civic_serviceitem_add"), item_form(households, materials="材" * 201))
    assert "Line 1 is longer than 200" in response.context["adminform"].form.errors["materials"][0]


def test_the_same_name_twice_in_a_category_is_refused(admin_client, id_card, households):
    response = admin_client.post(reverse("admin:civic_serviceitem_add"), item_form(households, name=id_card.name))
    assert response.status_code == 200 and ServiceItem.objects.count() == 1


def test_the_item_list_searches_and_filters(admin_client, id_card):
    response = admin_client.get(reverse("admin:civic_serviceitem_changelist"), {"q": "户口簿"})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == [id_card]
    response = admin_client.get(reverse("admin:civic_serviceitem_changelist"), {"active__exact": "0"})
    assert list(response.context["cl"].result_list) == []


def test_hide_action(admin_client, id_card):
    admin_client.post(reverse("admin:civic_serviceitem_changelist"), {"action": "hide", "_selected_action": [id_card.pk]})
    id_card.refresh_from_db()
    assert id_card.active is False and AuditLog.objects.filter(action="civic.service.update").count() == 1


def test_newsroom_staff_other_than_operators_cannot_open_the_civic_admin(client, reporter, id_card):
    reporter.is_staff = True
    reporter.save()
    client.force_login(reporter)
    assert client.get(reverse("admin:civic_serviceitem_changelist")).status_code == 403
    assert client.get(reverse("admin:civic_proposal_status", args=[1])).status_code == 403


def test_a_member_with_the_wrong_kind_of_group_is_refused(admin_client):
    data = {
        "kind": "renda",
        "name": "某某",
        "title": "",
        "constituency": "",
        "sector": "经济界",
        "delegation": "",
        "term": "",
        "bio": "",
        "sort_order": 0,
    }
    response = admin_client.post(reverse("admin:civic_councilmember_add"), {**data, "active": "on", "accepts_letters": "on"})
    assert "not a sector" in response.context["adminform"].form.errors["sector"][0]
    assert not CouncilMember.objects.exists()


def proposal_form(lead, **changes):
    data = {
        "kind": "renda",
        "number": "建议第1号",
        "title": "关于某事的建议",
        "session": "十六届三次会议",
        "year": 2026,
        "submitted_on": days_ago(3).isoformat(),
        "lead": lead.pk if lead else "",
        "co_signers": [],
        "proposer": "",
        "handling_unit": "",
        "summary": "内容",
        "published": "on",
    }
    return {**data, **changes}


def test_registering_a_proposal_in_the_admin_goes_through_the_service(admin_client, deputy, member):
    other = CouncilMember.objects.create(kind=CouncilKind.RENDA, name="张志刚")
    response = admin_client.post(reverse("admin:civic_proposal_add"), proposal_form(deputy, co_signers=[other.pk, deputy.pk]))
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.status == "submitted" and list(proposal.co_signers.all()) == [other]  # not the lead again
    assert proposal.events.count() == 1
    refused = admin_client.post(reverse("admin:civic_proposal_add"), proposal_form(deputy, number="建议第2号", co_signers=[member.pk]))
    assert "other council" in refused.context["adminform"].form.errors["co_signers"][0]
    nobody = admin_client.post(reverse("admin:civic_proposal_add"), proposal_form(None, number="建议第3号"))
    assert "proposing group" in nobody.context["adminform"].form.errors["lead"][0]


def test_the_status_page_moves_a_proposal_and_shows_refusals(admin_client, suggestion):
    url = reverse("admin:civic_proposal_status", args=[suggestion.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert [c[0] for c in page.context["form"].fields["to"].choices] == ["", "accepted", "not_accepted"]
    refused = admin_client.post(url, {"to": "not_accepted", "on": days_ago(1).isoformat(), "note": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors["note"][0]
    moved = admin_client.post(url, {"to": "accepted", "on": days_ago(1).isoformat(), "handling_unit": "县住建局"})
    assert moved.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.handling_unit == "县住建局"
    bad = admin_client.post(url, {"to": "closed"})
    assert bad.status_code == 200 and bad.context["form"].errors["to"]  # not a step from accepted
    empty = admin_client.post(url, {})
    assert empty.status_code == 200 and empty.context["form"].non_field_errors()


def test_bulk_actions_report_each_refusal(admin_client, suggestion):
    changelist = reverse("admin:civic_proposal_changelist")
    response = admin_client.post(changelist, {"action": "close", "_selected_action": [suggestion.pk]}, follow=True)
    assert "cannot become" in response.content.decode()
    admin_client.post(changelist, {"action": "accept", "_selected_action": [suggestion.pk]})
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"


def test_staff_reply_to_a_letter_and_the_writer_is_notified(admin_client, fan, deputy):
    letter = services.submit_letter(
        fan=fan,
        member_id=deputy.pk,
        title="小区门口路灯坏了",
        body="幸福社区东门的路灯已经坏了两个月。",
        location="泌水街道",
        is_public=True,
        ip=None,
    )
    changelist = reverse("admin:civic_councilletter_changelist")
    assert letter.receipt in admin_client.get(changelist, {"q": "路灯"}).content.decode()
    admin_client.post(changelist, {"action": "forward", "_selected_action": [letter.pk]})
    letter.refresh_from_db()
    assert letter.status == "forwarded"
    url = reverse("admin:civic_councilletter_reply", args=[letter.pk])
    assert "幸福社区东门" in admin_client.get(url).content.decode()
    assert admin_client.post(url, {"reply": ""}).context["form"].errors["reply"]
    assert admin_client.post(url, {"reply": "已联系街道办，本周内修复。"}).status_code == 302
    letter.refresh_from_db()
    assert letter.status == "replied" and FanNotification.objects.get(fan=fan).kind == "letter.replied"
    again = admin_client.post(url, {"reply": "再答复一次"})
    assert again.status_code == 200 and "cannot become" in again.content.decode()


def test_a_flagged_letter_shows_its_words_and_staff_may_hide_it(admin_client, fan, deputy):
    letter = services.submit_letter(
        fan=fan,
        member_id=deputy.pk,
        title="小区门口路灯坏了",
        body="幸福社区东门的路灯已经坏了两个月。",
        location="泌水街道",
        is_public=True,
        ip=None,
    )
    CouncilLetter.objects.filter(pk=letter.pk).update(flagged=True, safety_hits=[{"word": "代开发票", "severity": "block"}])
    change = reverse("admin:civic_councilletter_change", args=[letter.pk])
    assert "代开发票" in admin_client.get(change).content.decode()
    flagged = admin_client.get(reverse("admin:civic_councilletter_changelist"), {"flagged__exact": "1"})
    assert list(flagged.context["cl"].result_list) == [CouncilLetter.objects.get(pk=letter.pk)]
    admin_client.post(change, {"hidden": "on", "staff_note": "待核实"})
    letter.refresh_from_db()
    assert letter.hidden and letter.staff_note == "待核实" and letter.title == "小区门口路灯坏了"
    assert admin_client.get(reverse("admin:civic_councilletter_add")).status_code == 403
