import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from rongmei.community import services
from rongmei.community.models import Comment
from rongmei.community.tests.conftest import log_in_fan
from rongmei.fans.models import Fan
from rongmei.testing import factories

S = Comment.Status


def url(story_or_id) -> str:
    return f"/api/v1/public/articles/{getattr(story_or_id, 'pk', story_or_id)}/comments"


def post(client, story, body, **extra):
    return client.post(url(story), {"text": body, **extra}, content_type="application/json")


def test_an_anonymous_reader_sees_the_published_comments_and_the_count(client, story, fan, other_fan, operator):
    first = services.submit_comment(fan=fan, story_id=story.pk, body="第一条")
    services.submit_comment(fan=other_fan, story_id=story.pk, body="还在审核")
    services.approve(actor=operator, comment=first)
    data = client.get(url(story)).json()
    assert data["count"] == 1 and data["next_cursor"] is None
    (item,) = data["items"]
    assert item["text"] == "第一条" and item["author"] == "铜山湖的风" and item["status"] == "approved"
    assert item["mine"] is False and item["reason"] == "" and item["replies"] == []


def test_a_fan_posts_a_comment_that_only_they_see_until_it_is_approved(client, story, fan, other_fan, operator):
    log_in_fan(client, fan)
    response = post(client, story, "  夏南牛节办得真热闹  ")
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "pending" and created["text"] == "夏南牛节办得真热闹" and created["mine"] is True
    mine = client.get(url(story)).json()
    assert mine["count"] == 0 and [(c["id"], c["status"]) for c in mine["items"]] == [(created["id"], "pending")]
    assert Client().get(url(story)).json()["items"] == []
    assert log_in_fan(Client(), other_fan).get(url(story)).json()["items"] == []
    services.approve(actor=operator, comment=Comment.objects.get(pk=created["id"]))
    assert [c["id"] for c in Client().get(url(story)).json()["items"]] == [created["id"]]


def test_the_author_reads_why_a_comment_was_turned_down_and_nobody_else_does(client, story, fan, operator):
    comment = services.submit_comment(fan=fan, story_id=story.pk, body="加微信领红包")
    services.reject(actor=operator, comment=comment, reason="含广告信息")
    (own,) = log_in_fan(client, fan).get(url(story)).json()["items"]
    assert own["status"] == "rejected" and own["reason"] == "含广告信息"
    assert Client().get(url(story)).json()["items"] == []


def test_without_a_login_posting_is_a_401_with_a_message(client, story):
    response = post(client, story, "你好")
    assert response.status_code == 401 and response.json()["code"] == "not_logged_in" and response.json()["detail"]
    assert not Comment.objects.exists()


def test_a_banned_fan_is_logged_out_and_cannot_post(client, story, fan):
    log_in_fan(client, fan)
    Fan.objects.filter(pk=fan.pk).update(banned=True)
    assert post(client, story, "你好").status_code == 401


def test_an_article_that_is_not_live_is_a_404(client, fan, reporter, team):
    log_in_fan(client, fan)
    draft = factories.draft_story(reporter, team)
    for target in (draft.pk, 2**62):
        assert client.get(url(target)).status_code == 404
        response = post(client, target, "你好")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"text": "   "}, 400, "text"),
        ({"text": "牛" * 501}, 400, "text"),
        ({"text": "牛" * 6000}, 422, "text"),
        ({}, 422, "text"),
        ({"text": 5}, 422, "text"),
        ({"text": "你好", "reply_to": 0}, 422, "reply_to"),
        ({"text": "你好", "reply_to": 2**70}, 422, "reply_to"),
        ({"text": "你好", "reply_to": 123456}, 400, "reply_to"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(client, story, fan, payload, status, field):
    log_in_fan(client, fan)
    response = client.post(url(story), payload, content_type="application/json")
    assert response.status_code == status and response.json()["field"] == field and response.json()["detail"]
    assert client.post(url(story), "{", content_type="application/json").status_code == 400
    assert not Comment.objects.exists()


def test_writing_too_fast_is_a_429_with_a_message(client, story, fan):
    log_in_fan(client, fan)
    with freeze_time(timezone.now()):
        for i in range(5):
            assert post(client, story, f"第{i}条").status_code == 201
        response = post(client, story, "第六条")
    assert response.status_code == 429 and response.json()["code"] == "throttled" and "seconds" in response.json()["detail"]


def test_replies_are_nested_under_their_comment(client, story, fan, other_fan, operator):
    parent = services.submit_comment(fan=fan, story_id=story.pk, body="楼主")
    services.approve(actor=operator, comment=parent)
    log_in_fan(client, other_fan)
    reply = post(client, story, "回复楼主", reply_to=parent.pk)
    assert reply.status_code == 201 and reply.json()["reply_to"] == parent.pk
    (top,) = client.get(url(story)).json()["items"]
    assert top["id"] == parent.pk and [(r["id"], r["status"]) for r in top["replies"]] == [(reply.json()["id"], "pending")]
    assert Client().get(url(story)).json()["items"][0]["replies"] == []
    services.approve(actor=operator, comment=Comment.objects.get(pk=reply.json()["id"]))
    public = Client().get(url(story)).json()
    assert public["count"] == 2 and len(public["items"]) == 1 and public["items"][0]["replies"][0]["text"] == "回复楼主"
    # When the parent is taken down its published replies still show, on their own.
    services.remove(actor=operator, comment=parent, reason="人身攻击")
    assert [c["text"] for c in Client().get(url(story)).json()["items"]] == ["回复楼主"]


def test_comments_come_newest_first_a_page_at_a_time(client, story, fan, operator):
    start = timezone.now() - dt.timedelta(hours=1)
    for i in range(5):
        with freeze_time(start + dt.timedelta(minutes=2 * i)):
            services.approve(actor=operator, comment=services.submit_comment(fan=fan, story_id=story.pk, body=f"第{i}条"))
    first = client.get(url(story), {"limit": 2}).json()
    assert [c["text"] for c in first["items"]] == ["第4条", "第3条"] and first["count"] == 5
    second = client.get(url(story), {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get(url(story), {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [c["text"] for c in second["items"] + third["items"]] == ["第2条", "第1条", "第0条"]
    assert third["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["nonsense", "MjAyNi0wMS0wMXwx", "bm90LWEtZGF0ZXwx", "x" * 201])
def test_a_bad_cursor_or_limit_is_a_4xx(client, story, cursor):
    assert client.get(url(story), {"cursor": cursor}).status_code in (400, 422)
    assert client.get(url(story), {"limit": 0}).status_code == 422
    assert client.get(url(story), {"limit": 51}).status_code == 422


def test_the_list_takes_the_same_queries_however_many_comments(client, story, fan, other_fan, operator, django_assert_num_queries):
    def add(n):
        for i in range(n):
            parent = services.submit_comment(fan=fan, story_id=story.pk, body=f"评论{i}")
            services.approve(actor=operator, comment=parent)
            services.approve(
                actor=operator, comment=services.submit_comment(fan=other_fan, story_id=story.pk, body=f"回复{i}", reply_to_id=parent.pk)
            )
            from django.core.cache import cache

            cache.clear()  # the rate limits are not under test here

    add(1)
    with django_assert_num_queries(5):
        client.get(url(story))
    add(4)
    with django_assert_num_queries(5):
        data = client.get(url(story)).json()
    assert data["count"] == 10 and all(len(c["replies"]) == 1 for c in data["items"])


def test_the_operations_are_in_the_openapi_document(client, reporter):
    client.force_login(reporter)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    operations = paths["/api/v1/public/articles/{article_id}/comments"]
    assert {"200", "404"} <= set(operations["get"]["responses"])
    assert {"201", "400", "401", "404", "422", "429"} <= set(operations["post"]["responses"])


def test_lone_surrogates_and_control_characters_are_refused_or_dropped_not_a_500(client, story, fan):
    log_in_fan(client, fan)
    assert post(client, story, "好\ud800评论").status_code == 422
    assert post(client, story, "\x00\x07").status_code == 400
    response = post(client, story, "好评\x07论")
    assert response.status_code == 201 and response.json()["text"] == "好评论"
