import pytest

from rongmei.fans import services
from rongmei.fans.notify import notify_fan
from rongmei.fans.tests.conftest import log_in_as, make_fan
from rongmei.portal.models import Column
from rongmei.testing import factories


@pytest.fixture
def story(reporter, team, reviewers):
    return factories.published_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")


@pytest.fixture
def columns(team, other_team):
    toutiao = Column.objects.create(name="头条", slug="toutiao", sort_order=10)
    toutiao.teams.add(team)
    meili = Column.objects.create(name="魅力泌阳", slug="meili", sort_order=20)
    meili.teams.add(team, other_team)
    elsewhere = Column.objects.create(name="智慧人大", slug="renda", sort_order=30)
    elsewhere.teams.add(other_team)
    hidden = Column.objects.create(name="隐藏栏目", slug="hidden", active=False)
    hidden.teams.add(team)
    return [toutiao, meili, elsewhere]


def test_an_anonymous_reader_sees_the_likes_and_the_columns(client, story, columns):
    services.like(fan=make_fan("+8613800138001"), story_id=story.pk)
    response = client.get(f"/api/v1/public/articles/{story.pk}/state")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert response.json() == {
        "logged_in": False,
        "kept": False,
        "liked": False,
        "likes": 1,
        "following_column": False,
        "columns": [{"slug": "toutiao", "name": "头条", "following": False}, {"slug": "meili", "name": "魅力泌阳", "following": False}],
        "unread_notifications": 0,
        "csrf_token": "",
    }
    assert "csrftoken" not in response.cookies  # no cookie for anonymous readers of a static page


def test_a_fan_sees_what_they_kept_liked_and_follow(client, story, columns):
    fan = log_in_as(client, make_fan())
    before = client.get(f"/api/v1/public/articles/{story.pk}/state").json()
    assert before["logged_in"] is True and not (before["kept"] or before["liked"] or before["following_column"])
    assert before["csrf_token"]
    services.set_favorite(fan=fan, story_id=story.pk, keep=True)
    services.like(fan=fan, story_id=story.pk)
    services.follow(fan=fan, column_slug="meili")
    services.follow(fan=fan, column_slug="renda")  # follows a column that does not carry it
    notify_fan(fan, kind="x", text="一条未读消息")
    after = client.get(f"/api/v1/public/articles/{story.pk}/state").json()
    assert after["kept"] and after["liked"] and after["likes"] == 1 and after["following_column"]
    assert [c["following"] for c in after["columns"]] == [False, True]
    assert after["unread_notifications"] == 1


def test_following_only_another_column_is_not_following_this_article(client, story, columns):
    fan = log_in_as(client, make_fan())
    services.follow(fan=fan, column_slug="renda")
    assert client.get(f"/api/v1/public/articles/{story.pk}/state").json()["following_column"] is False


def test_unknown_unpublished_and_retracted_articles_are_404(client, story, reporter, team, reviewers, chief):
    from rongmei.distribution import services as distribution

    unpublished = factories.signed_off_story(reporter, team, reviewers)
    assert client.get(f"/api/v1/public/articles/{unpublished.pk}/state").status_code == 404
    assert client.get("/api/v1/public/articles/999999/state").json()["code"] == "not_found"
    assert client.get("/api/v1/public/articles/abc/state").status_code == 422
    distribution.retract(actor=chief, story=story, reason="数据有误")
    assert client.get(f"/api/v1/public/articles/{story.pk}/state").status_code == 404


def test_the_state_costs_the_same_queries_however_many_likes_and_follows(client, story, columns, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fan = log_in_as(client, make_fan())
    url = f"/api/v1/public/articles/{story.pk}/state"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(20):
        other = make_fan(f"+86138001390{n:02d}")
        services.like(fan=other, story_id=story.pk)
        services.follow(fan=other, column_slug="toutiao")
        notify_fan(fan, kind="x", text=f"消息{n}")
    services.follow(fan=fan, column_slug="toutiao")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).json()["likes"] == 20


def test_the_article_page_carries_the_hooks_and_strings_and_nothing_per_reader(client, story, columns):
    anonymous = client.get(f"/news/{story.pk}/").content.decode()
    assert 'id="article-actions"' in anonymous and 'data-i18n-like="Like"' in anonymous
    assert 'data-i18n-follow="Follow %(column)s"' in anonymous and 'data-login="/me/login/"' in anonymous
    fan = log_in_as(client, make_fan())
    services.like(fan=fan, story_id=story.pk)
    services.set_favorite(fan=fan, story_id=story.pk, keep=True)
    page = client.get(f"/news/{story.pk}/").content.decode()
    footer = page[page.index('id="article-actions"') : page.index("</footer>")]
    assert footer in anonymous  # the reader's likes and favorites are not in the page
