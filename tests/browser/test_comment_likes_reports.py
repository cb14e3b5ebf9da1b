"""Likes and reports in the article page's comment widget (rongmei/static/js/comments.js), in a
phone-sized Chromium window: a fan likes a comment (the count goes up and stays after a reload) and
takes the like back; an error puts the button back as it was; readers report the comment until it
is hidden for everyone (settings.RONGMEI["COMMUNITY_AUTO_HIDE_REPORTS"]); it waits in the staff
moderation queue with its reports, an operator restores it there, and it is shown again.

Four of the five reports are made through the service, only the fifth through the page. Elements
are found by classes, ids and attributes, not by visible text (the compiled translations may lag).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rongmei.community import moderation, services
from rongmei.community.models import Comment, Like, Report
from rongmei.distribution.models import Channel
from rongmei.fans.models import Fan
from rongmei.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COMMENT = "铜山湖的夏南牛节年年都热闹"
REPLY = "明年还来"
NOTE = "评论里有广告电话"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def story(reporter, team, reviewers):
    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    return factories.published_story(reporter, team, reviewers, headline="夏南牛节开幕")


@pytest.fixture
def fans(db):
    return [Fan.objects.create(phone=f"+8613937710{i:03d}", nickname=f"读者{i}") for i in range(6)]


@pytest.fixture
def comment(story, fans, operator):
    author = fans[5]
    top = services.submit_comment(fan=author, story_id=story.pk, body=COMMENT)
    services.approve(actor=operator, comment=top)
    reply = services.submit_comment(fan=fans[1], story_id=story.pk, body=REPLY, reply_to_id=top.pk)
    services.approve(actor=operator, comment=reply)
    return top


def _phone_page(context):
    page = context.new_page()
    page.set_viewport_size(PHONE)
    return page


def _item(page, comment_id):
    return page.locator(f'#comments li.comment-item[data-id="{comment_id}"]')


def _like(page, comment_id):
    return _item(page, comment_id).locator("> .comment-actions .comment-like")


def test_a_fan_likes_a_comment_and_takes_the_like_back(new_context, fan_context, story, comment, fans):
    anonymous = _phone_page(new_context())
    anonymous.goto(f"/news/{story.pk}/")
    link = _like(anonymous, comment.pk)
    expect(link).to_have_attribute("href", re.compile(r"^/me/login/\?next="))  # not logged in: a login link
    expect(link.locator(".fan-count")).to_have_text("0")
    expect(anonymous.locator("#comments .comment-report")).to_have_count(0)

    page = _phone_page(fan_context(fans[0]))
    page.goto(f"/news/{story.pk}/")
    like = _like(page, comment.pk)
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_have_attribute("aria-label", re.compile("0"))
    expect(like.locator(".fan-count")).to_have_text("0")

    # Two quick taps send one request: liked once.
    like.dblclick()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".fan-count")).to_have_text("1")
    expect(like).not_to_have_attribute("aria-busy", "true")
    assert Comment.objects.get(pk=comment.pk).like_count == 1
    assert Like.objects.filter(fan=fans[0], kind="comment", item_id=comment.pk).count() == 1

    page.reload()
    expect(page.locator("#comments")).to_have_attribute("data-reader", "fan")
    like = _like(page, comment.pk)
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".fan-count")).to_have_text("1")

    # A failure puts back what was there, and says why.
    page.route(
        "**/api/v1/public/likes",
        lambda route: route.fulfill(status=429, json={"detail": "太频繁了", "code": "throttled", "field": None}),
    )
    like.click()
    expect(_item(page, comment.pk).locator("> .comment-action-msg")).to_have_text("太频繁了")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".fan-count")).to_have_text("1")
    page.unroute("**/api/v1/public/likes")

    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like.locator(".fan-count")).to_have_text("0")
    expect(like).not_to_have_attribute("aria-busy", "true")
    page.reload()
    expect(_like(page, comment.pk)).to_have_attribute("aria-pressed", "false")
    expect(_like(page, comment.pk).locator(".fan-count")).to_have_text("0")
    assert Comment.objects.get(pk=comment.pk).like_count == 0

    # Replies have their own like; the author has no report link on their own reply.
    reply = Comment.objects.get(reply_to=comment)
    expect(_like(page, reply.pk)).to_have_attribute("aria-pressed", "false")
    replier = _phone_page(fan_context(fans[1]))
    replier.goto(f"/news/{story.pk}/")
    expect(_like(replier, reply.pk)).to_be_visible()
    expect(_item(replier, reply.pk).locator(".comment-report")).to_have_count(0)
    expect(_item(replier, comment.pk).locator("> .comment-actions .comment-report")).to_be_visible()


def test_five_reports_hide_a_comment_until_an_operator_restores_it(
    new_context, fan_context, log_in, settings, story, comment, fans, operator
):
    settings.RONGMEI = {**settings.RONGMEI, "COMMUNITY_AUTO_HIDE_REPORTS": 5}
    for fan in fans[1:5]:
        moderation.report(fan=fan, kind="comment", item_id=comment.pk, category="spam")
    assert not Comment.objects.get(pk=comment.pk).hidden

    # Someone who already reported it is told so (409), and sees it as reported.
    again = _phone_page(fan_context(fans[1]))
    again.goto(f"/news/{story.pk}/")
    item = _item(again, comment.pk)
    item.locator("> .comment-actions .comment-report").click()
    item.locator(".comment-report-form select").select_option("abuse")
    item.locator(".comment-report-form .comment-report-send").click()
    expect(item.locator("> .comment-actions .comment-reported")).to_be_visible()
    expect(item.locator("> .comment-action-msg")).not_to_be_empty()
    expect(item.locator("> .comment-actions .comment-report")).to_have_count(0)
    assert Report.objects.filter(kind="comment", item_id=comment.pk).count() == 4

    # The fifth report, from the page.
    page = _phone_page(fan_context(fans[0]))
    page.goto(f"/news/{story.pk}/")
    item = _item(page, comment.pk)
    report = item.locator("> .comment-actions .comment-report")
    expect(report).to_have_attribute("aria-expanded", "false")
    report.click()
    expect(report).to_have_attribute("aria-expanded", "true")
    form = item.locator(".comment-report-form")
    expect(form).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # fits the phone
    form.locator("input[name=note]").fill(NOTE)
    form.locator(".comment-report-send").click()  # no reason chosen yet: said at once, nothing sent
    expect(form.locator(".comment-report-error")).to_be_visible()
    form.locator("select").select_option("spam")

    # The server's refusal is shown, and the note is still there.
    page.route(
        "**/api/v1/public/reports",
        lambda route: route.fulfill(status=429, json={"detail": "举报太频繁", "code": "throttled", "field": None}),
    )
    form.locator(".comment-report-send").click()
    expect(form.locator(".comment-report-error")).to_have_text("举报太频繁")
    expect(form.locator("input[name=note]")).to_have_value(NOTE)
    expect(form.locator(".comment-report-send")).to_be_enabled()
    page.unroute("**/api/v1/public/reports")

    form.locator(".comment-report-send").click()
    expect(item.locator("> .comment-actions .comment-reported")).to_be_visible()
    expect(item.locator(".comment-report-form")).to_have_count(0)
    hidden = Comment.objects.get(pk=comment.pk)
    assert hidden.hidden and hidden.report_count == 5
    assert Report.objects.get(fan=fans[0], kind="comment", item_id=comment.pk).note == NOTE

    # Another reader no longer sees it.
    reader = _phone_page(new_context())
    reader.goto(f"/news/{story.pk}/")
    expect(reader.locator("#comments .comments-title")).to_be_visible()
    expect(reader.locator("#comments .comment-list-public")).to_contain_text(REPLY)  # its reply stays
    expect(reader.locator("#comments")).not_to_contain_text(COMMENT)

    # In the moderation queue, with its reports; an operator restores it.
    desk = log_in(operator)
    desk.goto(reverse("community:queue"))
    row = desk.locator(f"#comment-{comment.pk}")
    expect(row).to_contain_text(COMMENT)
    reports = desk.locator(f"[data-testid=reports-comment-{comment.pk}]")
    expect(reports.locator("li")).to_have_count(5)
    expect(reports).to_contain_text(NOTE)
    row.locator("form:has(input[name=action][value=restore]) button").click()
    expect(desk.locator(f"#comment-{comment.pk} form:has(input[name=action][value=restore])")).to_have_count(0)
    restored = Comment.objects.get(pk=comment.pk)
    assert not restored.hidden and restored.report_count == 0

    reader.reload()
    expect(_item(reader, comment.pk).locator("> .comment-text")).to_have_text(COMMENT)
