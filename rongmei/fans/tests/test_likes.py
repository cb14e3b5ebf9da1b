import pytest
from django.test import Client

from rongmei.fans import selectors, services
from rongmei.fans.models import Like
from rongmei.fans.tests.conftest import log_in_as, make_fan
from rongmei.testing import factories


@pytest.fixture
def story(reporter, team, reviewers):
    return factories.published_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")


def test_a_fan_likes_an_article_once_and_takes_it_back(story):
    fan, other = make_fan(), make_fan("+8613800138001")
    assert services.like(fan=fan, story_id=story.pk) is True
    services.like(fan=fan, story_id=story.pk)  # twice changes nothing
    services.like(fan=other, story_id=story.pk)
    assert selectors.like_count(story.pk) == 2 and Like.objects.filter(fan=fan).count() == 1
    assert services.unlike(fan=fan, story_id=story.pk) is False
    services.unlike(fan=fan, story_id=story.pk)
    assert selectors.like_count(story.pk) == 1


def test_only_live_articles_can_be_liked(db, story, reporter, team, reviewers, chief):
    from rongmei.distribution import services as distribution

    fan = make_fan()
    signed_off = factories.signed_off_story(reporter, team, reviewers, headline="签发未发布的稿件")
    for story_id in (signed_off.pk, 999999):
        with pytest.raises(services.NotFound) as refused:
            services.like(fan=fan, story_id=story_id)
        assert refused.value.status == 404 and refused.value.field == "article"
    services.like(fan=fan, story_id=story.pk)
    assert selectors.liked_count(fan) == 1
    distribution.retract(actor=chief, story=story, reason="数据有误")
    with pytest.raises(services.NotFound):
        services.like(fan=make_fan("+8613800138002"), story_id=story.pk)
    assert selectors.liked_count(fan) == 0  # the profile counts live articles only


def test_the_api_likes_and_unlikes_and_returns_the_count(client, story):
    refused = client.put(f"/api/v1/public/me/likes/{story.pk}")
    assert refused.status_code == 401 and refused.json() == {"detail": "Log in first.", "code": "not_logged_in", "field": None}
    other = make_fan("+8613800138001")
    services.like(fan=other, story_id=story.pk)
    log_in_as(client, make_fan())
    liked = client.put(f"/api/v1/public/me/likes/{story.pk}")
    assert liked.status_code == 200 and liked.json() == {"liked": True, "likes": 2}
    assert client.put(f"/api/v1/public/me/likes/{story.pk}").json() == {"liked": True, "likes": 2}
    undone = client.delete(f"/api/v1/public/me/likes/{story.pk}")
    assert undone.status_code == 200 and undone.json() == {"liked": False, "likes": 1}


def test_liking_an_unknown_or_unpublished_article_is_a_404_with_a_message(client, reporter, team, reviewers):
    log_in_as(client, make_fan())
    unpublished = factories.signed_off_story(reporter, team, reviewers)
    for article_id in (unpublished.pk, 999999):
        for method in (client.put, client.delete):
            response = method(f"/api/v1/public/me/likes/{article_id}")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found" and response.json()["detail"] == "This article is not published (any more)."
    assert client.put("/api/v1/public/me/likes/0").status_code == 422
    assert client.put(f"/api/v1/public/me/likes/{2**63}").status_code == 422
    assert not Like.objects.exists()


def test_a_write_without_the_csrf_token_is_refused_and_the_state_hands_out_the_token(db, story):
    browser = Client(enforce_csrf_checks=True)
    log_in_as(browser, make_fan())
    refused = browser.put(f"/api/v1/public/me/likes/{story.pk}")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert browser.put(f"/api/v1/public/me/favorites/{story.pk}").status_code == 403
    assert not Like.objects.exists()
    token = browser.get(f"/api/v1/public/articles/{story.pk}/state").json()["csrf_token"]
    assert token
    done = browser.put(f"/api/v1/public/me/likes/{story.pk}", headers={"X-CSRFToken": token})
    assert done.status_code == 200 and done.json()["liked"] is True
    # Anonymous callers hear that they must log in, not about tokens.
    assert Client(enforce_csrf_checks=True).put(f"/api/v1/public/me/likes/{story.pk}").status_code == 401
