"""The public pages: /services/ and /councils/, and writing a letter as a logged-in app user."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rongmei.civic import services
from rongmei.civic.demo import seed_demo
from rongmei.civic.models import CouncilKind, CouncilLetter, CouncilMember, Proposal, ServiceItem
from rongmei.portal.models import Column

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    Column.objects.create(name="政务服务", slug="services", kind=Column.Kind.SERVICES)
    seed_demo()


def text(response) -> str:
    return response.content.decode()


# --- 政务服务 -------------------------------------------------------------------------------------


def test_the_directory_lists_categories_with_their_items_and_the_nav(client, demo):
    response = client.get("/services/")
    assert response.status_code == 200
    page = text(response)
    for name in ("户籍办理", "社保医保", "不动产", "婚姻登记", "教育", "交通出行", "居民身份证补领（补办）", 'name="q"'):
        assert name in page
    assert 'href="/column/services/"' in page  # the public nav (portal columns)


@pytest.mark.parametrize("q", ["身份证补办", "补办身份证"])
def test_a_chinese_search_finds_the_id_card_item(client, demo, q):
    response = client.get("/services/", {"q": q})
    assert response.status_code == 200
    results = response.context["page"].object_list
    assert results[0].name == "居民身份证补领（补办）"
    assert 'id="civic-results"' in text(response) and f'value="{q}"' in text(response)


def test_a_search_without_results_says_so(client, demo):
    response = client.get("/services/", {"q": "火星移民"})
    assert response.status_code == 200 and "Nothing found" in text(response)


def test_a_category_shows_only_its_items_and_a_bad_one_is_no_error(client, demo):
    from rongmei.civic.models import ServiceCategory

    education = ServiceCategory.objects.get(name="教育")
    response = client.get("/services/", {"category": education.pk})
    assert [i.name for i in response.context["page"].object_list] == ["义务教育阶段新生入学报名", "家庭经济困难学生认定与资助申请"]
    for bad in ("999999", "abc", "-1"):
        response = client.get("/services/", {"category": bad})
        assert response.status_code == 200 and "This category is not listed" in text(response)


def test_the_detail_page_has_a_checklist_tap_to_call_and_the_link_out(client, demo):
    item = ServiceItem.objects.get(name="社会保障卡挂失与补办")
    response = client.get(f"/services/{item.pk}/")
    assert response.status_code == 200
    page = text(response)
    assert page.count('type="checkbox"') == 2 and "居民身份证" in page
    assert 'href="tel:03967922345"' in page and 'href="tel:12333"' in page
    assert 'href="https://www.hnzwfw.gov.cn/" rel="noopener noreferrer external"' in page
    assert HALL_HOURS_PART in page
    assert "/static/js/civic.js" in page


HALL_HOURS_PART = "周一至周五"


def test_a_hidden_item_is_not_found(client, demo):
    item = ServiceItem.objects.get(name="离婚登记")
    item.active = False
    item.save()
    assert client.get(f"/services/{item.pk}/").status_code == 404
    assert client.get("/services/999999/").status_code == 404


def test_the_directory_needs_a_fixed_number_of_queries(client, demo, django_assert_num_queries):
    client.get("/services/")  # jieba and caches warm
    # columns for the nav, the categories with their counts, the items (or the ranked search)
    with django_assert_num_queries(3):
        assert client.get("/services/").status_code == 200
    with django_assert_num_queries(3):
        assert client.get("/services/", {"q": "身份证"}).status_code == 200


# --- councils -------------------------------------------------------------------------------------


def test_the_peoples_congress_page_shows_deputies_and_suggestions_with_badges(client, demo):
    response = client.get("/councils/renda/")
    assert response.status_code == 200
    page = text(response)
    assert "Smart People&#x27;s Congress" in page or "Smart People's Congress" in page
    assert "王秀兰" in page and "吴建华" not in page
    assert "关于加快城区老旧小区加装电梯的建议" in page
    assert 'class="badge civic-state-answered"' in page and 'class="badge civic-state-handling"' in page


def test_the_cppcc_page_and_its_filters(client, demo):
    response = client.get("/councils/zhengxie/", {"status": "not_accepted"})
    assert response.status_code == 200
    assert [p.title for p in response.context["page"].object_list] == ["关于在县城修建大型停车场的提案"]
    response = client.get("/councils/zhengxie/", {"session": "十一届三次会议", "status": "handling"})
    assert [p.title for p in response.context["page"].object_list] == ["关于加强乡镇卫生院中医药服务能力的提案"]
    # A value that is not a choice is ignored (the form shows it), never an error.
    response = client.get("/councils/zhengxie/", {"status": "bogus", "session": "x" * 500})
    assert response.status_code == 200 and len(response.context["page"].object_list) == 2
    assert client.get("/councils/other/").status_code == 404
    assert client.get("/councils/").status_code == 302


def test_the_council_page_needs_a_fixed_number_of_queries(client, demo, django_assert_num_queries):
    client.get("/councils/renda/")
    # sessions, members, their count, proposals and their count (with the leads), the nav's columns
    with django_assert_num_queries(6):
        assert client.get("/councils/renda/").status_code == 200


def test_the_members_page_lists_everyone_of_one_council(client, demo):
    response = client.get("/councils/zhengxie/members/")
    assert response.status_code == 200
    assert [m.name for m in response.context["page"].object_list] == ["周文静", "吴建华", "郑国强", "冯晓燕", "何立新"]


def test_a_member_page_shows_the_profile_proposals_and_the_write_button(client, demo):
    deputy = CouncilMember.objects.get(name="张志刚")
    response = client.get(f"/councils/members/{deputy.pk}/")
    page = text(response)
    assert response.status_code == 200
    assert "羊册镇第1选区" in page and "Constituency" in page
    assert "关于改善羊册镇至县城道路通行条件的建议" in page  # led
    assert "关于支持返乡创业人员办理贷款的建议" in page  # co-signed
    assert f'href="/councils/members/{deputy.pk}/write/"' in page and "Write to this deputy" in page
    member = CouncilMember.objects.get(name="何立新")
    page = text(client.get(f"/councils/members/{member.pk}/"))
    assert "中国民主同盟" in page and "Sector" in page and "Write to this member" in page


def test_a_hidden_member_is_not_found(client, demo):
    deputy = CouncilMember.objects.get(name="孙海峰")
    deputy.active = False
    deputy.save()
    assert client.get(f"/councils/members/{deputy.pk}/").status_code == 404
    assert client.get(f"/councils/members/{deputy.pk}/photo/").status_code == 404


def test_a_member_photo_is_served(client, demo):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    deputy = CouncilMember.objects.get(name="王秀兰")
    deputy.photo = SimpleUploadedFile("wang.png", buffer.getvalue(), content_type="image/png")
    deputy.save()
    page = text(client.get(f"/councils/members/{deputy.pk}/"))
    assert f'src="/councils/members/{deputy.pk}/photo/"' in page
    response = client.get(f"/councils/members/{deputy.pk}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == buffer.getvalue()
    other = CouncilMember.objects.get(name="刘红梅")
    assert client.get(f"/councils/members/{other.pk}/photo/").status_code == 404


def test_a_proposal_page_shows_the_timeline_and_the_reply(client, demo):
    proposal = Proposal.objects.get(number="建议第12号")
    response = client.get(f"/councils/proposals/{proposal.pk}/")
    page = text(response)
    assert response.status_code == 200
    assert [e.status for e in response.context["events"]] == ["submitted", "accepted", "handling", "answered"]
    assert 'id="reply"' in page and "每台15万元" in page
    assert "刘红梅" in page and "赵丽娜" in page  # co-signers
    refused = Proposal.objects.get(number="提案第15号")
    assert "转有关部门参考" in text(client.get(f"/councils/proposals/{refused.pk}/"))


def test_an_unpublished_proposal_is_not_found(client, demo):
    proposal = Proposal.objects.get(number="建议第12号")
    Proposal.objects.filter(pk=proposal.pk).update(published=False)
    assert client.get(f"/councils/proposals/{proposal.pk}/").status_code == 404
    assert "关于加快城区老旧小区加装电梯的建议" not in text(client.get("/councils/renda/"))


# --- letters --------------------------------------------------------------------------------------


LETTER = {
    "title": "小区门口路灯坏了",
    "body": "幸福社区东门的路灯已经坏了两个月，晚上出行很不方便。",
    "location": "泌水街道",
    "is_public": "on",
}


def test_an_anonymous_reader_is_sent_to_log_in_first(client, deputy):
    url = f"/councils/members/{deputy.pk}/write/"
    response = client.get(url)
    assert response.status_code == 302 and response.url == f"/me/login/?next=%2Fcouncils%2Fmembers%2F{deputy.pk}%2Fwrite%2F"
    assert client.post(url, LETTER).status_code == 302 and not CouncilLetter.objects.exists()
    assert client.get("/councils/letters/").status_code == 302


def test_a_fan_writes_a_letter_and_sees_the_receipt(fan_client, fan, deputy):
    url = f"/councils/members/{deputy.pk}/write/"
    assert fan_client.get(url).status_code == 200
    response = fan_client.post(url, LETTER, follow=True)
    letter = CouncilLetter.objects.get()
    assert (letter.fan, letter.member, letter.is_public, letter.location) == (fan, deputy, True, "泌水街道")
    assert response.redirect_chain[-1][0] == f"/councils/letters/{letter.receipt}/"
    page = text(response)
    assert f'<strong id="receipt">{letter.receipt}</strong>' in page and "Receipt number" in page
    assert "no-store" in fan_client.get(f"/councils/letters/{letter.receipt}/")["Cache-Control"]
    my = text(fan_client.get("/councils/letters/"))
    assert letter.receipt in my and "小区门口路灯坏了" in my


def test_a_bad_letter_shows_the_errors_and_keeps_the_text(fan_client, deputy):
    response = fan_client.post(f"/councils/members/{deputy.pk}/write/", {**LETTER, "title": "路灯", "body": "   "})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "body"}
    assert 'value="路灯"' in text(response)
    empty = fan_client.post(f"/councils/members/{deputy.pk}/write/", {})
    assert empty.status_code == 400 and set(empty.context["form"].errors) == {"title", "body", "location"}
    assert not CouncilLetter.objects.exists()


def test_a_second_letter_too_soon_is_a_429_with_the_wait(fan_client, deputy):
    url = f"/councils/members/{deputy.pk}/write/"
    fan_client.post(url, LETTER)
    response = fan_client.post(url, LETTER)
    assert response.status_code == 429 and "Try again in" in text(response)
    assert CouncilLetter.objects.count() == 1


def test_a_member_who_takes_no_letters_says_so(fan_client, deputy):
    deputy.accepts_letters = False
    deputy.save()
    response = fan_client.get(f"/councils/members/{deputy.pk}/write/")
    assert response.status_code == 409 and "does not take letters" in text(response)
    assert fan_client.post(f"/councils/members/{deputy.pk}/write/", LETTER).status_code == 409
    assert "write/" not in text(fan_client.get(f"/councils/members/{deputy.pk}/"))


def test_nobody_else_sees_a_letter(client, fan, other_fan, deputy):
    from rongmei.civic.tests.conftest import log_in_fan

    letter = services.submit_letter(
        fan=fan, member_id=deputy.pk, title=LETTER["title"], body=LETTER["body"], location="泌水街道", is_public=False, ip=None
    )
    log_in_fan(client, other_fan)
    assert client.get(f"/councils/letters/{letter.receipt}/").status_code == 404
    assert client.get("/councils/letters/XJ%00/").status_code == 404
    assert letter.receipt not in text(client.get("/councils/letters/"))


def test_a_public_replied_letter_shows_on_the_member_page_unless_flagged_or_hidden(client, fan, deputy, operator):
    letter = services.submit_letter(
        fan=fan, member_id=deputy.pk, title=LETTER["title"], body=LETTER["body"], location="泌水街道", is_public=True, ip=None
    )
    url = f"/councils/members/{deputy.pk}/"
    assert "小区门口路灯坏了" not in text(client.get(url))  # no reply yet
    services.reply_letter(actor=operator, letter=letter, reply="已联系街道办，本周内修复。")
    page = text(client.get(url))
    assert "小区门口路灯坏了" in page and "本周内修复" in page and "138" not in page and "老李" not in page
    services.update_letter_staff_fields(actor=operator, letter=letter, hidden=True, staff_note="")
    assert "小区门口路灯坏了" not in text(client.get(url))


def test_a_private_letter_never_shows_on_the_member_page(client, fan, deputy, operator):
    letter = services.submit_letter(
        fan=fan, member_id=deputy.pk, title=LETTER["title"], body=LETTER["body"], location="泌水街道", is_public=False, ip=None
    )
    services.reply_letter(actor=operator, letter=letter, reply="已联系街道办。")
    assert "小区门口路灯坏了" not in text(client.get(f"/councils/members/{deputy.pk}/"))


def test_reverse_names_for_the_portal(db):
    assert reverse("civic:services") == "/services/"
    assert reverse("civic:council", args=[CouncilKind.RENDA]) == "/councils/renda/"
    assert reverse("civic:council", args=[CouncilKind.ZHENGXIE]) == "/councils/zhengxie/"
