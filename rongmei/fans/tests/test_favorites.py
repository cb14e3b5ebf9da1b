import pytest

from rongmei.core.exceptions import DomainError
from rongmei.fans import services
from rongmei.fans.models import Fan, Favorite
from rongmei.fans.tests.conftest import PHONE, last_code
from rongmei.testing import factories


def log_in(client):
    client.post("/me/login/", {"action": "send", "phone": PHONE})
    client.post("/me/login/", {"action": "verify", "phone": PHONE, "code": last_code()})
    return Fan.objects.get()


def test_a_fan_keeps_an_article_sees_it_on_the_profile_and_lets_it_go(client, reporter, team, reviewers):
    story = factories.published_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")
    fan = log_in(client)
    # The article page is the same for every reader: a plain link to the confirm page, no form.
    article = client.get(f"/news/{story.pk}/").content.decode()
    assert f'href="/me/favorites/{story.pk}/" class="js-keep"' in article and 'name="keep"' not in article
    confirm = client.get(f"/me/favorites/{story.pk}/").content.decode()
    assert 'name="keep" value="1"' in confirm and "铜山湖夏南牛节开幕" in confirm and "csrfmiddlewaretoken" in confirm
    kept = client.post(f"/me/favorites/{story.pk}/", {"keep": "1"})
    assert kept.status_code == 302 and kept.url == f"/news/{story.pk}/"
    client.post(f"/me/favorites/{story.pk}/", {"keep": "1"})  # twice changes nothing
    assert Favorite.objects.filter(fan=fan).count() == 1
    assert 'name="keep" value="0"' in client.get(f"/me/favorites/{story.pk}/").content.decode()
    assert 'name="keep"' not in client.get(f"/news/{story.pk}/").content.decode()
    assert "铜山湖夏南牛节开幕" in client.get("/me/").content.decode()
    client.post(f"/me/favorites/{story.pk}/", {"keep": "0"})
    assert not Favorite.objects.exists()
    assert 'name="keep" value="1"' in client.get(f"/me/favorites/{story.pk}/").content.decode()


def test_keeping_asks_an_anonymous_reader_to_log_in_first(client, reporter, team, reviewers):
    story = factories.published_story(reporter, team, reviewers)
    response = client.post(f"/me/favorites/{story.pk}/", {"keep": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/me/login/?next=/news/")
    # The article's "Keep" link: log in, then back to the confirm page.
    response = client.get(f"/me/favorites/{story.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/me/login/?next=/me/favorites/{story.pk}/"
    assert not Favorite.objects.exists()


def test_the_confirm_page_is_only_for_live_articles(client, reporter, team, reviewers):
    log_in(client)
    unpublished = factories.signed_off_story(reporter, team, reviewers, headline="签发未发布的稿件")
    response = client.get(f"/me/favorites/{unpublished.pk}/")
    assert response.status_code == 404 and "签发未发布的稿件" not in response.content.decode()
    assert client.get("/me/favorites/999999/").status_code == 404


def test_only_live_articles_can_be_kept_and_a_retracted_one_leaves_the_list(db, reporter, team, reviewers, chief):
    from rongmei.distribution import services as distribution

    fan = Fan.objects.create(phone="+8613800138000")
    signed_off = factories.signed_off_story(reporter, team, reviewers)
    with pytest.raises(DomainError):
        services.set_favorite(fan=fan, story_id=signed_off.pk, keep=True)
    story = factories.published_story(reporter, team, reviewers, headline="撤稿前收藏的稿件")
    services.set_favorite(fan=fan, story_id=story.pk, keep=True)
    assert [s.pk for s in services.favorites(fan)] == [story.pk]
    distribution.retract(actor=chief, story=story, reason="数据有误")
    assert services.favorites(fan) == []
    assert services.set_favorite(fan=fan, story_id=story.pk, keep=False) is False


def test_the_api_keeps_lists_and_lets_go_of_articles(client, reporter, team, reviewers):
    story = factories.published_story(reporter, team, reviewers, headline="接口收藏的稿件")
    assert client.get("/api/v1/public/me/favorites").status_code == 401
    log_in(client)
    assert client.put(f"/api/v1/public/me/favorites/{story.pk}").status_code == 204
    (item,) = client.get("/api/v1/public/me/favorites").json()
    assert item["id"] == story.pk and item["headline"] == "接口收藏的稿件"
    unpublished = factories.signed_off_story(reporter, team, reviewers)
    refused = client.put(f"/api/v1/public/me/favorites/{unpublished.pk}")
    assert refused.status_code == 400 and refused.json()["field"] == "story"
    assert client.delete(f"/api/v1/public/me/favorites/{story.pk}").status_code == 204
    assert client.get("/api/v1/public/me/favorites").json() == []
