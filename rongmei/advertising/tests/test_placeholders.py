"""The ad placeholders in the public pages (filled by static/js/ads.js from the public API, so the
published files stay the same for everybody): the home page's and a column's banner and in-feed
slots, the article's bottom slot and the live room's, each hidden until an ad fills it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.portal.models import Column
from rongmei.testing import factories

pytestmark = pytest.mark.django_db


def slots(html: str) -> list[tuple[str, str]]:
    """(slot, column) of each placeholder, in page order; each must be hidden."""
    found = []
    for tag in re.findall(r"<(?:div|li)[^>]*\bdata-ad-slot=[^>]*>", html):
        assert " hidden" in tag, tag
        column = re.search(r'data-ad-column="([^"]*)"', tag)
        found.append((re.search(r'data-ad-slot="([^"]+)"', tag).group(1), column.group(1) if column else ""))
    return found


@pytest.fixture
def stories(reporter, team, reviewers):
    return [factories.published_story(reporter, team, reviewers, headline=f"泌阳新闻第{i}条") for i in range(6)]


def test_the_home_page_has_a_banner_and_an_in_feed_slot_after_the_fifth_story(client, stories):
    html = client.get("/").content.decode()
    assert slots(html) == [("banner", ""), ("in_feed", "")]
    # Newest first: the fifth card is the second story made, the sixth the first.
    assert html.index("泌阳新闻第1条") < html.index('data-ad-slot="in_feed"') < html.index("泌阳新闻第0条")
    assert "js/ads.js" in html and html.index("js/beacon.js") < html.index("js/ads.js")


def test_a_column_page_names_its_column_to_the_ads(client, stories, team):
    column = Column.objects.create(name="头条", slug="toutiao", sort_order=1)
    column.teams.set([team])
    html = client.get(reverse("portal:column", args=["toutiao"])).content.decode()
    assert slots(html) == [("banner", "toutiao"), ("in_feed", "toutiao")]


def test_an_article_has_its_bottom_slot_after_the_text_before_the_comments(client, stories):
    html = client.get(reverse("portal:story", args=[stories[0].pk])).content.decode()
    assert slots(html) == [("article_bottom", "")]
    assert html.index("article-body") < html.index('data-ad-slot="article_bottom"') < html.index('id="comments"')


def test_an_article_names_the_first_column_listing_its_team(client, stories, team):
    """So that a campaign targeting 头条 also shows under 头条's articles."""
    Column.objects.create(name="服务", slug="fuwu", kind=Column.Kind.SERVICES, sort_order=1).teams.set([team])
    Column.objects.create(name="魅力泌阳", slug="meili", sort_order=3).teams.set([team])
    Column.objects.create(name="头条", slug="toutiao", sort_order=2).teams.set([team])
    Column.objects.create(name="停用", slug="tingyong", sort_order=0, active=False).teams.set([team])
    html = client.get(reverse("portal:story", args=[stories[0].pk])).content.decode()
    assert slots(html) == [("article_bottom", "toutiao")]


def test_the_published_files_carry_the_same_placeholders(stories):
    """Publishing is untouched: the static files are the templates' output, placeholders and all."""
    from rongmei.portal import static_pages

    assert slots(static_pages.render_index()) == [("banner", ""), ("in_feed", "")]
    from rongmei.distribution import selectors

    story = selectors.published_stories().get(pk=stories[0].pk)
    assert slots(static_pages.render_story(story)) == [("article_bottom", "")]


def test_the_live_room_has_its_slot_under_the_player(client, operator):
    from rongmei.live import services as live

    room = live.create_room(actor=operator, title="第十五届中国牛业发展大会", scheduled_at=timezone.now())
    html = client.get(reverse("live:room", args=[room.pk])).content.decode()
    assert slots(html) == [("live_room", "")]
    assert html.index('id="live-stage"') < html.index('data-ad-slot="live_room"') < html.index('class="live-head"')
