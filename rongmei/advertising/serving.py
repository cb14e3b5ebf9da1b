"""What the public app shows in an ad slot, and what the beacon accepts as an ad's creative.

Reads only, for readers (no permission: everything here is public while a campaign runs). The
answer for a slot and a column is the same for everybody, so the public API can be cached by
nginx; the frequency cap travels with it and is applied in the reader's browser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from rongmei.advertising.models import AdSlot, Campaign, Creative
from rongmei.media.models import Rendition

# Creatives of campaigns that ended longer ago than this are not loaded for the beacon's check.
WINDOW_PAST = dt.timedelta(hours=1)
# A creative's picture is served from this long before its campaign starts to this long after it ends.
SHOWN_MARGIN = dt.timedelta(hours=1)
WEB_KINDS = (Rendition.Kind.WEB_1280_WEBP, Rendition.Kind.WEB_1280_JPG)  # what the picture view serves, best first


@dataclass(frozen=True)
class ServedAd:
    campaign_id: int
    creative_id: int
    asset_id: int
    alt_text: str
    frequency_cap: int


@dataclass(frozen=True)
class SlotAds:
    slot: str
    width: int
    height: int
    ads: list[ServedAd]


def _running(now: dt.datetime) -> Q:
    return Q(campaign__state=Campaign.State.APPROVED, campaign__starts_at__lte=now, campaign__ends_at__gt=now)


def running_creatives(slot_code: str, column_slug: str | None = None, now: dt.datetime | None = None) -> SlotAds | None:
    """The creatives of the campaigns running in the slot now that target the column (given by
    its short name), or every column (a campaign without target columns). Without a column (the
    home page, an article, a live room), only campaigns without target columns. None if there is
    no such slot; no ads if the slot is switched off. Two queries."""
    now = now or timezone.now()
    slot = AdSlot.objects.filter(code=slot_code).first()
    if slot is None:
        return None
    if not slot.active:
        return SlotAds(slot=slot.code, width=slot.width, height=slot.height, ads=[])
    targeted = Q(campaign__columns__isnull=True)
    if column_slug:
        targeted |= Q(campaign__columns__slug=column_slug)
    # A picture whose web rendition the worker has not made yet would show as a broken image.
    pictured = Exists(Rendition.objects.filter(asset_id=OuterRef("asset_id"), kind__in=WEB_KINDS, status=Rendition.Status.DONE))
    creatives = (
        Creative.objects.filter(_running(now), targeted, pictured, campaign__slot=slot)
        .select_related("campaign")
        .only("id", "asset_id", "alt_text", "campaign_id", "campaign__frequency_cap")
        .order_by("campaign__starts_at", "campaign_id", "pk")
        .distinct()
    )
    ads = [
        ServedAd(
            campaign_id=c.campaign_id, creative_id=c.pk, asset_id=c.asset_id, alt_text=c.alt_text, frequency_cap=c.campaign.frequency_cap
        )
        for c in creatives
    ]
    return SlotAds(slot=slot.code, width=slot.width, height=slot.height, ads=ads)


def running_creative(creative_id: int, now: dt.datetime | None = None) -> Creative | None:
    """The creative if its campaign is running now (a click is counted and followed), else None."""
    now = now or timezone.now()
    return Creative.objects.filter(_running(now), pk=creative_id).only("pk", "link", "campaign_id").first()


def shown_creative(creative_id: int, now: dt.datetime | None = None) -> Creative | None:
    """The creative if its picture may be shown: its campaign is approved and runs now, give or
    take SHOWN_MARGIN (a page fetched just before the start or the end still shows its picture).
    Not before that (ids are easy to guess: an ad not released yet must not leak) and not long
    after its end."""
    now = now or timezone.now()
    return (
        Creative.objects.filter(
            pk=creative_id,
            campaign__state=Campaign.State.APPROVED,
            campaign__starts_at__lte=now + SHOWN_MARGIN,
            campaign__ends_at__gt=now - SHOWN_MARGIN,
        )
        .only("pk", "asset_id")
        .first()
    )


def web_rendition(asset_id: int, *, webp: bool = True) -> Rendition | None:
    """The asset's finished web picture: WebP for a browser that takes it, else JPEG (whichever
    was made when only one was)."""
    order = list(WEB_KINDS)
    if not webp:
        order.reverse()
    done = {r.kind: r for r in Rendition.objects.filter(asset_id=asset_id, kind__in=order, status=Rendition.Status.DONE)}
    return next((done[k] for k in order if k in done), None)


def creative_windows(now: dt.datetime | None = None) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    """Every creative of an approved campaign that has not ended (or just ended), with the
    campaign's schedule: what the beacon checks an impression against (rongmei.analytics.lookups)."""
    now = now or timezone.now()
    rows = Creative.objects.filter(campaign__state=Campaign.State.APPROVED, campaign__ends_at__gt=now - WINDOW_PAST).values_list(
        "pk", "campaign__starts_at", "campaign__ends_at"
    )
    return {pk: (starts, ends) for pk, starts, ends in rows}
