import datetime as dt

import pytest
from django.utils import timezone

from rongmei.distribution.models import Publication
from rongmei.search import services
from rongmei.search.tests.test_backends import HOSTILE

pytestmark = pytest.mark.django_db


def test_the_page_shows_highlighted_hits_with_team_date_and_link(client, publish, team):
    story = publish("泌阳县夏南牛产业发展大会召开", "<p>正文 &lt;script&gt;alert(1)&lt;/script&gt; 夏南牛养殖户发言。</p>")
    response = client.get("/search/", {"q": "夏南牛"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>夏南牛</mark>" in html
    assert f"/news/{story.pk}/" in html
    assert team.name in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    assert response.context["total"] == 1


def test_the_page_without_a_query_asks_for_words(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert response.context["hits"] == []


def test_the_page_filters_by_team_and_date(client, publish, other_team, other_lead, outsider, editor, chief):
    ours = publish("夏南牛进京")
    theirs = publish("夏南牛下乡", author=outsider, in_team=other_team, by=[editor, other_lead, chief])
    Publication.objects.filter(story=theirs).update(published_at=timezone.now() - dt.timedelta(days=10))
    services.sync(theirs.pk)

    def found(**params):
        response = client.get("/search/", {"q": "夏南牛", **params})
        assert response.status_code == 200
        return {h.story_id for h in response.context["hits"]}

    assert found() == {ours.pk, theirs.pk}
    assert found(team=other_team.pk) == {theirs.pk}
    assert found(since=timezone.localdate().isoformat()) == {ours.pk}
    assert found(until=(timezone.localdate() - dt.timedelta(days=1)).isoformat()) == {theirs.pk}


def test_bad_filters_are_shown_not_fatal(client, publish):
    publish("夏南牛进京")
    for params in (
        {"team": "abc"},
        {"team": "99999"},
        {"since": "2024-13-45"},
        {"since": "2025-02-01", "until": "2025-01-01"},
        {"page": "x"},
    ):
        response = client.get("/search/", {"q": "夏南牛", **params})
        assert response.status_code == 200


def test_the_page_paginates_and_keeps_the_filters(client, publish, team):
    for n in range(12):
        publish(f"夏南牛第{n}篇")
    first = client.get("/search/", {"q": "夏南牛", "team": team.pk})
    assert first.context["total"] == 12 and len(first.context["hits"]) == 10
    html = first.content.decode()
    assert f"team={team.pk}" in html and "page=2" in html
    second = client.get("/search/", {"q": "夏南牛", "team": team.pk, "page": 2})
    assert len(second.context["hits"]) == 2
    assert not {h.story_id for h in first.context["hits"]} & {h.story_id for h in second.context["hits"]}
    beyond = client.get("/search/", {"q": "夏南牛", "page": 99})
    assert beyond.status_code == 200 and beyond.context["page"] == 2


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_give_a_page(client, publish, q):
    publish("夏南牛大会")
    assert client.get("/search/", {"q": q}).status_code == 200


def test_the_page_takes_a_fixed_number_of_queries(client, publish, django_assert_max_num_queries):
    for n in range(5):
        publish(f"夏南牛第{n}篇")
    with django_assert_max_num_queries(8):
        response = client.get("/search/", {"q": "夏南牛"})
    assert len(response.context["hits"]) == 5


def test_the_page_is_in_chinese(client, publish):
    publish("夏南牛大会")
    html = client.get("/search/", {"q": "夏南牛"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "搜索" in html
