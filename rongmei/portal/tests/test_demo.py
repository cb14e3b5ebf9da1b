"""The demo arrangement: a topic with the demo stories, carousel and headline features, a topic column."""

from rongmei.portal import demo, selectors
from rongmei.portal.models import Column, Feature, Topic
from rongmei.portal.tests.conftest import live_story


def test_seed_demo_arranges_the_published_demo_stories_once(client, reporter, team, reviewers):
    opening = live_story(reporter, team, reviewers, headline=demo.TOPIC_STORIES[0])
    farmers = live_story(reporter, team, reviewers, headline=demo.TOPIC_STORIES[1])
    created = demo.seed_demo()
    assert created == {"topics": 1, "topic stories": 2, "features": 4, "columns": 1}
    assert demo.seed_demo() == {}  # a second run changes nothing
    topic = Topic.objects.get(slug=demo.TOPIC_SLUG)
    assert [s.pk for s in selectors.topic_stories(topic)] == [opening.pk, farmers.pk]
    home = selectors.home()
    assert [i["id"] for i in home["carousel"]] == [opening.pk, farmers.pk]  # generated banners: the stories have no photos
    assert [i["id"] for i in home["headlines"]] == [opening.pk, farmers.pk]
    assert Feature.objects.count() == 4 and Column.objects.get(slug="zhuanti").kind == Column.Kind.TOPIC
    html = client.get("/").content.decode()
    assert "牛业盛会在泌阳开幕" in html
    picture = home["carousel"][0]["image"]
    assert client.get(picture).status_code == 200
    assert demo.TOPIC_TITLE in client.get("/column/zhuanti/").content.decode()
