"""The command screen (/dashboard/screen/) in Chromium at 1920×1080: an editor opens it, it shows
the figures of the moment (the same as the data it polls), its county map and charts are drawn
from our own ECharts, and it moves by itself when a story is published and when a 问政 question
is forwarded.

Elements are found by ids and data-testid, never by visible text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rongmei.accounts.middleware import roles_requiring_two_factor
from rongmei.distribution.models import Channel
from rongmei.inquiries import services as inquiries
from rongmei.inquiries.tests.public_flow import NO_LIMITS, ask
from rongmei.testing import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def quick(settings):
    settings.RONGMEI_DASHBOARD = {"SCREEN_CACHE_SECONDS": 0, "SCREEN_REFRESH_SECONDS": 1}
    settings.RONGMEI_INQUIRIES = NO_LIMITS


def test_the_screen_shows_live_figures_and_moves_when_work_is_done(
    log_in, editor, reporter, team, column_lead, chief, citizen, unit, tmp_path
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    first = factories.published_story(reporter, team, [editor, column_lead, chief], headline="上午发布的稿件")
    assert first.state == "published"
    question = ask(citizen, title="路灯坏了一个月没人修")
    device = TOTPDevice.objects.create(user=editor, name="t", confirmed=True) if editor.role in roles_requiring_two_factor() else None
    page = log_in(editor, device)
    page.set_viewport_size({"width": 1920, "height": 1080})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(reverse("dashboard:screen"))

    published, forwarded = page.get_by_test_id("kpi-published"), page.get_by_test_id("kpi-forwarded")
    expect(published).to_have_text("1")
    expect(page.get_by_test_id("kpi-received")).to_have_text("1")
    expect(forwarded).to_have_text("0")
    # ECharts drew the county's 22 towns and the charts (SVG), from /static/vendor.
    expect(page.locator("#chart-map svg path")).not_to_have_count(0)
    assert page.locator("#chart-map svg path").count() >= 22
    expect(page.locator("#chart-newsroom svg")).to_have_count(1)
    assert page.evaluate("document.body.scrollWidth") <= 1920 and page.evaluate("document.body.scrollHeight") <= 1080

    # Work happens elsewhere; the screen follows within its refresh.
    factories.published_story(reporter, team, [editor, column_lead, chief], headline="下午发布的稿件")
    expect(published).to_have_text("2")
    inquiries.forward(actor=editor, inquiry=question, unit=unit)
    expect(forwarded).to_have_text("1")
    page.screenshot(path=str(tmp_path / "screen.png"))
    assert not errors, errors
