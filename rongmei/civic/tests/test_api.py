"""The public API of the directory and the councils, and letters by the app user's session."""

import pytest

from rongmei.civic.demo import seed_demo
from rongmei.civic.models import CouncilLetter, CouncilMember, Proposal, ServiceCategory, ServiceItem

pytestmark = pytest.mark.django_db

API = "/api/v1/public"


@pytest.fixture
def demo(db):
    seed_demo()


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


# --- 政务服务 -------------------------------------------------------------------------------------


def test_categories_with_their_counts(client, demo):
    data = client.get(f"{API}/service-categories").json()
    assert [(c["name"], c["count"]) for c in data] == [
        ("户籍办理", 3),
        ("社保医保", 4),
        ("不动产", 2),
        ("婚姻登记", 3),
        ("教育", 2),
        ("交通出行", 2),
    ]


def test_searching_the_directory_in_chinese(client, demo):
    data = client.get(f"{API}/services", {"q": "补办身份证"}).json()
    assert data["items"][0]["name"] == "居民身份证补领（补办）" and data["partial"] is False
    item = data["items"][0]
    assert item["url"] == f"/services/{item['id']}/" and item["online"] is True and item["category"] == "户籍办理"


def test_the_directory_pages_with_a_cursor(client, demo):
    first = client.get(f"{API}/services", {"limit": 10}).json()
    assert first["total"] == 16 and len(first["items"]) == 10 and first["next_cursor"]
    second = client.get(f"{API}/services", {"limit": 10, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 6 and second["next_cursor"] is None
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_a_category_filter(client, demo):
    category = ServiceCategory.objects.get(name="交通出行")
    data = client.get(f"{API}/services", {"category": category.pk}).json()
    assert {i["name"] for i in data["items"]} == {"机动车驾驶证有效期满换证", "机动车检验合格标志核发（年检）"}
    assert client.get(f"{API}/services", {"category": 999999}).json()["total"] == 0


def test_one_service_item(client, demo):
    item = ServiceItem.objects.get(name="社会保障卡挂失与补办")
    data = client.get(f"{API}/services/{item.pk}").json()
    assert data["materials"] == ["本人居民身份证", "代办的另需代办人身份证和委托书"]
    assert data["phones"] == [{"display": "0396-7922345", "tel": "03967922345"}, {"display": "12333", "tel": "12333"}]
    assert data["link"] == "https://www.hnzwfw.gov.cn/"
    ServiceItem.objects.filter(pk=item.pk).update(active=False)
    response = client.get(f"{API}/services/{item.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"cursor": "!!!"}, 400),
        ({"cursor": "bm90LWFuLW9mZnNldA"}, 400),  # "not-an-offset"
        ({"cursor": "bzo5OTk5OTk5"}, 400),  # "o:9999999", beyond the last page anyone can reach
        ({"limit": 0}, 422),
        ({"limit": 51}, 422),
        ({"category": 0}, 422),
        ({"category": "x"}, 422),
        ({"q": "字" * 201}, 422),
    ],
)
def test_bad_directory_queries_are_4xx_not_500(client, demo, params, status):
    response = client.get(f"{API}/services", params)
    assert response.status_code == status and response.json()["detail"]


def test_missing_ids_are_404s(client, db):
    for path in ("services/999", "council-members/999", "proposals/999"):
        assert client.get(f"{API}/{path}").status_code == 404
    assert client.get(f"{API}/services/0").status_code == 422


# --- councils -------------------------------------------------------------------------------------


def test_members_of_one_council(client, demo):
    data = client.get(f"{API}/council-members", {"kind": "zhengxie"}).json()
    assert [m["name"] for m in data] == ["周文静", "吴建华", "郑国强", "冯晓燕", "何立新"]
    assert data[0]["group"] == "教育界" and data[0]["photo"] is None and data[0]["accepts_letters"] is True
    assert len(client.get(f"{API}/council-members").json()) == 11
    assert client.get(f"{API}/council-members", {"kind": "senate"}).status_code == 422


def test_a_member_with_their_proposals(client, demo):
    deputy = CouncilMember.objects.get(name="张志刚")
    data = client.get(f"{API}/council-members/{deputy.pk}").json()
    assert data["group"] == "羊册镇第1选区" and data["bio"]
    assert [p["number"] for p in data["proposals"]] == ["建议第41号", "建议第27号"]
    assert data["letters"] == []


def test_proposals_filtered_and_paged(client, demo):
    data = client.get(f"{API}/proposals", {"kind": "renda"}).json()
    assert [p["number"] for p in data["items"]] == ["建议第41号", "建议第35号", "建议第27号", "建议第12号"]
    answered = client.get(f"{API}/proposals", {"status": "answered"}).json()["items"]
    assert [(p["number"], p["status_label"]) for p in answered] == [("建议第12号", "Answered")]
    page1 = client.get(f"{API}/proposals", {"limit": 4}).json()
    page2 = client.get(f"{API}/proposals", {"limit": 4, "cursor": page1["next_cursor"]}).json()
    assert len(page1["items"]) == 4 and len(page2["items"]) == 2 and page2["next_cursor"] is None
    assert len({p["id"] for p in page1["items"] + page2["items"]}) == 6


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"status": "lost"}, 422),
        ({"kind": "x"}, 422),
        ({"cursor": "abc"}, 400),
        ({"cursor": "MjAyNi0xMy0wMXwx"}, 400),  # "2026-13-01|1"
        ({"cursor": "MjAyNi0wMS0wMXw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ"}, 400),  # a row id no database holds
        ({"session": "x" * 41}, 422),
    ],
)
def test_bad_proposal_queries_are_4xx(client, demo, params, status):
    assert client.get(f"{API}/proposals", params).status_code == status


def test_a_session_nobody_has_finds_nothing(client, demo):
    for session in ("十五届一次会议", "\x00"):
        response = client.get(f"{API}/proposals", {"session": session})
        assert response.status_code == 200 and response.json()["items"] == []


def test_one_proposal_with_its_timeline_and_reply(client, demo):
    proposal = Proposal.objects.get(number="建议第12号")
    data = client.get(f"{API}/proposals/{proposal.pk}").json()
    assert [s["status"] for s in data["timeline"]] == ["submitted", "accepted", "handling", "answered"]
    assert "每台15万元" in data["reply"] and data["replied_on"]
    assert data["lead"]["name"] == "王秀兰" and {m["name"] for m in data["co_signers"]} == {"刘红梅", "赵丽娜"}
    refused = Proposal.objects.get(number="提案第15号")
    assert "转有关部门参考" in client.get(f"{API}/proposals/{refused.pk}").json()["not_accepted_reason"]


# --- letters --------------------------------------------------------------------------------------


def letter(member, **extra):
    return {
        "member_id": member.pk,
        "title": "小区门口路灯坏了",
        "body": "幸福社区东门的路灯已经坏了两个月，晚上出行很不方便。",
        "location": "泌水街道",
        "is_public": True,
        **extra,
    }


def test_writing_needs_a_logged_in_fan(client, deputy):
    response = post(client, f"{API}/council-letters", letter(deputy))
    assert response.status_code == 401 and response.json()["code"] == "not_logged_in"
    assert client.get(f"{API}/me/council-letters").status_code == 401
    assert not CouncilLetter.objects.exists()


def test_a_fan_writes_and_lists_their_letters(fan_client, fan, deputy):
    response = post(fan_client, f"{API}/council-letters", letter(deputy))
    assert response.status_code == 201
    data = response.json()
    assert data["receipt"].startswith("XJ") and data["status"] == "received" and data["member"] == {"id": deputy.pk, "name": "王秀兰"}
    assert data["url"] == f"/councils/letters/{data['receipt']}/"
    assert CouncilLetter.objects.get().fan == fan
    mine = fan_client.get(f"{API}/me/council-letters").json()
    assert [m["receipt"] for m in mine] == [data["receipt"]]


def test_letter_errors_have_their_codes(fan_client, deputy):
    assert post(fan_client, f"{API}/council-letters", letter(deputy, member_id=999999)).status_code == 404
    short = post(fan_client, f"{API}/council-letters", letter(deputy, title="路灯"))
    assert short.status_code == 422 and short.json()["field"] == "title"
    blank = post(fan_client, f"{API}/council-letters", letter(deputy, body=" " * 12))
    assert blank.status_code == 400 and blank.json()["field"] == "body"
    assert post(fan_client, f"{API}/council-letters", {"member_id": deputy.pk}).status_code == 422
    assert fan_client.post(f"{API}/council-letters", "{", content_type="application/json").status_code == 400
    deputy.accepts_letters = False
    deputy.save()
    closed = post(fan_client, f"{API}/council-letters", letter(deputy))
    assert closed.status_code == 409 and closed.json()["code"] == "no_letters"
    assert not CouncilLetter.objects.exists()


def test_writing_too_often_is_a_429(fan_client, deputy):
    assert post(fan_client, f"{API}/council-letters", letter(deputy)).status_code == 201
    again = post(fan_client, f"{API}/council-letters", letter(deputy))
    assert again.status_code == 429 and again.json()["code"] == "throttled"


def test_the_operations_are_in_the_openapi_document_with_their_errors(client, reporter):
    client.force_login(reporter)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/public/service-categories",
        "/api/v1/public/services",
        "/api/v1/public/services/{service_id}",
        "/api/v1/public/council-members",
        "/api/v1/public/council-members/{member_id}",
        "/api/v1/public/proposals",
        "/api/v1/public/proposals/{proposal_id}",
        "/api/v1/public/me/council-letters",
    ):
        assert "get" in paths[path]
    responses = paths["/api/v1/public/council-letters"]["post"]["responses"]
    assert {"201", "401", "404", "422", "429"} <= set(responses)
