"""The staff moderation queue with every kind: filters, actions on topic posts and chat messages,
reports, standing, the policies page, and what a fan or a reporter cannot do there."""

import pytest

from rongmei.community import chat, moderation, services, topics
from rongmei.community.models import ChatMessage, ChatRoom, FanStanding, ModerationPolicy, Topic, TopicPost
from rongmei.community.tests.conftest import log_in_fan, png
from rongmei.core.models import AuditLog
from rongmei.newsroom.tests.test_views_common import as_user

S = TopicPost.Status
QUEUE = "/newsroom/moderation/"
PLACES = "/newsroom/moderation/places/"


@pytest.fixture
def mixed(story, premod_topic, open_room, fan, other_fan, operator):
    moderation.set_place_policy(actor=operator, place=open_room, premoderated=True)
    return {
        "comment": services.submit_comment(fan=fan, story_id=story.pk, body="评论待审"),
        "post": topics.submit_post(fan=fan, topic=premod_topic, body="帖子待审", pictures=[png()]),
        "message": chat.post_message(fan=other_fan, room_id=open_room.pk, body="消息待审"),
    }


def test_the_queue_shows_all_three_kinds_and_filters_them(operator, mixed, premod_topic, open_room):
    client = as_user(operator)
    html = client.get(QUEUE).content.decode()
    for kind, item in mixed.items():
        assert f'id="{kind}-{item.pk}"' in html
    assert "#泌阳花菇#" in html and "铜山湖闲聊" in html and "/huati/p/" in html
    only_posts = client.get(QUEUE, {"kind": "post"}).content.decode()
    assert f'id="post-{mixed["post"].pk}"' in only_posts and f'id="comment-{mixed["comment"].pk}"' not in only_posts
    in_room = client.get(QUEUE, {"room": open_room.pk}).content.decode()
    assert f'id="message-{mixed["message"].pk}"' in in_room and f'id="post-{mixed["post"].pk}"' not in in_room
    assert client.get(QUEUE, {"kind": "bogus", "topic": "x", "room": "999999", "status": "reported"}).status_code == 200
    assert as_user(operator).get(f"/huati/p/{mixed['post'].pictures.get().pk}/").status_code == 200  # moderators see pending pictures


@pytest.mark.parametrize("kind", ["post", "message"])
def test_moderators_approve_reject_and_remove_posts_and_messages(operator, mixed, kind):
    client = as_user(operator)
    item = mixed[kind]
    response = client.post(QUEUE, {"action": "approve", "kind": kind, "item": item.pk}, HTTP_HX_REQUEST="true")
    assert (
        response.status_code == 200
        and f'id="{kind}-{item.pk}"' in response.content.decode()
        and "state-approved" in response.content.decode()
    )
    refused = client.post(QUEUE, {"action": "remove", "kind": kind, "item": item.pk, "reason": " "})
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    assert client.post(QUEUE, {"action": "remove", "kind": kind, "item": item.pk, "reason": "离题"}).status_code == 302
    item.refresh_from_db()
    assert item.status == S.REMOVED and item.reason == "离题"
    assert AuditLog.objects.filter(action=f"{moderation.SPECS[kind].audit}.remove", actor=operator).exists()
    assert client.post(QUEUE, {"action": "approve", "kind": kind, "item": 999999}).status_code == 404
    assert client.post(QUEUE, {"action": "approve", "kind": "bogus", "item": item.pk}).status_code == 404


def test_a_reported_item_is_hidden_shown_with_its_reports_and_restored(operator, topic, fan, fans, settings):
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_AUTO_HIDE_REPORTS": 2}
    post = topics.submit_post(fan=fan, topic=topic, body="被举报的帖子")
    moderation.report(fan=fans[0], kind="post", item_id=post.pk, category="spam", note="卖牛肉")
    moderation.report(fan=fans[1], kind="post", item_id=post.pk, category="abuse")
    client = as_user(operator)
    html = client.get(QUEUE).content.decode()
    assert f'id="post-{post.pk}"' in html and f'data-testid="reports-post-{post.pk}"' in html and "卖牛肉" in html
    assert "被举报的帖子" not in as_user(operator).get("/huati/xianan-cattle/").content.decode()
    assert client.post(QUEUE, {"action": "restore", "kind": "post", "item": post.pk}).status_code == 302
    post.refresh_from_db()
    assert not post.hidden and "被举报的帖子" in client.get("/huati/xianan-cattle/").content.decode()


def test_holding_and_lifting_a_fan_from_the_queue_and_the_places_page(operator, mixed, fan):
    client = as_user(operator)
    assert client.post(QUEUE, {"action": "hold", "kind": "post", "item": mixed["post"].pk}).status_code == 302
    assert FanStanding.objects.get(fan=fan).premoderated
    assert f'data-testid="held-{fan.pk}"' in client.get(PLACES).content.decode()
    assert client.post(PLACES, {"action": "lift", "fan": fan.pk}).status_code == 302
    assert not FanStanding.objects.get(fan=fan).premoderated
    assert AuditLog.objects.filter(action="fan.lift_premoderation", actor=operator).exists()


def test_the_places_page_changes_policies(operator, topic, open_room):
    client = as_user(operator)
    assert client.get(PLACES).status_code == 200
    client.post(PLACES, {"action": "comments", "premoderated": "0"})
    client.post(PLACES, {"action": "topic", "id": topic.pk, "premoderated": "1"})
    client.post(PLACES, {"action": "room", "id": open_room.pk, "premoderated": "1"})
    assert ModerationPolicy.objects.get().premoderated is False
    assert Topic.objects.get(pk=topic.pk).premoderated and ChatRoom.objects.get(pk=open_room.pk).premoderated
    assert client.post(PLACES, {"action": "room", "id": "abc", "premoderated": "1"}).status_code == 404
    assert client.post(PLACES, {"action": "bogus"}).status_code == 400


@pytest.mark.parametrize("who", ["reporter", "photographer"])
def test_reporters_cannot_moderate_any_kind(people, who, mixed):
    client = as_user(people[who])
    assert client.get(PLACES).status_code == 403
    assert client.post(QUEUE, {"action": "approve", "kind": "message", "item": mixed["message"].pk}).status_code == 403
    assert ChatMessage.objects.get().status == S.PENDING


def test_a_logged_in_fan_cannot_reach_the_queue(client, fan, mixed):
    log_in_fan(client, fan)
    assert client.get(QUEUE).status_code == 302
    assert client.post(QUEUE, {"action": "approve", "kind": "post", "item": mixed["post"].pk}).status_code == 302
    assert TopicPost.objects.get().status == S.PENDING


def test_moderators_start_topics_open_rooms_and_add_members_on_the_places_page(operator, fan):
    from rongmei.community.models import RoomMember

    client = as_user(operator)
    bad = client.post(PLACES, {"action": "new_topic", "name": "铜山湖", "slug": "Not A Slug", "premoderated": "1"})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'data-field="slug"' in html and 'value="铜山湖"' in html  # what was typed stays
    assert client.post(PLACES, {"action": "new_topic", "name": "铜山湖", "slug": "tongshan", "cover": png()}).status_code == 302
    topic = Topic.objects.get()
    assert not topic.premoderated and topic.created_by == operator and topic.cover
    assert client.post(PLACES, {"action": "new_room", "name": "志愿者", "access": "members", "premoderated": "1"}).status_code == 302
    room = ChatRoom.objects.get()
    assert room.members_only and room.premoderated and room.invite_code
    missing = client.post(PLACES, {"action": "add_member", "room": room.pk, "phone": "13900000000", "role": "member"})
    assert missing.status_code == 400 and 'data-field="phone"' in missing.content.decode()
    assert client.post(PLACES, {"action": "add_member", "room": room.pk, "phone": "138 0000 0001", "role": "owner"}).status_code == 302
    assert RoomMember.objects.get(room=room, fan=fan).role == "owner"
    assert AuditLog.objects.filter(action__in=["topic.create", "chatroom.create", "chatroom.member"]).count() == 3
    assert client.post(PLACES, {"action": "add_member", "room": "x", "phone": "1"}).status_code == 404


def test_the_mixed_queue_takes_the_same_queries_however_long_it_is(
    operator, story, premod_topic, open_room, fan, other_fan, fans, settings
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    moderation.set_place_policy(actor=operator, place=open_room, premoderated=True)
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_AUTO_HIDE_REPORTS": 1}
    client = as_user(operator)

    def add(n):
        for i in range(n):
            cache.clear()
            who = fan if i % 2 else other_fan
            services.submit_comment(fan=who, story_id=story.pk, body=f"评论{i}")
            topics.submit_post(fan=who, topic=premod_topic, body=f"帖子{i}", pictures=[png()])
            chat.post_message(fan=who, room_id=open_room.pk, body=f"消息{i}")
        moderation.set_place_policy(actor=operator, place=premod_topic, premoderated=False)
        post = topics.submit_post(fan=fan, topic=premod_topic, body="会被举报")
        moderation.report(fan=fans[len(TopicPost.objects.all()) % 6], kind="post", item_id=post.pk, category="spam")
        moderation.set_place_policy(actor=operator, place=premod_topic, premoderated=True)

    def measure():
        client.get(QUEUE)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return len(queries)

    add(1)
    few = measure()
    add(5)
    assert measure() == few
