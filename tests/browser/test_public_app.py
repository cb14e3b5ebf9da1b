"""Issue 4's done-when, in a phone-sized Chromium window: a new reader browses the columns, reads an
article that came through the newsroom, searches in Chinese, registers with a code from the
console SMS backend, comments, and sees the comment once an operator has approved it in the
moderation queue.

Elements are found by ids, names, test ids and URLs, not by visible text, so the test does not
depend on the compiled translations.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rongmei.community.models import Comment
from rongmei.distribution.models import Channel
from rongmei.fans import sms
from rongmei.fans.models import Fan, FanNotification
from rongmei.portal import static_pages
from rongmei.portal.models import Column
from rongmei.testing import factories
from tests.browser.phone import PHONE_WINDOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "13937700001"
HEADLINE = "铜山湖畔夏南牛养殖户的新生活"
BODY = "<p>泌阳县铜山湖畔的夏南牛养殖合作社今年存栏增加三成，带动二百多户群众增收。</p>"
COMMENT = "夏南牛越养越好，为家乡点赞！"


@pytest.fixture
def newsroom_story(reporter, team, reviewers):
    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    headlines = Column.objects.create(name="头条", slug="toutiao", kind=Column.Kind.ARTICLES, icon="📰", sort_order=1)
    headlines.teams.add(team)
    Column.objects.create(name="魅力泌阳", slug="meili", kind=Column.Kind.ARTICLES, icon="🏞", sort_order=2)
    # Through the newsroom: written, three reviewers, published on the website by the chief editor.
    return factories.published_story(reporter, team, reviewers, headline=HEADLINE, body=BODY)


def test_a_new_reader_on_a_phone_reads_searches_registers_and_comments(browser, live_server, newsroom_story, operator, log_in):
    story = newsroom_story
    assert static_pages.story_file(story.pk).is_file()  # published as a file too, for nginx and the edge
    sms.ConsoleBackend.outbox.clear()
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="block", **PHONE_WINDOW
    )
    context.add_init_script("navigator.sendBeacon = function () { return true; };")
    page = context.new_page()

    # 1. Browse: the home page, then a column from the navigation, then the article.
    page.goto("/")
    expect(page.locator("nav.mainnav a[href='/column/toutiao/']")).to_be_visible()
    page.locator("nav.mainnav a[href='/column/toutiao/']").click()
    page.wait_for_url(re.compile(r"/column/toutiao/$"))
    page.locator(f"a[href='/news/{story.pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/news/{story.pk}/$"))
    expect(page.locator("h1")).to_have_text(HEADLINE)
    expect(page.locator(".article-body")).to_contain_text("存栏增加三成")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    # 2. Search in Chinese: a word inside the headline finds it, highlighted.
    page.goto(reverse("search:results"))
    page.locator("input[name=q]").fill("夏南牛")
    page.locator("form[role=search] button[type=submit]").click()
    hit = page.locator(f"a[href='/news/{story.pk}/']").first
    expect(hit).to_be_visible()
    expect(page.locator("mark").first).to_have_text(re.compile("夏南牛"))
    hit.click()
    page.wait_for_url(re.compile(rf"/news/{story.pk}/$"))

    # 3. Register: from the comments' login link, a code by the console SMS backend.
    login_link = page.locator("#comments a.comment-login")
    expect(login_link).to_be_visible()
    login_link.click()
    page.wait_for_url(re.compile(r"/me/login/"))
    page.locator("#fan-phone").fill(PHONE)
    page.locator("#fan-phone").press("Enter")
    expect(page.locator("#fan-code")).to_be_visible()
    (sent,) = [m for m in sms.ConsoleBackend.outbox if m.phone.endswith(PHONE)]
    page.locator("#fan-code").fill(sent.code)
    page.locator("#fan-code").press("Enter")
    page.wait_for_url(re.compile(rf"/news/{story.pk}/"))
    assert Fan.objects.filter(phone=f"+86{PHONE}").exists()

    # 4. Comment: it is kept for review, shown to its author only.
    box = page.locator("#comments textarea")
    expect(box).to_be_visible()
    box.fill(COMMENT)
    page.locator("#comments form button[type=submit]").click()
    expect(page.locator("#comments .badge.state-pending")).to_be_visible()
    comment = Comment.objects.get(story=story)
    assert comment.status == Comment.Status.PENDING and comment.body == COMMENT

    reader = browser.new_context(base_url=live_server.url, service_workers="block", **PHONE_WINDOW).new_page()
    reader.goto(f"/news/{story.pk}/")
    expect(reader.locator("#comments .comments-title")).to_be_visible()
    expect(reader.locator("#comments")).not_to_contain_text(COMMENT)

    # 5. An operator approves it in the moderation queue.
    desk = log_in(operator)
    desk.goto(reverse("community:queue"))
    item = desk.locator(f"#comment-{comment.pk}")
    expect(item).to_contain_text(COMMENT)
    item.locator("form:has(input[name=action][value=approve]) button").click()
    expect(desk.locator(f"#comment-{comment.pk} .badge.state-approved")).to_be_visible()

    # 6. Now everyone sees it, and its author has a message saying so.
    page.reload()
    expect(page.locator("#comments .comment-text").first).to_have_text(COMMENT)
    expect(page.locator("#comments .badge.state-pending")).to_have_count(0)
    reader.reload()
    expect(reader.locator("#comments .comment-text").first).to_have_text(COMMENT)
    assert FanNotification.objects.filter(fan__phone=f"+86{PHONE}", kind="comment.approved").exists()
    page.goto(reverse("fans:notifications"))
    expect(page.locator("main a[href^='/me/notifications/']").first).to_be_visible()
    context.close()
    reader.context.close()
