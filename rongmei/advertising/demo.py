"""Demo advertising: one approved banner campaign of 泌阳县夏南牛业有限公司, running from yesterday
for thirty days, with the newest picture of the media library as its creative. Played through
rongmei.advertising.services (audit lines and the content-safety check are the real ones), by the
demo operations user "jingying" (周经营); the chief editor "chief" approves when present.

Skipped quietly when the client (rongmei.business.demo seeds it), the operations user or a picture
in the media library is missing. Idempotent: a campaign of that name is left alone.

    from rongmei.advertising import demo; demo.seed()
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.accounts.models import User
from rongmei.advertising import services
from rongmei.advertising.models import AdSlot, Campaign
from rongmei.business.models import Client

CLIENT = "泌阳县夏南牛业有限公司"
NAME = "夏南牛肉年货节"
TEXT = "夏南牛肉年货节，产地直发"
LINK = "/"
OPERATIONS_USER = "jingying"
REVIEWER = "chief"


@transaction.atomic
def seed(created: dict | None = None) -> dict:
    """Seed the demo campaign (see the module); returns ``created`` with the count."""
    from rongmei.media.models import Asset

    created = created if created is not None else {}
    actor = User.objects.filter(username=OPERATIONS_USER, is_active=True).first()
    client = Client.objects.filter(name=CLIENT).first()
    picture = Asset.objects.filter(kind=Asset.Kind.IMAGE).order_by("-created_at", "-id").first()
    slot = AdSlot.objects.filter(code=AdSlot.Code.BANNER, active=True).first()
    if actor is None or client is None or picture is None or slot is None or Campaign.objects.filter(name=NAME).exists():
        return created
    now = timezone.now()
    campaign = services.create_campaign(
        actor=actor,
        client=client,
        name=NAME,
        slot=slot,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
        frequency_cap=3,
    )
    services.add_creative(actor=actor, campaign=campaign, asset=picture, link=LINK, alt_text=TEXT)
    campaign = services.submit_for_review(actor=actor, campaign=campaign)
    reviewer = User.objects.filter(username=REVIEWER, is_active=True).first() or actor
    note = "" if not campaign.safety_hits else "演示数据：用语已核实"
    if campaign.safety_hits and reviewer == actor:
        return created  # a flagged campaign needs a second person: leave it in review
    services.approve(actor=reviewer, campaign=campaign, note=note)
    created["campaigns"] = created.get("campaigns", 0) + 1
    return created
