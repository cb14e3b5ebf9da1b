import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongmei.analytics import buffer
from rongmei.analytics.models import DaySalt, Event, Kind, Via
from rongmei.analytics.tests.conftest import DEVICE

URL = "/api/v1/public/beacon"


def _post(client, body, **kwargs):
    kwargs.setdefault("content_type", "application/json")
    return client.post(URL, json.dumps(body) if not isinstance(body, str) else body, **kwargs)


def _events():
    buffer.flush_all()
    return list(Event.objects.order_by("id"))


def test_a_view_is_accepted_with_204_and_written_in_bulk_later(client, story):
    response = _post(client, {"events": [{"type": "view", "path": f"/news/{story.pk}/", "device": DEVICE}]})
    assert response.status_code == 204 and response.content == b""
    assert Event.objects.count() == 0  # buffered, not written per request
    (event,) = _events()
    assert (event.kind, event.via, event.article_id, event.column_id) == (Kind.VIEW, Via.WEB, story.pk, None)
    assert event.day == timezone.localdate()
    assert isinstance(event.device, int) and str(event.device) not in DEVICE


def test_send_beacon_text_plain_bodies_are_read_as_json(client, story):
    body = json.dumps({"events": [{"type": "read", "path": "/x/", "article": story.pk, "device": DEVICE, "seconds": 42}]})
    response = client.post(URL, body, content_type="text/plain;charset=UTF-8")
    assert response.status_code == 204
    (event,) = _events()
    assert (event.kind, event.article_id, event.seconds) == (Kind.READ, story.pk, 42)


def test_the_beacon_needs_no_csrf_token_and_no_login(story):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, {"events": [{"type": "view", "path": "/", "device": DEVICE}]}).status_code == 204


def test_wechat_is_told_by_the_user_agent_unless_the_channel_is_given(client, story):
    ua = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 MicroMessenger/8.0.47.2560 NetType/WIFI"
    _post(client, {"events": [{"type": "view", "path": "/", "device": DEVICE}]}, HTTP_USER_AGENT=ua)
    _post(client, {"events": [{"type": "view", "path": "/", "device": DEVICE, "channel": "app"}]}, HTTP_USER_AGENT=ua)
    _post(client, {"events": [{"type": "view", "path": "/", "device": DEVICE}]}, HTTP_USER_AGENT="Mozilla/5.0 Firefox/130")
    assert [e.via for e in _events()] == [Via.WECHAT, Via.APP, Via.WEB]


def test_the_article_and_column_are_read_from_the_path(client, story, columns):
    _post(
        client,
        {
            "events": [
                {"type": "view", "path": f"/news/{story.pk}/", "device": DEVICE},
                {"type": "view", "path": "/column/meili/", "device": DEVICE},
                {"type": "view", "path": "/column/nope/", "device": DEVICE},
            ]
        },
    )
    assert [(e.article_id, e.column_id) for e in _events()] == [(story.pk, None), (None, columns["meili"].pk), (None, None)]


def test_an_unknown_or_unpublished_article_is_dropped_from_the_event_not_a_500(client, story, reporter, team):
    from rongmei.testing import factories

    draft = factories.draft_story(reporter, team, headline="还没发布的稿件")
    response = _post(
        client,
        {
            "events": [
                {"type": "view", "path": "/", "article": 999_999_999, "device": DEVICE},
                {"type": "read", "path": "/", "article": draft.pk, "device": DEVICE, "seconds": 20},
                {"type": "share", "path": "/", "article": 2**63 - 1, "device": DEVICE},
            ]
        },
    )
    assert response.status_code == 204
    assert [(e.kind, e.article_id) for e in _events()] == [(Kind.VIEW, None), (Kind.READ, None), (Kind.SHARE, None)]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "click", "path": "/", "device": DEVICE}, "events.0.type"),
        ({"type": "view", "path": "/", "device": "short"}, "events.0.device"),
        ({"type": "view", "path": "/", "device": "x" * 65}, "events.0.device"),
        ({"type": "view", "path": "/", "device": "有中文的设备标识符号"}, "events.0.device"),
        ({"type": "view", "path": "/", "device": "abc def ghi"}, "events.0.device"),
        ({"type": "view", "path": "news/1/", "device": DEVICE}, "events.0.path"),
        ({"type": "view", "path": "/" * 501, "device": DEVICE}, "events.0.path"),
        ({"type": "view", "device": DEVICE}, "events.0.path"),
        ({"type": "view", "path": "/", "device": DEVICE, "channel": "douyin"}, "events.0.channel"),
        ({"type": "view", "path": "/", "device": DEVICE, "article": 0}, "events.0.article"),
        ({"type": "view", "path": "/", "device": DEVICE, "article": "abc"}, "events.0.article"),
        ({"type": "view", "path": "/", "device": DEVICE, "column": "x" * 41}, "events.0.column"),
        ({"type": "read", "path": "/", "device": DEVICE, "seconds": -1}, "events.0.seconds"),
        ({"type": "read", "path": "/", "device": DEVICE, "seconds": 10}, "events.0.article"),
        ({"type": "view", "path": "/", "device": DEVICE, "ts": "2001-01-01T00:00:00+08:00"}, "events.0.ts"),
        ({"type": "view", "path": "/", "device": DEVICE, "ts": "yesterday"}, "events.0.ts"),
    ],
)
def test_bad_events_are_a_422_naming_the_field_and_nothing_of_the_batch_counts(client, story, event, field):
    good = {"type": "view", "path": "/", "device": DEVICE}
    response = _post(client, {"events": [event, good]})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field and response.json()["detail"]
    assert _events() == []


def test_a_batch_is_one_to_fifty_events(client, db):
    one = {"type": "view", "path": "/", "device": DEVICE}
    too_many = _post(client, {"events": [one] * 51})
    assert too_many.status_code == 422 and too_many.json()["field"] == "events"
    assert "at most 50 events" in too_many.json()["detail"]
    empty = _post(client, {"events": []})
    assert empty.status_code == 422 and empty.json()["detail"] == "Send at least one event."
    assert _post(client, {"events": [one] * 50}).status_code == 204
    assert len(_events()) == 50


@pytest.mark.parametrize("body", ["{", "", "[]", '"view"', '{"events": "all"}', '{"events": [1, 2]}', "null"])
def test_malformed_bodies_are_refused_without_a_500(client, db, body):
    response = _post(client, body, content_type="text/plain")
    assert response.status_code in (400, 422) and response.json()["detail"]


def test_an_event_time_in_the_last_day_is_kept(client, db):
    when = timezone.now().replace(microsecond=0) - timezone.timedelta(hours=3)
    _post(client, {"events": [{"type": "view", "path": "/", "device": DEVICE, "ts": when.isoformat()}]})
    (event,) = _events()
    assert event.at == when


def test_no_address_or_user_agent_is_stored(client, db):
    _post(client, {"events": [{"type": "view", "path": "/secret-path/", "device": DEVICE}]}, REMOTE_ADDR="10.9.8.7")
    _events()
    (event,) = Event.objects.values()
    stored = " ".join(str(v) for v in event.values())
    assert "10.9.8.7" not in stored and "secret-path" not in stored and DEVICE not in stored
    assert {f.name for f in Event._meta.get_fields()} == {
        "id",
        "day",
        "at",
        "kind",
        "via",
        "device",
        "article_id",
        "column_id",
        "seconds",
        "creative_id",
    }


def test_a_warm_beacon_request_makes_no_database_query(client, story, columns, django_assert_num_queries):
    body = {
        "events": [
            {"type": "view", "path": f"/news/{story.pk}/", "device": DEVICE},
            {"type": "view", "path": "/column/meili/", "device": DEVICE},
        ]
    }
    _post(client, body)  # loads the day's salt, the live articles and the columns once
    with django_assert_num_queries(0):
        assert _post(client, body).status_code == 204
    assert DaySalt.objects.count() == 1


def test_the_beacon_is_in_the_openapi_document(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/public/beacon"]["post"]
    assert set(op["responses"]) >= {"204", "422"}
    counters = doc["paths"]["/api/v1/public/articles/{article_id}/counters"]["get"]
    assert set(counters["responses"]) >= {"200", "404"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=80),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["view", "read", "play", "share", "ad_click", ""]) | st.text(max_size=8),
        "path": st.sampled_from(["/", "/news/1/", "/column/x/", "/news/99999999999999999999/", "", "x"]) | st.text(max_size=20),
        "device": st.sampled_from([DEVICE, "", "a" * 64, "a" * 65]) | st.text(max_size=70),
        "article": st.integers(min_value=-5, max_value=2**64) | st.none() | st.text(max_size=5),
        "column": st.text(max_size=45) | st.none(),
        "channel": st.sampled_from(["web", "app", "wechat", "douyin", None]),
        "seconds": st.integers(min_value=-(2**40), max_value=2**40) | st.none(),
        "ts": st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()) | st.text(max_size=12) | st.none(),
    },
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(json_values, st.fixed_dictionaries({"events": st.lists(event_like, max_size=6)})))
def test_no_body_makes_a_500(client, body):
    response = _post(client, json.dumps(body))
    assert response.status_code in (204, 400, 422), (body, response.content)
    buffer.memory_buffer().clear()
