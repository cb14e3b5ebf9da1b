"""comments.js in the system Chromium: an anonymous reader sees the published comments and the
login link; a logged-in app user writes a comment, sees it marked as awaiting review, and keeps
what they typed when the server refuses it."""

from __future__ import annotations

import pytest

from rongmei.community import services
from tests.browser.conftest import browser, fan_context, new_context  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reading_and_writing_comments_under_an_article(new_context, fan_context, live_server, story, fan, other_fan, operator):  # noqa: F811
    from playwright.sync_api import expect

    published = services.submit_comment(fan=other_fan, story_id=story.pk, body="周末去了铜山湖，<b>风景</b>真好")
    services.approve(actor=operator, comment=published)
    services.approve(actor=operator, comment=services.submit_comment(fan=fan, story_id=story.pk, body="同感", reply_to_id=published.pk))

    anonymous = new_context().new_page()
    anonymous.goto(f"/news/{story.pk}/")
    section = anonymous.locator("#comments")
    expect(section.locator(".comments-title")).to_contain_text("2")
    expect(section.locator(".comment-text").first).to_have_text("周末去了铜山湖，<b>风景</b>真好")  # text, never HTML
    expect(section.locator(".comment-replies .comment-text")).to_have_text("同感")
    login = section.locator("a.comment-login")
    expect(login).to_have_attribute("href", f"/me/login/?next=%2Fnews%2F{story.pk}%2F%23comments")
    expect(section.locator("textarea")).to_have_count(0)

    page = fan_context(fan).new_page()
    page.goto(f"/news/{story.pk}/")
    box = page.locator("#comments textarea")
    expect(box).to_be_visible()
    too_long = "牛" * 501
    box.fill(too_long)
    page.locator("#comments form button[type=submit]").click()
    expect(page.locator("#comments .comment-error")).to_be_visible()
    expect(box).to_have_value(too_long)  # nothing typed is lost

    box.fill("夏南牛节办得真热闹")
    page.locator("#comments form button[type=submit]").click()
    mine = page.locator("#comments .comment-list-public > .comment-item").first
    expect(mine.locator("> .comment-text")).to_have_text("夏南牛节办得真热闹")
    expect(mine.locator(".badge.state-pending")).to_be_visible()
    expect(box).to_have_value("")
    page.reload()
    expect(page.locator("#comments .comment-pending .comment-text")).to_have_text("夏南牛节办得真热闹")
    anonymous.reload()
    expect(anonymous.locator("#comments .comments-title")).to_contain_text("2")
    expect(anonymous.locator("#comments .comment-pending")).to_have_count(0)
