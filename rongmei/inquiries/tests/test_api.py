"""问政 in the API (/api/v1/inquiries…): the published list, one question as each reader may see it,
asking with the app user's session (CSRF token required), rating, reopening, 追问, information, 关注."""

from __future__ import annotations

import pytest
from django.test import Client

from rongmei.fans.auth import SESSION_KEY
from rongmei.inquiries import services
from rongmei.inquiries.models import Inquiry, Kind, Message, Rating, State
from rongmei.inquiries.tests.public_flow import BODY, NO_LIMITS, REPLY, TITLE, ask, published

pytestmark = pytest.mark.django_db

API = "/api/v1/inquiries"


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.RONGMEI_INQUIRIES = NO_LIMITS


class FanClient:
    """A logged-in app user's client that sends the CSRF token as the app does."""

    def __init__(self, fan):
        self.client = Client(enforce_csrf_checks=True)
        session = self.client.session
        session[SESSION_KEY] = fan.pk
        session.save()
        self.token = self.client.get("/api/v1/public/me").json()["csrf_token"]

    def get(self, path, params=None):
        return self.client.get(path, params or {})

    def send(self, method, path, body=None, *, token=True):
        headers = {"HTTP_X_CSRFTOKEN": self.token} if token else {}
        return getattr(self.client, method)(path, body or {}, content_type="application/json", **headers)


@pytest.fixture
def me(citizen):
    return FanClient(citizen)


@pytest.fixture
def answered(citizen, editor, unit, unit_staff):
    return published(citizen, desk=editor, unit=unit, staff=unit_staff)


def question(**extra):
    data = {"kind": Kind.COMPLAINT, "title": TITLE, "body": BODY, "location": "泌水街道"}
    data.update(extra)
    return data


def test_options_give_kinds_units_categories_and_title_bounds(client, county):
    data = client.get(f"{API}/options").json()
    assert [k["value"] for k in data["kinds"]] == ["consult", "complaint", "suggestion", "help"]
    assert data["title_length"] == {"min": 10, "max": 25}
    assert county["unit"].name in {u["name"] for u in data["units"]} and len(data["categories"]) == 7


def test_the_list_has_only_published_questions_with_filters_and_search(client, answered, citizen, unit, other_unit):
    ask(citizen, title="城关镇第二小学门口路灯坏了")
    data = client.get(API).json()
    assert data["total"] == 1 and data["pages"] == 1
    card = data["items"][0]
    assert card["receipt"] == answered.receipt and card["title"] == answered.public_title and card["unit"]["id"] == unit.pk
    assert card["url"] == f"/wenzheng/q/{answered.receipt}/"
    assert client.get(API, {"q": "养护队"}).json()["total"] == 1
    assert client.get(API, {"q": "高铁"}).json()["total"] == 0
    assert client.get(API, {"unit": other_unit.pk}).json()["total"] == 0
    assert client.get(API, {"kind": "consult"}).json()["total"] == 0
    assert client.get(API, {"town": "泌水", "sort": "hot"}).json()["total"] == 1
    assert client.get(API, {"limit": 51}).status_code == 422
    assert client.get(API, {"kind": "rant"}).status_code == 422


def test_the_list_takes_a_fixed_number_of_queries(client, citizen, editor, unit, unit_staff, django_assert_max_num_queries):
    for n in range(4):
        published(citizen, desk=editor, unit=unit, staff=unit_staff, title=f"城关镇第{n + 2}小学门口路灯坏了")
    with django_assert_max_num_queries(4):
        assert len(client.get(API).json()["items"]) == 4


def test_the_public_reads_the_masked_version_and_the_reply(client, answered):
    data = client.get(f"{API}/{answered.receipt}").json()
    assert "13912345678" not in data["body"] and data["reply"]["body"] == REPLY
    assert data["mine"] is False and data["state"] is None and data["query_code"] is None and data["files"] == []
    assert data["timeline"] and not data["can_rate"]


def test_others_get_404_for_unanswered_or_private_questions(client, citizen, other_citizen):
    waiting = ask(citizen)
    assert client.get(f"{API}/{waiting.receipt}").status_code == 404
    assert FanClient(other_citizen).get(f"{API}/{waiting.receipt}").status_code == 404
    assert client.get(f"{API}/not a receipt").status_code in (404, 422)


def test_the_author_and_the_query_code_see_the_question_in_any_state(client, me, citizen, editor):
    inquiry = ask(citizen, is_public=False)
    services.reject(actor=editor, inquiry=inquiry, reason="反映的问题属于司法程序，请向法院咨询")
    data = me.get(f"{API}/{inquiry.receipt}").json()
    assert data["mine"] and data["state"] == State.REJECTED and data["reason"] == "反映的问题属于司法程序，请向法院咨询"
    assert data["body"] == BODY and data["query_code"] == inquiry.query_code
    assert client.get(f"{API}/{inquiry.receipt}", {"code": "WRONG"}).status_code == 404
    data = client.get(f"{API}/{inquiry.receipt}", {"code": inquiry.query_code}).json()
    assert data["mine"] and data["state"] == State.REJECTED and data["query_code"] is None


def test_asking_needs_the_session_and_the_csrf_token(client, me, citizen):
    assert client.post(API, question(), content_type="application/json").status_code == 401
    assert me.send("post", API, question(), token=False).status_code == 403
    response = me.send("post", API, question(is_public=False))
    assert response.status_code == 201
    data = response.json()
    inquiry = Inquiry.objects.get()
    assert data["receipt"] == inquiry.receipt and data["query_code"] == inquiry.query_code and data["is_public"] is False
    assert inquiry.fan == citizen and data["state"] == State.SUBMITTED
    assert me.get(f"{API}/mine").json()[0]["receipt"] == inquiry.receipt


def test_a_bad_question_is_a_400_naming_the_field(me):
    response = me.send("post", API, question(title="路灯坏了"))
    assert response.status_code == 400 and response.json()["field"] == "title"
    assert "at least 10 characters" in response.json()["detail"]
    response = me.send("post", API, question(unit_id=999999))
    assert response.status_code == 400 and response.json()["field"] == "unit"
    assert me.send("post", API, {"kind": "complaint"}).status_code == 422


def test_asking_too_often_is_a_429_with_retry_after(me, settings):
    settings.RONGMEI_INQUIRIES = {}
    assert me.send("post", API, question()).status_code == 201
    response = me.send("post", API, question(title="城关镇第二小学门口路灯坏了"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0 and response.json()["code"] == "throttled"


def test_rating_unsatisfied_then_reopening(me, answered, other_citizen):
    url = f"{API}/{answered.receipt}"
    assert me.get(url).json()["can_rate"] is True
    assert FanClient(other_citizen).send("post", f"{url}/rating", {"rating": "satisfied"}).status_code == 403
    response = me.send("post", f"{url}/rating", {"rating": "unsatisfied"})
    assert response.status_code == 400 and response.json()["field"] == "reason"
    data = me.send("post", f"{url}/rating", {"rating": "unsatisfied", "reason": "污水还在流"}).json()
    assert data["state"] == State.RATED and data["rating"] == Rating.UNSATISFIED and data["can_reopen"]
    data = me.send("post", f"{url}/reopen", {"reason": "路面上还有污水"}).json()
    assert data["state"] == State.ACCEPTED and data["can_reopen"] is False
    assert me.send("post", f"{url}/reopen", {}).status_code == 409


def test_follow_ups_and_information(me, answered, citizen, editor, unit_staff):
    url = f"{API}/{answered.receipt}"
    response = me.send("post", f"{url}/follow-ups", {"text": "疏通后多久巡查一次？"})
    assert response.status_code == 201 and response.json()["messages"][0]["kind"] == "follow_up"
    services.answer_follow_up(actor=unit_staff, message=Message.objects.get(), text="每周巡查一次。")
    assert [m["body"] for m in me.get(url).json()["messages"]] == ["疏通后多久巡查一次？", "每周巡查一次。"]

    other = ask(citizen, title="城关镇第二小学门口路灯坏了")
    services.ask_for_info(actor=editor, inquiry=other, question="请说明具体是哪一根路灯")
    assert me.get(f"{API}/{other.receipt}").json()["info_request"] == "请说明具体是哪一根路灯"
    data = me.send("post", f"{API}/{other.receipt}/info", {"text": "学校门口东侧第二根路灯"}).json()
    assert data["state"] == State.SCREENING and data["info_request"] is None


def test_follow_and_unfollow(client, answered, other_citizen, citizen):
    them = FanClient(other_citizen)
    url = f"{API}/{answered.receipt}/follow"
    assert client.put(url).status_code == 401
    assert them.send("put", url).json() == {"following": True, "followers_count": 1}
    assert them.send("put", url).json() == {"following": True, "followers_count": 1}
    assert them.get(f"{API}/{answered.receipt}").json()["following"] is True
    assert them.send("delete", url).json() == {"following": False, "followers_count": 0}
    waiting = ask(citizen, title="城关镇第二小学门口路灯坏了")
    assert them.send("put", f"{API}/{waiting.receipt}/follow").status_code == 404


def test_wrong_query_codes_are_limited(client, citizen):
    inquiry = ask(citizen)
    for _n in range(10):
        assert client.get(f"{API}/{inquiry.receipt}", {"code": "AAAAAAAA"}).status_code == 404
    response = client.get(f"{API}/{inquiry.receipt}", {"code": inquiry.query_code})
    assert response.status_code == 429 and response.json()["code"] == "throttled"


def test_the_query_code_works_with_a_receipt_in_small_letters(client, citizen):
    inquiry = ask(citizen, is_public=False)
    data = client.get(f"{API}/{inquiry.receipt.lower()}", {"code": inquiry.query_code}).json()
    assert data["receipt"] == inquiry.receipt and data["mine"] is True
