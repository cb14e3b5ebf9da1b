"""The public ads API (registered in rongmei/api/urls.py): what a page's ad slot shows.

No login, no cookie: the answer for a slot and a column is the same for every reader, so nginx
keeps it for 3 s (deploy/nginx.conf) and browsers for a few seconds; the frequency cap travels
with each ad and is applied in the reader's browser (static/js/ads.js).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from rongmei.advertising import serving
from rongmei.advertising.models import AdSlot
from rongmei.api.schemas import ERRORS
from rongmei.core.exceptions import DomainError

router = Router(tags=["public app: ads"], auth=None)

# Seconds a browser (and any shared cache) may keep an answer: a paused campaign leaves soon.
ADS_MAX_AGE = 5
# Not translated: 《广告法》第十四条 wants an ad marked “广告” so readers tell it from the news, and
# the law's word is the mark whatever the reader's language (an English "Ad" would not be it).
AD_LABEL = "广告"


class AdsQuery(Schema):
    slot: str = Field("", max_length=40, description="splash, banner, in_feed, article_bottom or live_room")
    column: str = Field("", max_length=100, description="The page's column (short name); none on the home page, an article, a live room")


class AdOut(Schema):
    campaign: int
    creative: int
    image: str = Field(description="The creative's picture (this site's URL)")
    alt: str = Field(description="The picture's text, shown with it and read out by screen readers")
    click: str = Field(description="Where a click goes: counts the click, then leads to the advertiser's link")
    cap: int = Field(description="At most this many impressions per device and day (the browser counts)")


class SlotAdsOut(Schema):
    slot: str
    width: int = Field(description="The slot's size in pixels")
    height: int
    label: str = Field(description="The label every ad carries (广告)")
    ads: list[AdOut] = Field(description="The running ads; show one, rotating among those under their cap; none: hide the slot")


def _ad(ad: serving.ServedAd) -> dict:
    return {
        "campaign": ad.campaign_id,
        "creative": ad.creative_id,
        # The picture's asset in the URL: a creative with another picture is another URL for caches.
        "image": f"{reverse('ops:ad_image', args=[ad.creative_id])}?v={ad.asset_id}",
        "alt": ad.alt_text,
        "click": reverse("ops:ad_click", args=[ad.creative_id]),
        "cap": ad.frequency_cap,
    }


@router.get(
    "/public/ads",
    response={200: SlotAdsOut, **ERRORS},
    summary="The running ads of a slot (for a column's page)",
    description="Campaigns running now in the slot that target the column, or every column. The same answer for "
    "everybody (cached a few seconds). Count an impression with the beacon (type ad_view, creative) once the "
    "picture was half in view for a second; a click goes through the ad's click URL.",
)
def ads(request: HttpRequest, response: HttpResponse, filters: Query[AdsQuery]):
    found = serving.running_creatives(filters.slot, filters.column.strip() or None)
    if found is None:
        raise DomainError(
            _("There is no ad slot “%(slot)s”; choose one of: %(choices)s.")
            % {"slot": filters.slot, "choices": ", ".join(AdSlot.Code.values)},
            field="slot",
        )
    response["Cache-Control"] = f"public, max-age={ADS_MAX_AGE}"
    return {
        "slot": found.slot,
        "width": found.width,
        "height": found.height,
        "label": AD_LABEL,
        "ads": [_ad(ad) for ad in found.ads],
    }
