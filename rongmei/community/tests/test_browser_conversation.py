"""The chat room page in the system Chromium: two app users chat (the page polls for new
messages), an operator removes one message in the moderation queue and it vanishes for the other
reader; a topic post with a picture goes through the plain form."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.conftest import browser, fan_context, log_in, new_context  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_fans_chat_and_a_removed_message_vanishes(fan_context, log_in, open_room, fan, other_fan, operator, topic, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    from rongmei.community.models import ChatMessage, TopicPost

    one = fan_context(fan).new_page()
    two = fan_context(other_fan).new_page()
    one.goto(f"/huati/chat/{open_room.pk}/")
    two.goto(f"/huati/chat/{open_room.pk}/")
    one.locator("#chat-text").fill("周六谁去铜山湖？")
    one.locator("#chat-send button[type=submit]").click()
    expect(one.locator("#chat-messages .comment-text")).to_have_text(["周六谁去铜山湖？"])
    expect(one.locator("#chat-text")).to_have_value("")
    expect(two.locator("#chat-messages .comment-text")).to_have_text(["周六谁去铜山湖？"], timeout=10_000)  # by polling
    two.locator("#chat-text").fill("<b>我去</b>")
    two.locator("#chat-send button[type=submit]").click()
    expect(one.locator("#chat-messages .comment-text")).to_have_text(
        ["周六谁去铜山湖？", "<b>我去</b>"], timeout=10_000
    )  # text, never HTML
    too_long = "牛" * 501
    two.locator("#chat-text").evaluate("(box, v) => { box.removeAttribute('maxlength'); box.value = v; }", too_long)
    two.locator("#chat-send button[type=submit]").click()
    expect(two.locator("#chat-send .chat-error")).to_be_visible()
    expect(two.locator("#chat-text")).to_have_value(too_long)  # nothing typed is lost

    message = ChatMessage.objects.get(body="<b>我去</b>")
    desk = log_in(operator)
    desk.goto(f"/newsroom/moderation/?status=approved&room={open_room.pk}")
    row = desk.locator(f"#message-{message.pk}")
    row.locator("form:has(input[name=action][value=remove]) input[name=reason]").fill("测试删除")
    row.locator("form:has(input[name=action][value=remove]) button").click()
    expect(desk.locator(f"#message-{message.pk} .badge.state-removed")).to_be_visible()
    expect(one.locator(f"#message-{message.pk}")).to_have_count(0, timeout=10_000)

    # A topic post with a picture, through the page's plain form.
    from PIL import Image

    path = tmp_path / "cow.png"
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 120, 60)).save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    one.goto("/huati/xianan-cattle/")
    one.locator("#post-text").fill("牛犊满月啦")
    one.locator("#new-post input[type=file]").set_input_files(str(path))
    one.locator("#new-post button").click()
    one.wait_for_url(re.compile(r"/huati/xianan-cattle/"))
    post = TopicPost.objects.get()
    expect(one.locator(f"#post-{post.pk} .huati-pictures img")).to_have_count(1)
    assert post.pictures.get().width == 40
