"""beacon.js in the system Chromium: what the article page sends (view, read on reaching the end,
play, share), that the server takes those bodies as sendBeacon sends them, the counters, and
Do Not Track."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from rongmei.analytics import buffer, services
from rongmei.analytics.models import Event, Kind
from rongmei.analytics.tests.conftest import ev, ingest_on
from rongmei.testing import factories
from tests.browser.conftest import browser, new_context  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Record what the page hands to sendBeacon (the browser conftest silences it for every test).
RECORD = """
window.__beacons = [];
navigator.sendBeacon = function (url, body) { window.__beacons.push({ url: String(url), body: String(body) }); return true; };
window.addEventListener("click", function (e) {
  if (e.target.closest && e.target.closest('a[href$="poster.png"]')) { e.preventDefault(); }  // no download
});
"""
DNT = "Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: function () { return '1'; } });"


@pytest.fixture
def story(reporter, team, editor, column_lead, chief):
    from rongmei.distribution.models import Channel

    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    body = "".join(f"<p>第{n}段：铜山湖畔的夏南牛养殖户说，今年的收成比去年好。</p>" for n in range(80))
    story = factories.published_story(reporter, team, [editor, column_lead, chief], headline="铜山湖夏南牛节开幕", body=body)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ingest_on(yesterday, [ev(article=story.pk)] * 5 + [ev("read", article=story.pk)] * 3)
    services.rollup_pending()
    return story


def sent_events(page) -> list[dict]:
    return [e for b in page.evaluate("window.__beacons") for e in json.loads(b["body"])["events"]]


def test_the_article_page_sends_view_read_play_and_share_and_shows_its_reads(new_context, story):  # noqa: F811
    context = new_context()
    context.add_init_script(RECORD)
    page = context.new_page()
    page.goto(f"/news/{story.pk}/")
    counters = page.locator(f"span.counters[data-counters='{story.pk}']")
    expect(counters).to_have_text(re.compile(r"^(Reads|阅读) 3$"))  # msgid or its translation, whichever is compiled
    page.wait_for_function("window.__beacons.length >= 1")
    (view,) = sent_events(page)
    assert view["type"] == "view" and view["article"] == story.pk and view["path"] == f"/news/{story.pk}/"
    device = view["device"]
    assert page.evaluate("localStorage.getItem('rm-device')") == device

    page.locator("#article-actions").scroll_into_view_if_needed()
    page.evaluate("""() => {
        const v = document.createElement('video'); document.body.appendChild(v);
        v.dispatchEvent(new Event('play')); v.dispatchEvent(new Event('play'));
    }""")
    page.locator('a[href$="poster.png"]').click()  # a share sends at once, the read and play with it
    page.wait_for_function("window.__beacons.length >= 2")
    events = sent_events(page)
    assert events[0]["type"] == "view" and sorted(e["type"] for e in events[1:]) == ["play", "read", "share"]
    assert {e["device"] for e in events} == {device} and all(e["article"] == story.pk for e in events)
    (read,) = [e for e in events if e["type"] == "read"]
    assert 0 <= read["seconds"] < 15  # reached the end by scrolling, well before 15 seconds

    # The server takes those bodies as they were sent (text/plain).
    client = Client()
    for item in page.evaluate("window.__beacons"):
        assert item["url"].endswith("/api/v1/public/beacon")
        assert client.post("/api/v1/public/beacon", item["body"], content_type="text/plain;charset=UTF-8").status_code == 204
    buffer.flush_all()
    today = timezone.localdate()
    assert sorted(Event.objects.filter(day=today).values_list("kind", flat=True)) == [Kind.VIEW, Kind.READ, Kind.PLAY, Kind.SHARE]

    page.reload()
    page.wait_for_function("window.__beacons.length >= 1")
    assert sent_events(page)[0]["device"] == device  # the same reader on the next visit


def test_a_column_page_names_its_column(new_context, story):  # noqa: F811
    from rongmei.portal.models import Column

    Column.objects.create(name="头条", slug="toutiao", sort_order=10).teams.add(story.team)
    context = new_context()
    context.add_init_script(RECORD)
    page = context.new_page()
    page.goto("/column/toutiao/")
    page.wait_for_function("window.__beacons.length >= 1")
    (view,) = sent_events(page)
    assert view["type"] == "view" and view["column"] == "toutiao" and "article" not in view


def test_do_not_track_sends_nothing_and_keeps_no_id_but_shows_counters(new_context, story):  # noqa: F811
    context = new_context()
    context.add_init_script(RECORD)
    context.add_init_script(DNT)
    page = context.new_page()
    page.goto(f"/news/{story.pk}/")
    expect(page.locator(f"span.counters[data-counters='{story.pk}']")).to_have_text(re.compile(r"^(Reads|阅读) 3$"))
    page.locator("#article-actions").scroll_into_view_if_needed()
    page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    assert page.evaluate("window.__beacons") == []
    assert page.evaluate("localStorage.getItem('rm-device')") is None
