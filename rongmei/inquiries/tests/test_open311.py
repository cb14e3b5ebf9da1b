"""Open311 GeoReport v2: services, the public list of requests, and a partner filing one with its API key."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from rongmei.accounts.services import create_token
from rongmei.core.models import AuditLog
from rongmei.fans.models import Fan
from rongmei.inquiries import services
from rongmei.inquiries.models import Category, Inquiry, Kind, Rating, State

pytestmark = pytest.mark.django_db

W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
BODY = "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，我的电话13912345678，请尽快处理。"
REPLY = "经现场核查，幸福路小区南门下水道因施工堵塞，已安排市政养护队疏通，污水问题已解决，并将定期巡查。"


def _answered(citizen, editor, unit, unit_staff, *, title="幸福路小区门口污水横流无人管", public=True, when=None, rate=None):
    cache.clear()  # the citizen's one-a-minute limit is not what these tests are about
    inquiry = services.submit(
        fan=citizen, kind=Kind.COMPLAINT, title=title, body=BODY, location="泌水街道", is_public=public, now=when or timezone.now()
    )
    category = Category.objects.get(name="城乡建设")
    services.forward(actor=editor, inquiry=inquiry, unit=unit, category=category)
    services.accept(actor=unit_staff, inquiry=inquiry)
    reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body=REPLY)
    services.approve_reply(actor=editor, reply=reply)
    services.publish(actor=editor, inquiry=inquiry)
    if rate:
        services.rate(fan=citizen, inquiry=inquiry, rating=rate)
    return Inquiry.objects.get(pk=inquiry.pk)


@pytest.fixture
def api_key(operator):
    _token, raw = create_token(actor=operator, name="12345热线")
    return raw


def _post(client, **data):
    return client.post("/open311/v2/requests.json", data)


def test_services_are_the_categories(client, county):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    listed = response.json()
    assert [s["service_name"] for s in listed] == list(Category.objects.filter(active=True).values_list("name", flat=True))
    for service in listed:
        assert set(service) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        assert service["type"] == "realtime" and service["metadata"] is True
        assert service["service_code"] == str(Category.objects.get(name=service["service_name"]).pk)
    assert listed[0]["group"] == "泌阳县住房和城乡建设局"


def test_a_service_definition_offers_kind_and_publicity(client, county):
    code = Category.objects.get(name="城乡建设").pk
    definition = client.get(f"/open311/v2/services/{code}.json").json()
    assert definition["service_code"] == str(code)
    kind, public = definition["attributes"]
    assert kind["code"] == "kind" and kind["datatype"] == "singlevaluelist" and kind["required"] is False
    assert {v["key"] for v in kind["values"]} == set(Kind.values)
    assert public["code"] == "is_public"
    missing = client.get("/open311/v2/services/999999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_xml_is_refused_with_a_clear_error(client, county):
    for address in ("/open311/v2/services.xml", "/open311/v2/requests.xml"):
        response = client.get(address)
        assert response.status_code == 400
        assert response.json() == [{"code": 400, "description": "Only the JSON format is offered: use the .json address."}]


def test_requests_lists_only_public_answered_questions_in_their_public_version(
    client, citizen, other_citizen, editor, unit, unit_staff, django_assert_max_num_queries
):
    shown = _answered(citizen, editor, unit, unit_staff)
    _answered(other_citizen, editor, unit, unit_staff, title="私下反映的小区路灯问题请处理", public=False)
    hidden = _answered(other_citizen, editor, unit, unit_staff, title="被隐藏的小区路灯问题请处理")
    services.hide(actor=editor, inquiry=hidden, hidden=True)
    cache.clear()
    services.submit(fan=citizen, kind=Kind.CONSULT, title="还没有答复的一个问题标题", body=BODY, location="泌水街道")
    with django_assert_max_num_queries(2):
        response = client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    listed = response.json()
    assert [r["service_request_id"] for r in listed] == [shown.receipt]
    [item] = listed
    assert set(item) == REQUEST_FIELDS
    assert item["status"] == "open"
    assert item["status_notes"] == REPLY
    assert item["service_name"] == "城乡建设" and item["service_code"] == str(shown.category_id)
    assert "13912345678" not in item["description"] and shown.public_body in item["description"]
    assert item["agency_responsible"] == unit.name and item["address"] == "泌水街道"
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(item[name]), name
    assert item["lat"] is None and item["long"] is None and item["media_url"] is None
    raw = response.content.decode()
    assert "+8613800138001" not in raw and "13800138001" not in raw and "老李" not in raw


def test_requests_query_count_stays_flat(client, citizen, editor, unit, unit_staff, django_assert_max_num_queries):
    for n in range(4):
        _answered(citizen, editor, unit, unit_staff, title=f"幸福路小区门口污水横流第{n}次反映")
    with django_assert_max_num_queries(2):
        assert len(client.get("/open311/v2/requests.json").json()) == 4


def test_requests_filters(client, citizen, editor, unit, unit_staff):
    old = _answered(citizen, editor, unit, unit_staff, when=timezone.now() - dt.timedelta(days=120), title="很久以前的小区污水问题反映")
    closed = _answered(citizen, editor, unit, unit_staff, rate=Rating.SATISFIED, title="已经满意关闭的小区污水问题")
    open_ = _answered(citizen, editor, unit, unit_staff, title="仍然开放的小区污水问题反映")

    def ids(**query):
        response = client.get("/open311/v2/requests.json", query)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert ids() == {closed.receipt, open_.receipt}  # the last 90 days by default
    assert ids(status="closed") == {closed.receipt}
    assert ids(status="open") == {open_.receipt}
    assert ids(status="open,closed") == {closed.receipt, open_.receipt}
    start = (timezone.now() - dt.timedelta(days=200)).isoformat()
    assert ids(start_date=start) == {old.receipt, closed.receipt, open_.receipt}
    assert ids(start_date=start, end_date=(timezone.now() - dt.timedelta(days=100)).isoformat()) == {old.receipt}
    assert ids(service_request_id=f"{old.receipt},{open_.receipt}") == {old.receipt, open_.receipt}
    other = Category.objects.get(name="教育文体").pk
    assert ids(service_code=str(other)) == set()
    assert ids(service_code=str(open_.category_id)) == {closed.receipt, open_.receipt}
    one = client.get(f"/open311/v2/requests/{open_.receipt}.json").json()
    assert [r["service_request_id"] for r in one] == [open_.receipt]
    assert client.get("/open311/v2/requests/WZ19990101-0001.json").status_code == 404


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start_date": "yesterday"}, "start_date is not a date and time in the W3C format"),
        ({"status": "pending"}, "status must be open or closed."),
        ({"service_code": "abc"}, "service_code must be the number of a service."),
        ({"start_date": "2026-09-01", "end_date": "2026-08-01"}, "end_date comes before start_date."),
    ],
)
def test_bad_filters_are_spec_shaped_errors(client, county, query, message):
    response = client.get("/open311/v2/requests.json", query)
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and error["description"].startswith(message)


def test_a_partner_files_a_question_for_a_citizen(client, county, api_key, operator):
    code = Category.objects.get(name="城乡建设").pk
    response = _post(
        client,
        api_key=api_key,
        service_code=str(code),
        description=BODY,
        address_string="泌水街道",
        phone="138 0013 8009",
        **{"attribute[kind]": "complaint"},
    )
    assert response.status_code == 200, response.content
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    inquiry = Inquiry.objects.get(receipt=answer["service_request_id"])
    assert answer["service_notice"].startswith(f"Received as {inquiry.receipt}")
    assert inquiry.state == State.SUBMITTED and inquiry.kind == Kind.COMPLAINT and inquiry.is_public
    assert inquiry.fan == Fan.objects.get(phone="+8613800138009") and inquiry.phone == "+8613800138009"
    assert inquiry.asked_category_id == code and inquiry.location == "泌水街道"
    assert inquiry.title == BODY[:25] and inquiry.body == BODY
    filed = AuditLog.objects.get(action="inquiry.open311_filed", subject_id=str(inquiry.pk))
    assert filed.actor == operator
    assert "+8613800138009" not in filed.summary


def test_a_partner_question_joins_the_existing_app_user_and_may_be_private(client, county, api_key, citizen):
    code = Category.objects.get(name="城乡建设").pk
    response = _post(
        client,
        api_key=api_key,
        service_code=str(code),
        title="小区门口污水横流一个多月了",
        description=BODY,
        address_string="泌水街道",
        phone=citizen.phone,
        **{"attribute[is_public]": "false"},
    )
    inquiry = Inquiry.objects.get(receipt=response.json()[0]["service_request_id"])
    assert inquiry.fan == citizen and not inquiry.is_public and inquiry.title == "小区门口污水横流一个多月了"
    assert inquiry.kind == Kind.CONSULT


def test_json_bodies_are_accepted_too_and_no_csrf_token_is_needed(county, api_key):
    code = Category.objects.get(name="城乡建设").pk
    response = Client(enforce_csrf_checks=True).post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "service_code": code, "description": BODY, "address_string": "泌水街道", "phone": "13800138010"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"api_key": ""}, 403, "A valid api_key is required"),
        ({"api_key": "rm_not-a-real-key"}, 403, "A valid api_key is required"),
        ({"service_code": "999999"}, 400, "There is no service with the code 999999."),
        ({"service_code": ""}, 400, "service_code is required."),
        ({"phone": "12345"}, 400, "Enter a valid mainland China mobile number"),
        ({"phone": ""}, 400, "Enter a mobile number."),
        ({"address_string": ""}, 400, "address_string is required"),
        ({"description": "太短"}, 400, "The title needs at least 10 characters"),
        ({"title": "短标题"}, 400, "The title needs at least 10 characters"),
        ({"attribute[kind]": "rant"}, 400, "attribute[kind] must be one of"),
    ],
)
def test_bad_posts_are_refused_and_store_nothing(client, county, api_key, change, status, message):
    data = {
        "api_key": api_key,
        "service_code": str(Category.objects.get(name="城乡建设").pk),
        "description": BODY,
        "address_string": "泌水街道",
        "phone": "13800138011",
    }
    data.update(change)
    response = _post(client, **data)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and error["description"].startswith(message), error
    assert Inquiry.objects.count() == 0


def test_a_token_of_somebody_not_on_the_desk_may_not_file(client, county, reporter):
    _token, raw = create_token(actor=reporter, name="不是值班台")
    response = _post(
        client,
        api_key=raw,
        service_code=str(Category.objects.get(name="城乡建设").pk),
        description=BODY,
        address_string="泌水街道",
        phone="13800138012",
    )
    assert response.status_code == 403 and "must belong to the media center's desk" in response.json()[0]["description"]
    assert Inquiry.objects.count() == 0


def test_the_citizens_own_limit_applies_but_not_the_partners_address(client, county, api_key):
    code = str(Category.objects.get(name="城乡建设").pk)
    first = _post(client, api_key=api_key, service_code=code, description=BODY, address_string="泌水街道", phone="13800138013")
    again = _post(client, api_key=api_key, service_code=code, description=BODY, address_string="泌水街道", phone="13800138013")
    assert first.status_code == 200 and again.status_code == 429 and int(again["Retry-After"]) > 0
    assert again.json()[0]["code"] == 429
    for n in range(3):  # other citizens through the same partner are not held back
        other = _post(client, api_key=api_key, service_code=code, description=BODY, address_string="泌水街道", phone=f"1380013802{n}")
        assert other.status_code == 200


def test_the_token_has_an_hourly_limit(client, county, api_key, settings):
    settings.RONGMEI_INQUIRIES = {**getattr(settings, "RONGMEI_INQUIRIES", {}), "OPEN311_HOUR": (3600, 2)}
    code = str(Category.objects.get(name="城乡建设").pk)
    answers = [
        _post(client, api_key=api_key, service_code=code, description=BODY, address_string="泌水街道", phone=f"1380013803{n}").status_code
        for n in range(3)
    ]
    assert answers == [200, 200, 429]


def test_other_methods_are_refused(client, county):
    for address in ("/open311/v2/requests.json", "/open311/v2/services.json"):
        response = client.put(address)
        assert response.status_code == 405 and response.json()[0]["code"] == 405
