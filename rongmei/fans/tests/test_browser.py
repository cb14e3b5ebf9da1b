"""fan-actions.js in the system Chromium: the static article and column pages get the reader's
like, keep and follow buttons from the API, toggle them in place, send anonymous readers to the
login page, and show the API's Chinese message when a change is refused."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from rongmei.fans.models import ColumnFollow, Favorite, Like
from rongmei.fans.notify import notify_fan
from rongmei.fans.tests.conftest import make_fan
from rongmei.portal.models import Column
from rongmei.testing import factories
from tests.browser.conftest import browser, fan_context, new_context  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def story(reporter, team, editor, column_lead, chief):
    from rongmei.distribution.models import Channel

    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    column = Column.objects.create(name="头条", slug="toutiao", sort_order=10)
    column.teams.add(team)
    return factories.published_story(reporter, team, [editor, column_lead, chief], headline="铜山湖夏南牛节开幕")


def test_an_anonymous_reader_sees_the_count_and_is_asked_to_log_in(new_context, story):  # noqa: F811
    from rongmei.fans import services

    services.like(fan=make_fan("+8613800138001"), story_id=story.pk)
    page = new_context().new_page()
    page.goto(f"/news/{story.pk}/")
    like = page.get_by_test_id("like")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like.locator(".fan-count")).to_have_text("1")
    expect(page.locator("#article-actions button.fan-follow")).to_contain_text("头条")
    page.get_by_test_id("keep").click()
    page.wait_for_url(re.compile(r"/me/login/\?next="))
    assert f"next=%2Fnews%2F{story.pk}%2F" in page.url


def test_a_fan_likes_keeps_and_follows_without_leaving_the_page_and_sees_refusals(new_context, fan_context, live_server, story, chief):  # noqa: F811
    fan = make_fan()
    notify_fan(fan, kind="x", text="一条未读消息")
    page = fan_context(fan).new_page()
    page.goto(f"/news/{story.pk}/")
    like, keep = page.get_by_test_id("like"), page.get_by_test_id("keep")
    follow = page.locator("#article-actions button.fan-follow[data-column=toutiao]")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".mainnav .fan-unread")).to_have_text("1")

    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".fan-count")).to_have_text("1")
    keep.click()
    expect(keep).to_have_attribute("aria-pressed", "true")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    assert page.url.endswith(f"/news/{story.pk}/")  # no navigation
    assert Like.objects.filter(fan=fan, story=story).exists() and Favorite.objects.filter(fan=fan, story=story).exists()
    assert ColumnFollow.objects.filter(fan=fan, column__slug="toutiao").exists()

    # Taken off the site meanwhile: taking the like back is refused, the button keeps its state.
    from rongmei.distribution import services as distribution

    distribution.retract(actor=chief, story=story, reason="数据有误")
    like.click()
    with translation.override("zh-hans"):
        message = translation.gettext("This article is not published (any more).")
    expect(page.locator("#article-actions .fan-msg")).to_have_text(message)
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".fan-count")).to_have_text("1")


def test_a_fan_follows_a_column_from_its_page(new_context, fan_context, live_server, story):  # noqa: F811
    fan = make_fan()
    page = fan_context(fan).new_page()
    page.goto("/column/toutiao/")
    follow = page.locator("#column-actions button.fan-follow")
    expect(follow).to_have_attribute("aria-pressed", "false")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    assert ColumnFollow.objects.filter(fan=fan, column__slug="toutiao").exists()
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "false")
    assert not ColumnFollow.objects.exists()
