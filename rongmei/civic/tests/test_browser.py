"""On a 390px-wide phone: tick the materials of a service (remembered after a reload), and log in
and write to a deputy. Playwright with the system Chromium (see tests/browser/conftest.py)."""

import os
import re

import pytest

from rongmei.civic.demo import seed_demo
from rongmei.civic.models import CouncilLetter, CouncilMember, ServiceItem
from rongmei.fans.sms import ConsoleBackend
from tests.browser.conftest import browser, new_context  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_VIEWPORT = {"width": 390, "height": 844}
SHOTS = os.environ.get("CIVIC_SCREENSHOTS")  # a folder: save what the phone showed, for a look by eye


@pytest.fixture
def phone(new_context):  # noqa: F811
    context = new_context()
    page = context.new_page()
    page.set_viewport_size(PHONE_VIEWPORT)
    return page


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]


def test_a_reader_searches_and_ticks_the_materials_which_stay_ticked(phone, settings):
    from playwright.sync_api import expect

    seed_demo()
    phone.goto("/services/")
    shot(phone, "services")
    no_sideways_scroll(phone)
    phone.locator("#civic-q").fill("补办身份证")
    phone.locator("form.civic-search button").click()
    first = phone.locator("#civic-results .civic-item-link").first
    expect(first).to_contain_text("居民身份证补领")
    first.click()
    item = ServiceItem.objects.get(name="居民身份证补领（补办）")
    phone.wait_for_url(re.compile(rf"/services/{item.pk}/$"))
    expect(phone.locator("a.civic-tel")).to_have_attribute("href", "tel:03967921101")
    boxes = phone.locator(".civic-checklist input[type=checkbox]")
    expect(boxes).to_have_count(3)
    boxes.nth(0).check()
    phone.reload()
    expect(phone.locator(".civic-checklist input[type=checkbox]").nth(0)).to_be_checked()
    expect(phone.locator(".civic-checklist input[type=checkbox]").nth(1)).not_to_be_checked()
    shot(phone, "service-detail")
    no_sideways_scroll(phone)


def test_a_fan_logs_in_and_writes_to_a_deputy(phone, settings):
    from playwright.sync_api import expect

    settings.RONGMEI_SMS_BACKEND = "rongmei.fans.sms.ConsoleBackend"
    ConsoleBackend.outbox.clear()
    seed_demo()
    deputy = CouncilMember.objects.get(name="王秀兰")
    phone.goto("/councils/renda/")
    shot(phone, "council")
    no_sideways_scroll(phone)
    phone.locator(".civic-member a", has_text="王秀兰").click()
    phone.locator("#write-letter").click()
    phone.wait_for_url(re.compile(r"/me/login/"))
    phone.locator("#fan-phone").fill("13800138000")
    phone.locator("#fan-phone").press("Enter")
    code = next(m.code for m in reversed(ConsoleBackend.outbox))
    phone.locator("#fan-code").fill(code)
    phone.locator("#fan-code").press("Enter")
    phone.wait_for_url(re.compile(rf"/councils/members/{deputy.pk}/write/$"))
    phone.locator("#id_title").fill("小区门口路灯坏了")
    phone.locator("#id_location").fill("泌水街道幸福社区")
    phone.locator("#id_body").fill("幸福社区东门的路灯已经坏了两个月，晚上出行很不方便，希望尽快修好。")
    expect(phone.locator(".civic-counter")).to_contain_text("33")
    shot(phone, "write")
    no_sideways_scroll(phone)
    phone.locator("#letter-form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/councils/letters/XJ\d{8}-\d{4}/$"))
    letter = CouncilLetter.objects.get()
    expect(phone.locator("#receipt")).to_have_text(letter.receipt)
    shot(phone, "receipt")
    no_sideways_scroll(phone)
