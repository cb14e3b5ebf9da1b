"""Issue 11's done-when, in Chromium: an operations user records a client and a live-broadcast
project with a quote and two deliverables (a live room and a story), runs a banner campaign for
the client with a picture the client handed over; readers' browsers show the banner, count its
impressions through the readership beacon and its click through our redirect; the stream ends and
the story is published, and the project shows *delivered* by itself (the listeners' task, run by
the worker); the campaign report shows the impressions and the click; a payment is recorded and
the month's revenue page shows it.

Elements are found by ids, names and URLs, not by visible text, so the test does not depend on
the compiled translations. Beacons go out by fetch here (sendBeacon answers false), so that the
test can wait for the server's answer instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from rongmei.accounts.models import Role
from rongmei.advertising.models import AdSlot, Campaign, Creative
from rongmei.analytics import buffer
from rongmei.analytics.models import Event, Kind
from rongmei.business.models import Client, Deliverable, Payment, Project
from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel
from rongmei.live import services as live
from rongmei.newsroom import services as newsroom
from rongmei.portal.models import Column
from rongmei.testing import factories
from rongmei.testing.personas import PASSWORD, make_user
from tests.browser.conftest import run_task_worker, wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLIENT = "泌阳县夏南牛业有限公司"
CREDIT_CODE = "91350100M000100Y43"  # the example of GB 32100-2015
PROJECT = "第十五届中国牛业发展大会直播"
CAMPAIGN = "夏南牛肉年货节"
AD_TEXT = "夏南牛肉年货节，产地直发"
# Beacon batches go by fetch (which the test can wait for), not sendBeacon.
FETCH_BEACONS = "navigator.sendBeacon = function () { return false; };"


def _banner_png() -> bytes:
    picture = Image.new("RGB", (750, 200), (180, 30, 40))
    for x in range(0, 750, 50):
        for y in range(200):
            picture.putpixel((x, y), (250, 220, 120))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _open(page, form_selector: str) -> None:
    """Unfold the <details> a form sits in, as a person clicks its summary."""
    details = page.locator(f"details:has({form_selector})").last
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").first.click()


def _submit(page, form_selector: str) -> None:
    page.locator(f"{form_selector} button").last.click()
    page.wait_for_load_state()


@pytest.fixture
def newsroom_side(reporter, team, operator):
    """What the newsroom has: a column for the home page, the story being written for the
    client (in review) and the live room of the conference."""
    Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})
    # TransactionTestCase flushed the slots the migration made; put them back as it does.
    importlib.import_module("rongmei.advertising.migrations.0002_slots").create_slots(apps, None)
    column = Column.objects.create(name="头条", slug="toutiao", kind=Column.Kind.ARTICLES, icon="📰", sort_order=1)
    column.teams.add(team)
    story = factories.story_in_review(reporter, team, headline="牛业大会在泌阳开幕")
    room = live.create_room(actor=operator, title="牛业大会开幕式", scheduled_at=timezone.now() + dt.timedelta(hours=1))
    return {"story": story, "room": room}


def _log_in(new_context, user):
    page = new_context().new_page()
    page.goto(reverse("accounts:login"))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("ops:home")) + "$"))  # operations staff land on /ops/
    return page


def _reader_sees_the_banner(new_context, path: str, creative: Creative):
    """A reader opens ``path``: the banner shows with its 广告 label; once it has been in view
    for a second the impression goes out with the beacon's batch. Returns the page."""
    context = new_context()
    context.add_init_script(FETCH_BEACONS)
    page = context.new_page()
    page.goto(path)
    slot = page.locator('.ad-slot[data-ad-slot="banner"]')
    expect(slot).to_be_visible()
    expect(slot.locator(".ad-label")).to_have_text(re.compile("^(广告|Ad)$"))
    expect(slot.locator("img")).to_have_attribute("alt", AD_TEXT)
    wait_for_js(
        page,
        "(() => { const i = document.querySelector('.ad-slot[data-ad-slot=banner] img'); return i && i.complete && i.naturalWidth > 0; })()",
    )
    page.wait_for_timeout(1500)  # in view for at least one second
    with page.expect_response(lambda r: r.url.endswith("/api/v1/public/beacon") and r.request.method == "POST") as sent:
        page.evaluate("window.RongmeiBeacon.send()")
    assert sent.value.status == 204
    return page


def test_an_operator_sells_a_live_broadcast_and_a_banner_and_sees_it_delivered_counted_and_paid(
    browser, live_server, new_context, newsroom_side, reviewers, reporter, team
):
    sales = make_user("zhoujy", "周经营", Role.OPERATIONS)
    story, room = newsroom_side["story"], newsroom_side["room"]
    page = _log_in(new_context, sales)

    # 1. The client.
    page.goto(reverse("ops:client_new"))
    page.locator("#id_kind").select_option("enterprise")
    page.locator("#id_name").fill(CLIENT)
    page.locator("#id_credit_code").fill(CREDIT_CODE)
    page.locator("main form button").last.click()
    page.wait_for_url(re.compile(r"/ops/clients/\d+/$"))
    client = Client.objects.get(name=CLIENT)

    # 2. The live-broadcast project with its quote, the contract, the two deliverables.
    page.goto(reverse("ops:project_new"))
    page.locator("#id_client").select_option(str(client.pk))
    page.locator("#id_kind").select_option("live_broadcast")
    page.locator("#id_title").fill(PROJECT)
    page.locator("main form button").last.click()
    page.wait_for_url(re.compile(r"/ops/projects/\d+/$"))
    project = Project.objects.get(title=PROJECT)
    quote_form = f"form[action='{reverse('ops:project_quote_line', args=[project.pk])}']"
    for description, quantity, price in (("直播技术服务（四机位）", "2", "12,000"), ("开幕式精编短视频", "1", "6,000.50")):
        _open(page, quote_form)
        page.locator("#id_quote-description").fill(description)
        page.locator("#id_quote-quantity").fill(quantity)
        page.locator("#id_quote-unit_price_fen").fill(price)
        _submit(page, quote_form)
    _submit(page, f"form[action='{reverse('ops:project_send_quote', args=[project.pk])}']")
    contract_form = f"form[action='{reverse('ops:project_sign', args=[project.pk])}']"
    _open(page, contract_form)
    page.locator("#id_contract-amount_fen").fill("30,000")
    _submit(page, contract_form)
    _submit(page, f"form[action='{reverse('ops:project_start', args=[project.pk])}']")
    expect(page.locator("#project-state")).to_have_class(re.compile(r"\bstate-in_progress\b"))
    deliverable_form = f"form[action='{reverse('ops:project_deliverable', args=[project.pk])}']"
    for kind, number in (("live_room", room.pk), ("story", story.pk)):
        _open(page, deliverable_form)
        page.locator("#id_deliverable-kind").select_option(kind)
        page.locator("#id_deliverable-number").fill(str(number))
        _submit(page, deliverable_form)
    project.refresh_from_db()
    assert project.state == Project.State.IN_PROGRESS
    assert project.amount_fen == 3_000_000
    assert sorted(project.deliverables.values_list("kind", flat=True)) == ["live_room", "story"]

    # 3. The banner campaign for the client, with the picture the client handed over.
    page.goto(reverse("ops:campaign_new"))
    page.locator("#id_client").select_option(str(client.pk))
    page.locator("#id_project").select_option(str(project.pk))
    page.locator("#id_name").fill(CAMPAIGN)
    page.locator("#id_slot").select_option(str(AdSlot.objects.get(code="banner").pk))
    now = timezone.now()
    page.locator("#id_starts_at").fill(_local(now - dt.timedelta(hours=1)))
    page.locator("#id_ends_at").fill(_local(now + dt.timedelta(days=7)))
    page.locator("#id_frequency_cap").fill("5")
    page.locator("main form button").last.click()
    page.wait_for_url(re.compile(r"/ops/ads/\d+/$"))
    campaign = Campaign.objects.get(name=CAMPAIGN)
    page.locator("#creative-form input[type=file]").set_input_files(
        {"name": "banner.png", "mimeType": "image/png", "buffer": _banner_png()}
    )
    page.locator("#creative-form input[name$=link]").fill("/column/toutiao/")
    page.locator("#creative-form input[name$=alt_text]").fill(AD_TEXT)
    _submit(page, "#creative-form")
    creative = Creative.objects.get(campaign=campaign)
    run_task_worker()  # the media library makes the picture's web renditions
    _submit(page, "#submit-form")
    _submit(page, "#approve-form")  # no content-safety hit: operations staff approve
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.APPROVED and campaign.safety_hits == []

    # 4. Readers: one on the home page, one on the column page who also clicks the banner.
    factories.published_story(reporter, team, reviewers, headline="夏南牛产业园二期开工")  # the column page lists it
    _reader_sees_the_banner(new_context, "/", creative)
    reader = _reader_sees_the_banner(new_context, "/column/toutiao/", creative)
    with reader.expect_response(lambda r: f"/ops/c/{creative.pk}/" in r.url) as clicked:
        reader.locator('.ad-slot[data-ad-slot="banner"] a').click()
    assert clicked.value.status == 302 and clicked.value.headers["location"] == "/column/toutiao/"
    reader.wait_for_load_state()
    buffer.flush_all()
    assert Event.objects.filter(kind=Kind.AD_VIEW, creative_id=creative.pk).count() >= 2
    assert Event.objects.filter(kind=Kind.AD_CLICK, creative_id=creative.pk).count() == 1

    # 5. The stream runs and ends; the story is signed off and published. Nobody calls the
    # operations side: the listeners enqueue a refresh that the worker runs.
    live.authorize_publish(key=room.stream_key)
    live.publish_done(key=room.stream_key)
    for reviewer in reviewers:
        newsroom.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    for pub in distribution.publish(actor=reviewers[-1], story=story, channels=list(Channel.objects.filter(code="website"))):
        distribution.send(pub)
    run_task_worker()
    project.refresh_from_db()
    assert project.state == Project.State.DELIVERED
    assert not Deliverable.objects.filter(project=project, done_at__isnull=True).exists()
    page.goto(reverse("ops:project", args=[project.pk]))
    expect(page.locator("#project-state")).to_have_class(re.compile(r"\bstate-delivered\b"))

    # 6. The campaign report counts what the readers' browsers did.
    page.goto(reverse("ops:campaign_report", args=[campaign.pk]))
    totals = page.locator("#report-days tfoot th")
    impressions = Event.objects.filter(kind=Kind.AD_VIEW, creative_id=creative.pk).count()
    expect(totals.nth(1)).to_have_text(str(impressions))
    expect(totals.nth(2)).to_have_text("1")

    # 7. The client pays; the month's revenue shows it.
    page.goto(reverse("ops:project", args=[project.pk]))
    payment_form = f"form[action='{reverse('ops:project_payment', args=[project.pk])}']"
    _open(page, payment_form)
    page.locator("#id_payment-amount_fen").fill("18,000")
    _submit(page, payment_form)
    assert Payment.objects.get(project=project).amount_fen == 1_800_000
    expect(page.locator("#payment-status")).to_have_class(re.compile(r"\bpay-partly_paid\b"))
    page.goto(reverse("ops:revenue"))
    expect(page.locator("#revenue-client")).to_contain_text(CLIENT)
    expect(page.locator("#revenue-client")).to_contain_text("18,000.00")
