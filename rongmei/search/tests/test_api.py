import pytest

from rongmei.distribution.models import Publication
from rongmei.search.tests.test_backends import HOSTILE

pytestmark = pytest.mark.django_db


def test_anyone_may_search_and_gets_the_hit_fields(client, publish, team):
    story = publish("泌阳县夏南牛产业发展大会召开", "<p>正文 &lt;script&gt;x&lt;/script&gt; 夏南牛养殖户发言。</p>")
    response = client.get("/api/v1/search", {"q": "夏南牛"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and body["limit"] == 20 and body["offset"] == 0
    (hit,) = body["items"]
    assert hit["id"] == story.pk
    assert "<mark>夏南牛</mark>" in hit["headline"] and "<mark>夏南牛</mark>" in hit["snippet"]
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]
    assert hit["team_id"] == team.pk and hit["team"] == team.name
    assert hit["published_at"].startswith(str(Publication.objects.get(story=story).published_at.year))


def test_filters_and_paging(client, publish, other_team, other_lead, outsider, editor, chief):
    publish("夏南牛进京")
    theirs = publish("夏南牛下乡", author=outsider, in_team=other_team, by=[editor, other_lead, chief])
    body = client.get("/api/v1/search", {"q": "夏南牛", "team": other_team.pk}).json()
    assert [h["id"] for h in body["items"]] == [theirs.pk]
    body = client.get("/api/v1/search", {"q": "夏南牛", "limit": 1, "offset": 1}).json()
    assert body["total"] == 2 and len(body["items"]) == 1
    assert client.get("/api/v1/search", {"q": "夏南牛", "since": "2999-01-01"}).json()["total"] == 0


def test_bad_parameters_are_refused_with_a_message(client):
    response = client.get("/api/v1/search", {"q": "夏南牛", "limit": 1000})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_give_200(client, publish, q):
    publish("夏南牛大会")
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200
    assert response.json()["total"] >= 0


def test_the_operation_is_in_the_openapi_document_without_auth(client, reporter):
    client.force_login(reporter)
    doc = client.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/search"]["get"]
    assert "security" not in op or op["security"] == []
    assert {"id", "headline", "snippet", "team_id", "team", "published_at"} <= set(doc["components"]["schemas"]["HitOut"]["properties"])
