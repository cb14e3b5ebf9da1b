"""Related reading (相关阅读): live stories sharing keywords, at the bottom of the article and in
the API's article detail."""

from rongmei.portal import selectors
from rongmei.portal.tests.conftest import live_story, signed_off


def test_related_stories_share_keywords_most_shared_first_live_only(client, reporter, team, reviewers):
    story = live_story(reporter, team, reviewers, headline="第十五届中国牛业发展大会开幕", keywords=["夏南牛", "牛业大会", "肉牛产业"])
    close = live_story(reporter, team, reviewers, headline="夏南牛产品亮相展销会", keywords=["夏南牛", "牛业大会"])
    loose = live_story(reporter, team, reviewers, headline="羊册镇养殖户扩栏增收", keywords=["夏南牛"])
    live_story(reporter, team, reviewers, headline="铜山湖景区游客增长", keywords=["铜山湖", "文旅"])
    signed_off(reporter, team, reviewers, headline="签发未发布的夏南牛稿件", keywords=["夏南牛", "牛业大会"])
    html = client.get(f"/news/{story.pk}/").content.decode()
    section = html[html.index('class="related"') :]
    assert section.index(f'href="/news/{close.pk}/"') < section.index(f'href="/news/{loose.pk}/"')
    assert "铜山湖景区游客增长" not in section and "签发未发布的夏南牛稿件" not in section
    assert f'href="/news/{story.pk}/"' not in section  # not itself
    assert "{#" not in html and "{%" not in html  # no template comment shows as text
    body = client.get(f"/api/v1/public/articles/{story.pk}").json()
    assert body["related"] == [close.pk, loose.pk]


def test_the_headline_speaks_when_editors_gave_no_keywords_and_five_at_most(reporter, team, reviewers):
    story = live_story(reporter, team, reviewers, headline="泌阳花菇喜获丰收")
    others = [live_story(reporter, team, reviewers, headline=f"花菇产业带动农户增收之{n}") for n in range(6)]
    live = selectors.distribution.published_stories().get(pk=story.pk)
    related = selectors.related(live)
    assert len(related) == selectors.RELATED_MAX
    assert [s.pk for s in related] == [s.pk for s in reversed(others)][:5]  # equally related: newest first


def test_a_story_about_nothing_else_has_no_related_section(client, reporter, team, reviewers):
    live_story(reporter, team, reviewers, headline="铜山湖景区游客增长", keywords=["铜山湖"])
    story = live_story(reporter, team, reviewers, headline="县人大常委会召开会议", keywords=["人大"])
    html = client.get(f"/news/{story.pk}/").content.decode()
    assert 'class="related"' not in html
    assert client.get(f"/api/v1/public/articles/{story.pk}").json()["related"] == []
