"""static/js/ads.js in Chromium, on a page served by Playwright's own routing (no Django, no
database): an ad is watched for its impression only once its picture has loaded, and a picture
that fails to load hides its slot again (no 广告 over a broken image) and is never counted."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from tests.browser.conftest import browser, wait_for_js  # noqa: F401

pytestmark = pytest.mark.browser

ORIGIN = "http://ads.test"
ADS_JS = Path(settings.BASE_DIR) / "rongmei" / "static" / "js" / "ads.js"
PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<script>
window.__tracked = [];
window.RongmeiBeacon = {
  dnt: false,
  deviceId: function () { return "reader-js-0001"; },
  track: function (type, data) { window.__tracked.push({ type: type, creative: data.creative }); }
};
</script>
<div class="ad-slot" data-ad-slot="banner" hidden style="width:750px;height:200px"></div>
<script src="/static/js/ads.js" data-i18n-label="广告"></script>
</body></html>"""


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (750, 200), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    requests: list[str] = []

    def answer(route):
        url = route.request.url
        requests.append(url)
        path = url.removeprefix(ORIGIN).split("?", 1)[0]
        if path == "/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE)
        elif path == "/static/js/ads.js":
            route.fulfill(status=200, content_type="application/javascript", body=ADS_JS.read_text())
        elif path == "/api/v1/public/ads":
            ad = {"creative": 7, "campaign": 3, "cap": 5, "image": "/ops/i/7/?v=1", "click": "/ops/c/7/", "alt": "夏南牛"}
            route.fulfill(
                status=200, content_type="application/json", body=json.dumps({"slot": "banner", "width": 750, "height": 200, "ads": [ad]})
            )
        elif path == "/ops/i/7/":
            if context.broken:
                route.fulfill(status=404, content_type="text/plain", body="not found")
            else:
                route.fulfill(status=200, content_type="image/png", body=png())
        else:
            route.fulfill(status=404, body="")

    context.broken = False
    context.route(f"{ORIGIN}/**", answer)
    page = context.new_page()
    page.requests = requests
    page.context_ = context
    yield page
    context.close()


def test_an_ad_whose_picture_loads_is_shown_labelled_and_counted_once_in_view(page):
    page.goto(ORIGIN + "/")
    wait_for_js(page, "window.__tracked.length > 0", timeout=10_000)
    assert page.evaluate("window.__tracked") == [{"type": "ad_view", "creative": 7}]
    assert page.evaluate("document.querySelector('.ad-slot').hidden") is False
    assert page.evaluate("document.querySelector('.ad-slot .ad-label').textContent") == "广告"
    assert "d=reader-js-0001" in page.evaluate("document.querySelector('.ad-slot a').href")


def test_a_picture_that_fails_hides_the_slot_and_is_not_counted(page):
    page.context_.broken = True
    page.goto(ORIGIN + "/")
    wait_for_js(page, "performance.getEntriesByType('resource').some(function (e) { return e.name.indexOf('/ops/i/7/') >= 0; })")
    wait_for_js(page, "document.querySelector('.ad-slot').hidden === true", timeout=10_000)
    page.wait_for_timeout(1800)  # longer than the second in view an impression takes
    assert page.evaluate("window.__tracked") == []
    assert page.evaluate("document.querySelector('.ad-slot').hidden") is True
    assert page.evaluate("document.querySelector('.ad-slot .ad-label')") is None
