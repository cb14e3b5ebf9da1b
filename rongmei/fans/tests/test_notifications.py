import datetime as dt

import pytest
from django.utils import timezone

from rongmei.fans import selectors, services
from rongmei.fans.models import FanNotification
from rongmei.fans.notify import notify_fan
from rongmei.fans.tests.conftest import log_in_as, make_fan


@pytest.fixture
def fan(db):
    return make_fan()


def _messages(fan, n, start=None):
    """n messages, one minute apart, the last the newest."""
    start = start or timezone.now() - dt.timedelta(hours=1)
    notes = []
    for i in range(n):
        note = notify_fan(fan, kind="column.new_story", text=f"头条有新文章：第{i}条", url=f"/news/{i + 1}/")
        FanNotification.objects.filter(pk=note.pk).update(created_at=start + dt.timedelta(minutes=i))
        notes.append(note)
    return notes


def test_the_api_pages_through_every_notification_once_newest_first(client, fan):
    notes = _messages(fan, 7)
    notify_fan(make_fan("+8613800138001"), kind="x", text="别人的消息")
    log_in_as(client, fan)
    seen, cursor = [], None
    for _page in range(5):
        body = client.get("/api/v1/public/me/notifications?limit=3" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [item["id"] for item in body["items"]]
        assert body["unread"] == 7
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [n.pk for n in reversed(notes)]
    first = client.get("/api/v1/public/me/notifications?limit=1")
    assert first["Cache-Control"] == "private, no-store"
    (item,) = first.json()["items"]
    assert (
        item["text"] == "头条有新文章：第6条" and item["url"] == "/news/7/" and item["read"] is False and item["kind"] == "column.new_story"
    )


def test_messages_arriving_between_pages_shift_nothing(client, fan):
    notes = _messages(fan, 4)
    log_in_as(client, fan)
    body = client.get("/api/v1/public/me/notifications?limit=2").json()
    notify_fan(fan, kind="x", text="翻页时到达的新消息")
    rest = client.get(f"/api/v1/public/me/notifications?limit=2&cursor={body['next_cursor']}").json()
    assert [i["id"] for i in rest["items"]] == [notes[1].pk, notes[0].pk]


@pytest.mark.parametrize(
    "cursor", ["garbage", "!!!", "MjAyNi0xMS0yNnx4", "MjAyNi0xMS0yNlQwMDowMDowMHw1", "MDAwMS0wMS0wMVQwMDowMDowMCsxNDowMHw1"]
)
def test_a_bad_cursor_is_a_clear_400(client, fan, cursor):
    log_in_as(client, fan)
    response = client.get(f"/api/v1/public/me/notifications?cursor={cursor}")
    assert response.status_code == 400 and response.json()["field"] == "cursor"


def test_the_unread_count_and_marking_some_or_all_read(client, fan):
    notes = _messages(fan, 3)
    stranger = notify_fan(make_fan("+8613800138001"), kind="x", text="别人的消息")
    assert client.get("/api/v1/public/me/notifications/unread-count").status_code == 401
    assert client.post("/api/v1/public/me/notifications/read", {}, content_type="application/json").status_code == 401
    log_in_as(client, fan)
    assert client.get("/api/v1/public/me/notifications/unread-count").json() == {"unread": 3}
    some = client.post("/api/v1/public/me/notifications/read", {"ids": [notes[0].pk, stranger.pk]}, content_type="application/json")
    assert some.status_code == 200 and some.json() == {"marked": 1, "unread": 2}
    stranger.refresh_from_db()
    assert stranger.read_at is None  # someone else's message is not touched
    rest = client.post("/api/v1/public/me/notifications/read", {}, content_type="application/json")
    assert rest.json() == {"marked": 2, "unread": 0}
    assert client.get("/api/v1/public/me/notifications").json()["items"][0]["read"] is True


def test_too_many_or_bad_ids_are_a_422(client, fan):
    log_in_as(client, fan)
    too_many = client.post(
        "/api/v1/public/me/notifications/read", {"ids": list(range(1, services.MAX_READ_IDS + 2))}, content_type="application/json"
    )
    assert too_many.status_code == 422 and too_many.json()["field"] == "ids"
    assert client.post("/api/v1/public/me/notifications/read", {"ids": [0]}, content_type="application/json").status_code == 422
    assert client.post("/api/v1/public/me/notifications/read", {"ids": "all"}, content_type="application/json").status_code == 422
    assert client.get("/api/v1/public/me/notifications?limit=51").status_code == 422


def test_the_notification_center_page(client, fan):
    assert client.get("/me/notifications/").url == "/me/login/?next=/me/notifications/"
    notes = _messages(fan, 2)
    FanNotification.objects.filter(pk=notes[0].pk).update(read_at=timezone.now())
    log_in_as(client, fan)
    page = client.get("/me/notifications/").content.decode()
    assert page.index("第1条") < page.index("第0条")  # newest first
    assert page.count("is-unread") == 1 and "1 unread" in page and "Mark all as read" in page
    assert f'href="/me/notifications/{notes[1].pk}/"' in page
    # Opening a message marks it read and leads to its link.
    opened = client.get(f"/me/notifications/{notes[1].pk}/")
    assert opened.url == "/news/2/" and selectors.unread_count(fan) == 0
    assert "Mark all as read" not in client.get("/me/notifications/").content.decode()


def test_marking_all_read_on_the_page_and_nobody_opens_anothers_message(client, fan):
    _messages(fan, 3)
    stranger = notify_fan(make_fan("+8613800138001"), kind="x", text="别人的消息", url="/news/9/")
    log_in_as(client, fan)
    assert client.post("/me/notifications/read/").url == "/me/notifications/"
    assert selectors.unread_count(fan) == 0
    assert client.get(f"/me/notifications/{stranger.pk}/").status_code == 404
    stranger.refresh_from_db()
    assert stranger.read_at is None


def test_a_link_off_the_site_is_not_followed(client, fan):
    note = notify_fan(fan, kind="x", text="外链消息", url="https://evil.example/")
    log_in_as(client, fan)
    assert client.get(f"/me/notifications/{note.pk}/").url == "/me/notifications/"


def test_the_profile_links_to_messages_follows_and_counts_likes(client, fan, reporter, team, reviewers):
    from rongmei.testing import factories

    story = factories.published_story(reporter, team, reviewers)
    services.like(fan=fan, story_id=story.pk)
    _messages(fan, 2)
    log_in_as(client, fan)
    profile = client.get("/me/").content.decode()
    assert 'href="/me/notifications/"' in profile and "2 unread" in profile
    assert "You like 1 article." in profile
    assert "No columns followed yet" in profile
