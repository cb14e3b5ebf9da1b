"""The desk and the unit in a real browser: a question submitted through the services; the editor
forwards it with the suggested unit; 张办事 of 住建局 accepts and asks for more time; the editor
grants it; the unit replies; the editor reads the check, approves and publishes.

Elements are found by form field names, ids and data-testid, never by visible text, so the test
passes whether or not the Chinese translations are compiled. Playwright with the system Chromium
(tests/browser/conftest.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rongmei.inquiries import services
from rongmei.inquiries.models import Extension, Inquiry, Kind, Reply, State
from tests.browser.conftest import browser, log_in, new_context  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REPLY = "经现场核查，幸福路小区南门下水道因周边施工堵塞导致污水外溢，我局已安排市政养护队疏通，污水问题已解决，今后每月巡查一次。"


def unit_log_in(new_context, user):  # noqa: F811
    """Unit staff log in on the same page as the newsroom and land on the units portal."""
    from rongmei.testing.personas import PASSWORD

    page = new_context().new_page()
    page.goto(reverse("accounts:login"))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("units:inbox")) + "$"))
    return page


def test_the_desk_forwards_the_unit_asks_for_time_replies_and_the_desk_publishes(
    log_in,  # noqa: F811
    new_context,  # noqa: F811
    editor,
    unit,
    unit_staff,
    citizen,
):
    from playwright.sync_api import expect

    inquiry = services.submit(
        fan=citizen,
        kind=Kind.COMPLAINT,
        title="幸福路小区门口污水横流无人管",
        body="幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，请尽快处理。",
        location="泌水街道",
    )
    suggested = inquiry.suggestions["route"]["unit_id"]
    assert suggested == unit.pk

    # The editor opens the queue and sees the suggested unit on the question's row.
    desk = log_in(editor)
    desk.goto(reverse("desk:queue"))
    row = desk.locator(f'[data-testid="row-{inquiry.pk}"]')
    expect(row.locator('[data-testid="suggested-unit"]')).to_have_text(unit.name)
    row.locator(f'a[href="{reverse("desk:detail", args=[inquiry.pk])}"]').first.click()
    desk.wait_for_url(re.compile(rf"/newsroom/wenzheng/{inquiry.pk}/$"))
    expect(desk.locator("#id_forward-unit")).to_have_value(str(unit.pk))
    desk.locator('[data-testid="forward"] button').click()
    expect(desk.locator('[data-testid="state"]')).to_have_attribute("class", re.compile("state-forwarded"))
    assert Inquiry.objects.get(pk=inquiry.pk).lead_unit_id == unit.pk

    # 张办事 logs in, lands on /units/, finds it among the questions to accept, accepts, asks for time.
    office = unit_log_in(new_context, unit_staff)
    office.locator(f'[data-testid="row-{inquiry.pk}"] a').first.click()
    office.wait_for_url(re.compile(rf"/units/q/{inquiry.pk}/$"))
    office.locator('[data-testid="accept"] button').click()
    expect(office.locator('[data-testid="state"]')).to_have_attribute("class", re.compile("state-accepted"))
    office.locator('[data-testid="extension"] summary').click()
    office.locator("#id_extension-days").fill("3")
    office.locator("#id_extension-reason").fill("需要会同施工单位现场勘察")
    office.locator('[data-testid="extension"] button').click()
    expect(office.locator('[data-testid="extension-pending"]')).to_be_visible()

    # The editor grants it.
    desk.reload()
    expect(desk.locator('[data-testid="extension"]')).to_contain_text("需要会同施工单位现场勘察")
    desk.locator('[data-testid="extension"] button[value="grant"]').click()
    expect(desk.locator('[data-testid="extension"]')).to_have_count(0)
    assert Extension.objects.get(inquiry=inquiry).status == Extension.Status.GRANTED
    assert Inquiry.objects.get(pk=inquiry.pk).extended_days == 3

    # The unit replies.
    office.reload()
    office.locator("#id_reply-body").fill(REPLY)
    office.locator('[data-testid="reply"] button').click()
    expect(office.locator('[data-testid="state"]')).to_have_attribute("class", re.compile("state-replied"))

    # The editor reads the check, approves and publishes.
    desk.reload()
    check = desk.locator('[data-testid="check-reply"]')
    expect(check).to_contain_text(REPLY[:20])
    expect(check.locator('[data-testid="reply-checks-ok"], [data-testid="reply-checks"]')).to_have_count(1)
    check.locator("form").first.locator("button").click()
    expect(desk.locator('[data-testid="state"]')).to_have_attribute("class", re.compile("state-reply_approved"))
    desk.locator('[data-testid="publish"] button').click()
    expect(desk.locator('[data-testid="state"]')).to_have_attribute("class", re.compile("state-published"))
    assert Inquiry.objects.get(pk=inquiry.pk).state == State.PUBLISHED
    assert Reply.objects.get(inquiry=inquiry).status == Reply.Status.PUBLISHED
