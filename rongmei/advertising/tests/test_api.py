"""GET /api/v1/public/ads: the running campaigns of a slot for a column, the same answer for
everybody, cacheable, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient

from rongmei.advertising.models import AdSlot, Campaign
from rongmei.advertising.tests.serving_support import campaign, fresh_readership  # noqa: F401
from rongmei.media.models import Rendition
from rongmei.portal.models import Column

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_readership")]

URL = "/api/v1/public/ads"


@pytest.fixture
def columns(db):
    return {
        "toutiao": Column.objects.create(name="头条", slug="toutiao", sort_order=1),
        "meili": Column.objects.create(name="魅力泌阳", slug="meili", sort_order=2),
    }


def creatives_of(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {ad["creative"] for ad in response.json()["ads"]}


def ids(c: Campaign) -> set[int]:
    return set(c.creatives.values_list("pk", flat=True))


def test_a_running_campaign_is_served_with_its_picture_click_text_and_cap(client, ad_client, sales, english):  # noqa: F811
    c = campaign(ad_client, sales, "banner", cap=2)
    (creative,) = c.creatives.all()

    response = client.get(URL, {"slot": "banner"})

    assert response.status_code == 200
    assert response.json() == {
        "slot": "banner",
        "width": 750,
        "height": 200,
        "label": "广告",  # the label every ad carries, in every language
        "ads": [
            {
                "campaign": c.pk,
                "creative": creative.pk,
                "image": f"/ops/i/{creative.pk}/?v={creative.asset_id}",
                "alt": creative.alt_text,
                "click": f"/ops/c/{creative.pk}/",
                "cap": 2,
            }
        ],
    }


def test_the_label_is_always_guanggao_whatever_the_language(client, ad_client, sales):  # noqa: F811
    """广告, as the advertising law wants it, for a Chinese and for an English reader alike."""
    assert client.get(URL, {"slot": "banner"}).json()["label"] == "广告"
    assert client.get(URL, {"slot": "banner"}, HTTP_ACCEPT_LANGUAGE="en").json()["label"] == "广告"


def test_only_the_slot_asked_for_is_served(client, ad_client, sales):  # noqa: F811
    banner = campaign(ad_client, sales, "banner", name="横幅")
    feed = campaign(ad_client, sales, "in_feed", name="信息流", creatives=2)

    assert creatives_of(client.get(URL, {"slot": "banner"})) == ids(banner)
    assert creatives_of(client.get(URL, {"slot": "in_feed"})) == ids(feed)
    assert creatives_of(client.get(URL, {"slot": "live_room"})) == set()


def test_a_campaign_with_target_columns_shows_only_there_and_one_without_everywhere(client, ad_client, sales, columns):  # noqa: F811
    everywhere = campaign(ad_client, sales, name="全站")
    toutiao = campaign(ad_client, sales, name="头条专投", columns=[columns["toutiao"]])
    both = campaign(ad_client, sales, name="两个栏目", columns=[columns["toutiao"], columns["meili"]])

    assert creatives_of(client.get(URL, {"slot": "banner", "column": "toutiao"})) == ids(everywhere) | ids(toutiao) | ids(both)
    assert creatives_of(client.get(URL, {"slot": "banner", "column": "meili"})) == ids(everywhere) | ids(both)
    # The home page, an article, an unknown column: campaigns without target columns only.
    assert creatives_of(client.get(URL, {"slot": "banner"})) == ids(everywhere)
    assert creatives_of(client.get(URL, {"slot": "banner", "column": "no-such-column"})) == ids(everywhere)


def test_only_running_campaigns_are_served(client, ad_client, sales):  # noqa: F811
    running = campaign(ad_client, sales, name="进行中")
    campaign(ad_client, sales, name="未开始", starts=dt.timedelta(hours=1), ends=dt.timedelta(days=2))
    campaign(ad_client, sales, name="已结束", starts=dt.timedelta(days=-3), ends=dt.timedelta(seconds=-1))
    for state in (Campaign.State.DRAFT, Campaign.State.IN_REVIEW, Campaign.State.PAUSED, Campaign.State.ENDED):
        campaign(ad_client, sales, name=f"状态{state}", state=state)

    assert creatives_of(client.get(URL, {"slot": "banner"})) == ids(running)


def test_a_creative_waits_for_its_web_picture(client, ad_client, sales):  # noqa: F811
    """Until the worker has made the picture's web rendition, the creative is left out: a
    reader would get a broken image."""
    ready = campaign(ad_client, sales, name="已就绪")
    waiting = campaign(ad_client, sales, name="处理中")
    Rendition.objects.filter(asset__in=[c.asset for c in waiting.creatives.all()]).update(status=Rendition.Status.RUNNING)

    assert creatives_of(client.get(URL, {"slot": "banner"})) == ids(ready)
    Rendition.objects.filter(asset__in=[c.asset for c in waiting.creatives.all()]).update(status=Rendition.Status.DONE)
    assert creatives_of(client.get(URL, {"slot": "banner"})) == ids(ready) | ids(waiting)


def test_a_paused_campaign_leaves_the_answer(client, ad_client, sales):  # noqa: F811
    c = campaign(ad_client, sales)
    assert creatives_of(client.get(URL, {"slot": "banner"})) == ids(c)
    Campaign.objects.filter(pk=c.pk).update(state=Campaign.State.PAUSED)
    assert creatives_of(client.get(URL, {"slot": "banner"})) == set()


def test_a_switched_off_slot_serves_nothing(client, ad_client, sales):  # noqa: F811
    campaign(ad_client, sales)
    AdSlot.objects.filter(code="banner").update(active=False)
    assert creatives_of(client.get(URL, {"slot": "banner"})) == set()


@pytest.mark.parametrize("query", [{"slot": "popup"}, {"slot": ""}, {}])
def test_an_unknown_slot_is_refused_with_a_message(client, db, english, query):
    response = client.get(URL, query)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("There is no ad slot") and "banner, in_feed" in body["detail"]


def test_the_answer_is_public_cacheable_and_sets_no_cookie(ad_client, sales):  # noqa: F811
    campaign(ad_client, sales)
    strict = HttpClient(enforce_csrf_checks=True)
    response = strict.get(URL, {"slot": "banner"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=5"
    assert "cookie" not in response.get("Vary", "").lower()
    assert not response.cookies


def test_a_logged_in_reader_gets_the_same_answer(client, ad_client, sales, reporter):  # noqa: F811
    campaign(ad_client, sales)
    anonymous = client.get(URL, {"slot": "banner"}).json()
    client.force_login(reporter)
    assert client.get(URL, {"slot": "banner"}).json() == anonymous


def test_queries_stay_the_same_whatever_the_number_of_campaigns(client, ad_client, sales, columns, django_assert_max_num_queries):  # noqa: F811
    for i in range(6):
        campaign(ad_client, sales, name=f"活动{i}", creatives=3, columns=[columns["toutiao"]] if i % 2 else [])
    with django_assert_max_num_queries(2):
        response = client.get(URL, {"slot": "banner", "column": "toutiao"})
    assert len(response.json()["ads"]) == 18
