"""Ad impressions through the readership beacon (POST /api/v1/public/beacon, type ad_view): kept
for a creative of a running campaign, left out silently for any other id."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from rongmei.advertising.models import Campaign
from rongmei.advertising.tests.serving_support import DEVICE, campaign, fresh_readership  # noqa: F401
from rongmei.analytics import buffer, lookups
from rongmei.analytics.models import Event, Kind, Via

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_readership")]

URL = "/api/v1/public/beacon"


def post(client, *events):
    return client.post(URL, json.dumps({"events": list(events)}), content_type="text/plain;charset=UTF-8")


def ad_view(creative_id, **extra):
    return {"type": "ad_view", "path": "/news/1/", "device": DEVICE, "creative": creative_id, **extra}


def events() -> list[Event]:
    buffer.flush_all()
    return list(Event.objects.order_by("id"))


@pytest.fixture
def creative(ad_client, sales):  # noqa: F811
    return campaign(ad_client, sales).creatives.get()


def test_an_impression_of_a_running_creative_is_stored_with_the_creative(client, creative):
    response = post(client, ad_view(creative.pk), {"type": "view", "path": "/", "device": DEVICE})

    assert response.status_code == 204
    impression, view = events()
    assert (impression.kind, impression.creative_id, impression.via) == (Kind.AD_VIEW, creative.pk, Via.WEB)
    # The impression names the creative, not the page it was on; the same reader is the same device.
    assert (impression.article_id, impression.column_id) == (None, None)
    assert impression.device == view.device and view.creative_id is None


def test_bogus_creative_ids_are_dropped_silently_and_the_rest_of_the_batch_kept(client, creative):
    response = post(client, ad_view(999_999), ad_view(creative.pk), {"type": "view", "path": "/", "device": DEVICE})

    assert response.status_code == 204
    assert [(e.kind, e.creative_id) for e in events()] == [(Kind.AD_VIEW, creative.pk), (Kind.VIEW, None)]


@pytest.mark.parametrize("state", [Campaign.State.DRAFT, Campaign.State.IN_REVIEW, Campaign.State.PAUSED, Campaign.State.ENDED])
def test_an_impression_of_a_campaign_that_is_not_running_is_dropped(client, creative, state):
    Campaign.objects.filter(pk=creative.campaign_id).update(state=state)
    assert post(client, ad_view(creative.pk)).status_code == 204
    assert events() == []


def test_an_impression_before_the_start_or_well_after_the_end_is_dropped(client, ad_client, sales):  # noqa: F811
    later = campaign(ad_client, sales, name="下周", starts=dt.timedelta(days=7), ends=dt.timedelta(days=9)).creatives.get()
    over = campaign(ad_client, sales, name="上周", starts=dt.timedelta(days=-9), ends=dt.timedelta(minutes=-30)).creatives.get()
    assert post(client, ad_view(later.pk), ad_view(over.pk)).status_code == 204
    assert events() == []


def test_an_impression_sent_just_after_the_end_still_counts(client, ad_client, sales):  # noqa: F811
    """A page keeps its impressions a few seconds before sending them: one seen while the campaign
    ran is counted even if it arrives a moment after the end."""
    creative = campaign(ad_client, sales, starts=dt.timedelta(days=-2), ends=dt.timedelta(seconds=-20)).creatives.get()
    assert post(client, ad_view(creative.pk, ts=(timezone.now() - dt.timedelta(seconds=25)).isoformat())).status_code == 204
    assert [e.creative_id for e in events()] == [creative.pk]


def test_a_campaign_approved_a_moment_ago_is_counted_at_once(client, ad_client, sales, monkeypatch):  # noqa: F811
    post(client, ad_view(999_999))  # the lookup copy is loaded now, without the new campaign
    creative = campaign(ad_client, sales, name="刚通过").creatives.get()
    loaded = lookups.creatives._loaded
    monkeypatch.setattr(lookups.creatives, "_loaded", loaded - 2)  # the ad was in view for a second or more since
    assert post(client, ad_view(creative.pk)).status_code == 204
    assert [e.creative_id for e in events()] == [creative.pk]


def test_bogus_ids_do_not_make_the_beacon_query_the_database_each_time(client, creative, django_assert_max_num_queries):
    post(client, ad_view(creative.pk))  # the salt and the lookup are loaded
    with django_assert_max_num_queries(0):
        for n in range(5):
            post(client, ad_view(900_000 + n))


def test_an_impression_must_name_its_creative(client, creative, english):
    response = post(client, {"type": "ad_view", "path": "/", "device": DEVICE})
    assert response.status_code == 422
    assert "creative" in json.dumps(response.json())
    assert events() == []


def test_a_creative_on_another_kind_of_event_is_ignored(client, creative):
    post(client, {"type": "view", "path": "/", "device": DEVICE, "creative": creative.pk})
    (view,) = events()
    assert (view.kind, view.creative_id) == (Kind.VIEW, None)
