"""The citizen's done-when path on a 390px-wide phone: log in with an SMS code, ask a question with a
photo, keep the receipt number and query code; once the desk and the unit have answered (through
the services), read the answer and rate it 满意; another visitor finds it on /wenzheng/ by search.
Playwright with the system Chromium (tests/browser/conftest.py)."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image

from rongmei.fans.sms import ConsoleBackend
from rongmei.inquiries import services
from rongmei.inquiries.models import Inquiry, Rating, State
from rongmei.inquiries.tests.public_flow import REPLY
from tests.browser.conftest import browser, new_context  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_VIEWPORT = {"width": 390, "height": 844}
SHOTS = os.environ.get("WENZHENG_SCREENSHOTS")  # a folder: save what the phone showed, for a look by eye
SLOW_MS = 60_000  # the first question loads the classifier and the similar-question index


@pytest.fixture
def phone(new_context):  # noqa: F811
    def make():
        page = new_context().new_page()
        page.set_viewport_size(PHONE_VIEWPORT)
        return page

    return make


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]


def test_a_citizen_asks_from_the_phone_and_rates_the_answer(phone, settings, tmp_path, editor, chief, unit, unit_staff):
    from playwright.sync_api import expect

    settings.RONGMEI_SMS_BACKEND = "rongmei.fans.sms.ConsoleBackend"
    ConsoleBackend.outbox.clear()
    picture = tmp_path / "sewage.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 80, 40)).save(buffer, "JPEG")
    picture.write_bytes(buffer.getvalue())

    citizen = phone()
    citizen.goto("/wenzheng/")
    expect(citizen.locator("#wz-empty")).to_be_visible()
    no_sideways_scroll(citizen)
    citizen.locator("#wz-ask").click()
    citizen.wait_for_url(re.compile(r"/me/login/"))
    citizen.locator("#fan-phone").fill("13800138000")
    citizen.locator("#fan-phone").press("Enter")
    expect(citizen.locator("#fan-code")).to_be_visible()
    code = next(m.code for m in reversed(ConsoleBackend.outbox))
    citizen.locator("#fan-code").fill(code)
    citizen.locator("#fan-code").press("Enter")
    citizen.wait_for_url(re.compile(r"/wenzheng/ask/$"))

    citizen.locator("input[name=kind][value=complaint]").check()
    citizen.locator("#id_title").fill("幸福路小区门口污水横流")
    expect(citizen.locator(".wz-counter").first).to_contain_text("11")
    citizen.locator("#id_location").fill("泌水街道幸福社区")
    citizen.locator("#id_body").fill("幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，请尽快处理。")
    citizen.locator("#id_files").set_input_files(str(picture))
    shot(citizen, "ask")
    no_sideways_scroll(citizen)
    citizen.locator("#wz-submit").click(timeout=SLOW_MS)
    citizen.wait_for_url(re.compile(r"/wenzheng/sent/WZ\d{8}-\d{4}/$"), timeout=SLOW_MS)
    inquiry = Inquiry.objects.get()
    expect(citizen.locator("#receipt")).to_have_text(inquiry.receipt)
    expect(citizen.locator("#query-code")).to_have_text(inquiry.query_code)
    assert inquiry.attachments.count() == 1 and inquiry.fan.phone == "+8613800138000"
    shot(citizen, "receipt")
    no_sideways_scroll(citizen)

    # The desk forwards, the unit accepts and replies, the desk approves and publishes.
    services.forward(actor=editor, inquiry=inquiry, unit=unit)
    services.accept(actor=unit_staff, inquiry=inquiry)
    reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body=REPLY)
    services.approve_reply(actor=editor, reply=reply)
    services.publish(actor=chief, inquiry=inquiry)

    citizen.locator("#wz-open").click()
    citizen.wait_for_url(re.compile(rf"/wenzheng/q/{inquiry.receipt}/$"))
    expect(citizen.locator("#wz-reply-body")).to_contain_text("养护队")
    expect(citizen.locator("#wz-files img")).to_have_count(1)
    citizen.locator("#wz-rate-form input[value=satisfied]").check()
    shot(citizen, "answered")
    no_sideways_scroll(citizen)
    citizen.locator("#wz-rate-form button[type=submit]").click()
    expect(citizen.locator("#wz-rating")).to_be_visible()
    expect(citizen.locator("#wz-rate-form")).to_have_count(0)
    inquiry.refresh_from_db()
    assert inquiry.rating == Rating.SATISFIED and inquiry.state == State.CLOSED

    visitor = phone()
    visitor.goto("/wenzheng/")
    expect(visitor.locator("#wz-list .civic-item-name")).to_have_text([inquiry.public_title])
    visitor.locator("#wz-q").fill("养护队")
    visitor.locator("#wz-q").press("Enter")
    visitor.wait_for_url(re.compile(r"/wenzheng/\?q="))
    expect(visitor.locator("#wz-list .civic-item-name")).to_have_text([inquiry.public_title])
    shot(visitor, "search")
    no_sideways_scroll(visitor)
    visitor.locator("#wz-list .civic-item-link").first.click()
    expect(visitor.locator("#wz-reply-body")).to_contain_text("养护队")
    expect(visitor.locator("#wz-files")).to_have_count(0)  # the asker's photo is theirs
    expect(visitor.locator("#query-code")).to_have_count(0)
