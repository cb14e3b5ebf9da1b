"""What readers reach under /ops/: the counted click (/ops/c/<creative>/) that leads only to the
creative's own link, and the creative's picture (/ops/i/<creative>/) while its campaign is
approved; both open to anonymous readers and to staff without a second factor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from rongmei.advertising.counting import creative_counts
from rongmei.advertising.models import Campaign, Creative
from rongmei.advertising.tests.serving_support import DEVICE, campaign, fresh_readership, picture  # noqa: F401
from rongmei.analytics import buffer
from rongmei.analytics import services as readership
from rongmei.analytics.api import BeaconEventIn
from rongmei.analytics.models import DailyRollup, Dimension, Event, Kind, Via
from rongmei.testing.personas import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_readership")]


def clicks() -> list[Event]:
    buffer.flush_all()
    return list(Event.objects.filter(kind=Kind.AD_CLICK).order_by("id"))


@pytest.fixture
def creative(ad_client, sales):  # noqa: F811
    return campaign(ad_client, sales, link="https://www.example.com/xianan?from=rongmei").creatives.get()


def click_url(creative) -> str:
    return reverse("ops:ad_click", args=[creative.pk])


# --- the click ------------------------------------------------------------------------------------


def test_a_click_is_counted_once_and_leads_to_the_creatives_link(creative):
    response = HttpClient(enforce_csrf_checks=True).get(click_url(creative), {"d": DEVICE})

    assert response.status_code == 302
    assert response["Location"] == "https://www.example.com/xianan?from=rongmei"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies  # no session for a click
    (event,) = clicks()
    assert (event.kind, event.creative_id, event.via, event.article_id, event.column_id) == (
        Kind.AD_CLICK,
        creative.pk,
        Via.WEB,
        None,
        None,
    )


CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"


def test_the_click_has_the_device_the_beacon_gives_the_same_reader(client, creative):
    readership.ingest([BeaconEventIn(type="view", path="/", device=DEVICE)])
    client.get(click_url(creative), {"d": DEVICE})
    buffer.flush_all()
    (view,) = Event.objects.filter(kind=Kind.VIEW)
    (first,) = clicks()
    assert first.device == view.device


def test_a_click_without_a_device_id_counts_with_a_device_of_its_own_and_no_address(client, creative):
    """No ?d= (Do Not Track, a copied link) or a bad one: each click is counted with a random
    device; the address is not used, hashed or not (the public app's privacy promise)."""
    client.get(click_url(creative), HTTP_USER_AGENT=CHROME)
    client.get(click_url(creative), HTTP_USER_AGENT=CHROME)
    client.get(click_url(creative), {"d": "<script>"}, HTTP_USER_AGENT=CHROME)  # not a device id
    client.get(click_url(creative), {"d": DEVICE}, HTTP_USER_AGENT=CHROME)  # the beacon's id
    client.get(click_url(creative), {"d": DEVICE}, HTTP_USER_AGENT=CHROME, REMOTE_ADDR="10.1.2.3")  # same id elsewhere
    devices = [e.device for e in clicks()]
    assert len(set(devices[:3])) == 3
    assert devices[3] == devices[4]  # the beacon's device, whatever the address
    salt = readership.salt_for(timezone.localdate())
    assert devices[3] == readership.hash_device(DEVICE, salt)
    for address in ("127.0.0.1", "10.1.2.3"):
        assert readership.hash_device(f"click\n{address}\n{CHROME}", salt) not in devices


def test_fifty_clicks_of_one_reader_are_one_click_and_add_no_device_to_the_site(client, creative):
    for _ in range(50):
        client.get(click_url(creative), {"d": DEVICE})
    for _ in range(5):
        client.get(click_url(creative), HTTP_USER_AGENT=CHROME)  # no device id: a device per click
    buffer.flush_all()
    today = timezone.localdate()

    (counted,) = creative_counts([creative.pk], today, today)
    assert counted.clicks == 6  # the reader with an id once, the five without one each

    readership.rollup_day(today)
    row = DailyRollup.objects.get(dimension=Dimension.CREATIVE, key=creative.pk, day=today)
    assert (row.clicks, row.devices) == (6, 6)
    assert DailyRollup.objects.get(dimension=Dimension.SITE, key=0, day=today).devices == 0


def test_wechat_clicks_are_told_by_the_user_agent(client, creative):
    client.get(click_url(creative), HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0.47")
    assert [e.via for e in clicks()] == [Via.WECHAT]


@pytest.mark.parametrize("next_param", ["next", "url", "to", "redirect"])
def test_no_address_from_the_request_is_followed(client, creative, next_param):
    response = client.get(click_url(creative), {next_param: "https://evil.example/", "d": DEVICE})
    assert response["Location"] == "https://www.example.com/xianan?from=rongmei"


@pytest.mark.parametrize("link", ["javascript:alert(1)", "//evil.example/x", "/\\evil.example", "data:text/html,hi", ""])
def test_a_link_that_is_neither_a_page_here_nor_http_leads_home_uncounted(client, creative, link):
    Creative.objects.filter(pk=creative.pk).update(link=link)
    response = client.get(click_url(creative))
    assert (response.status_code, response["Location"]) == (302, "/")
    assert clicks() == []


@pytest.mark.parametrize(
    "link",
    [
        "/ops/c/{pk}/",  # itself: a loop through the redirect, counted each time
        "/ops/c/{pk}",
        "/OPS/c/{pk}/",
        "/%6Fps/c/{pk}/",
        "/news/../ops/c/{pk}/",
        "/ops\\c\\{pk}\\",
        "/ops/",
        "/api/v1/public/feed",
        "/accounts/login/?next=/",
        "/admin/",
        "http://testserver/ops/c/{pk}/",
        "https://TESTSERVER/api/v1/public/ads?slot=banner",
    ],
)
def test_a_link_into_ops_api_accounts_or_admin_leads_home_uncounted(client, creative, link):
    Creative.objects.filter(pk=creative.pk).update(link=link.format(pk=creative.pk))
    response = client.get(click_url(creative), {"d": DEVICE})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert clicks() == []


@pytest.mark.parametrize("link", ["/opsroom/", "/news/1/?from=/ops/", "https://www.example.com/ops/c/1/"])
def test_other_pages_and_other_sites_ops_paths_are_fine_links(client, creative, link):
    Creative.objects.filter(pk=creative.pk).update(link=link)
    assert client.get(click_url(creative), {"d": DEVICE})["Location"] == link
    assert len(clicks()) == 1


def test_a_page_of_this_site_is_a_fine_link(client, creative):
    Creative.objects.filter(pk=creative.pk).update(link="/column/toutiao/")
    assert client.get(click_url(creative))["Location"] == "/column/toutiao/"
    assert len(clicks()) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"state": Campaign.State.PAUSED},
        {"state": Campaign.State.DRAFT},
        {"state": Campaign.State.ENDED},
        {"ends_at": dt.datetime(2020, 1, 2, tzinfo=dt.UTC), "starts_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    ],
)
def test_a_creative_that_is_not_running_leads_home_and_is_not_counted(client, creative, change):
    Campaign.objects.filter(pk=creative.campaign_id).update(**change)
    response = client.get(click_url(creative), {"d": DEVICE})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert clicks() == []


def test_an_unknown_creative_leads_home(client, db):
    response = client.get("/ops/c/999999/")
    assert (response.status_code, response["Location"]) == (302, "/")


def test_a_click_is_a_get_only(client, creative):
    assert client.post(click_url(creative)).status_code == 405
    assert client.head(click_url(creative), {"d": DEVICE}).status_code == 405  # link checkers
    assert clicks() == []


def test_staff_without_their_second_factor_are_not_stopped_on_the_way(client, creative, chief):
    client.post("/accounts/login/", {"username": chief.username, "password": PASSWORD})
    assert client.get("/ops/").url == reverse("accounts:two_factor")  # the staff area waits for it
    response = client.get(click_url(creative))
    assert response["Location"] == "https://www.example.com/xianan?from=rongmei"
    assert client.get(reverse("ops:ad_image", args=[creative.pk])).status_code == 200


# --- the picture ----------------------------------------------------------------------------------


def test_the_picture_of_an_approved_creative_is_served_with_cache_headers(client, creative):
    response = client.get(reverse("ops:ad_image", args=[creative.pk]), {"v": creative.asset_id})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert not response.cookies


def test_webp_goes_to_browsers_that_take_it(client, ad_client, sales):  # noqa: F811
    c = campaign(ad_client, sales)
    creative = c.creatives.get()
    creative.asset = picture(sales, kinds=("web_1280_webp", "web_1280_jpg"), title="两种")
    creative.save()
    url = reverse("ops:ad_image", args=[creative.pk])
    assert client.get(url, HTTP_ACCEPT="image/avif,image/webp,*/*")["Content-Type"] == "image/webp"
    assert client.get(url, HTTP_ACCEPT="image/png,*/*")["Content-Type"] == "image/jpeg"
    assert "Accept" in client.get(url)["Vary"]


@pytest.mark.parametrize("state", [Campaign.State.DRAFT, Campaign.State.IN_REVIEW, Campaign.State.PAUSED, Campaign.State.ENDED])
def test_the_picture_of_a_campaign_that_is_not_approved_is_not_found(client, creative, state):
    Campaign.objects.filter(pk=creative.campaign_id).update(state=state)
    assert client.get(reverse("ops:ad_image", args=[creative.pk])).status_code == 404


@pytest.mark.parametrize(
    ("starts", "ends", "found"),
    [
        (dt.timedelta(days=2), dt.timedelta(days=9), False),  # not released yet: the id must not leak it
        (dt.timedelta(minutes=61), dt.timedelta(days=9), False),
        (dt.timedelta(minutes=50), dt.timedelta(days=9), True),  # a page fetched just before the start
        (dt.timedelta(days=-9), dt.timedelta(minutes=-50), True),  # a page fetched just before the end
        (dt.timedelta(days=-9), dt.timedelta(minutes=-61), False),
        (dt.timedelta(days=-90), dt.timedelta(days=-60), False),  # long over
    ],
)
def test_the_picture_is_served_only_from_an_hour_before_the_start_to_an_hour_after_the_end(client, ad_client, sales, starts, ends, found):  # noqa: F811
    creative = campaign(ad_client, sales, starts=starts, ends=ends).creatives.get()
    assert client.get(reverse("ops:ad_image", args=[creative.pk])).status_code == (200 if found else 404)


def test_a_picture_without_a_web_rendition_is_not_found(client, ad_client, sales):  # noqa: F811
    creative = campaign(ad_client, sales).creatives.get()
    creative.asset = picture(sales, kinds=(), title="未生成")
    creative.save()
    assert client.get(reverse("ops:ad_image", args=[creative.pk])).status_code == 404
    assert client.get("/ops/i/999999/").status_code == 404
