import pytest

from rongmei.portal.models import Column
from rongmei.testing import factories


def test_columns_are_listed_in_order_without_login(client, db):
    Column.objects.create(name="魅力泌阳", slug="meili", sort_order=20)
    Column.objects.create(name="头条", slug="toutiao", icon="📰", sort_order=10)
    Column.objects.create(name="隐藏", slug="hidden", active=False)
    response = client.get("/api/v1/public/columns")
    assert response.status_code == 200
    assert [c["slug"] for c in response.json()] == ["toutiao", "meili"] and response.json()[0]["icon"] == "📰"


def test_the_feed_pages_through_every_live_story_once_with_a_cursor(client, reporter, team, reviewers):
    made = [factories.published_story(reporter, team, reviewers, headline=f"泌阳新闻第{n}条稿件").pk for n in range(5)]
    factories.signed_off_story(reporter, team, reviewers, headline="签发未发布的稿件")
    seen, cursor = [], None
    for _page in range(5):
        url = "/api/v1/public/feed?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))  # newest first, each once, nothing unpublished


def test_the_feed_of_a_column_lists_its_teams_only(client, reporter, team, reviewers):
    column = Column.objects.create(name="头条", slug="toutiao")
    Column.objects.create(name="空栏目", slug="empty")
    story = factories.published_story(reporter, team, reviewers, headline="头条栏目的新闻稿件")
    column.teams.add(team)
    assert [i["id"] for i in client.get("/api/v1/public/feed?column=toutiao").json()["items"]] == [story.pk]
    assert client.get("/api/v1/public/feed?column=empty").json() == {"items": [], "next_cursor": None}
    assert client.get("/api/v1/public/feed?column=nope").status_code == 404


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "MjAyNi0xMS0yNnx4"])
def test_a_bad_cursor_is_a_clear_400_not_a_500(client, db, cursor):
    response = client.get(f"/api/v1/public/feed?cursor={cursor}")
    assert response.status_code == 400 and response.json()["field"] == "cursor"


def test_an_article_is_what_was_published_not_the_working_copy(client, reporter, team, reviewers):
    from rongmei.newsroom import services

    story = factories.published_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")
    services.autosave(actor=reporter, story=story, headline="未经审核的新标题")
    body = client.get(f"/api/v1/public/articles/{story.pk}").json()
    assert body["headline"] == "铜山湖夏南牛节开幕" and body["version"] == 1 and body["correction"] == ""
    assert body["authors"] == [reporter.display_name] and body["url"] == f"/news/{story.pk}/"
    unpublished = factories.signed_off_story(reporter, team, reviewers)
    assert client.get(f"/api/v1/public/articles/{unpublished.pk}").status_code == 404
