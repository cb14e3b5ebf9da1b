"""Demo advertising: one approved banner campaign of 泌阳县夏南牛业有限公司, running from yesterday
for thirty days, with a banner picture drawn here (Pillow, 750×200, the CJK font when the machine
has one) and uploaded as the client's creative, as an operator would. Played through
rongmei.advertising.services (audit lines and the content-safety check are the real ones), by the
demo operations user "jingying" (周经营); the chief editor "chief" approves when present.

Skipped quietly when the client (rongmei.business.demo seeds it) or the operations user is
missing. Idempotent: a campaign of that name is left alone.

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
    created = created if created is not None else {}
    actor = User.objects.filter(username=OPERATIONS_USER, is_active=True).first()
    client = Client.objects.filter(name=CLIENT).first()
    slot = AdSlot.objects.filter(code=AdSlot.Code.BANNER, active=True).first()
    if actor is None or client is None or slot is None or Campaign.objects.filter(name=NAME).exists():
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
    services.add_creative_upload(actor=actor, campaign=campaign, uploaded=banner_picture(), link=LINK, alt_text=TEXT)
    campaign = services.submit_for_review(actor=actor, campaign=campaign)
    reviewer = User.objects.filter(username=REVIEWER, is_active=True).first() or actor
    note = "" if not campaign.safety_hits else "演示数据：用语已核实"
    if campaign.safety_hits and reviewer == actor:
        return created  # a flagged campaign needs a second person: leave it in review
    services.approve(actor=reviewer, campaign=campaign, note=note)
    created["campaigns"] = created.get("campaigns", 0) + 1
    return created


FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
)


def banner_picture():
    """The demo banner as an uploaded PNG file: red with the campaign's text in gold."""
    import io
    import os

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.new("RGB", (750, 200), (168, 28, 36))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((8, 8, 741, 191), outline=(240, 200, 110), width=4)
    font_path = next((path for path in FONTS if os.path.exists(path)), None)
    if font_path is not None:  # without a CJK font the text would be boxes: leave it out
        draw.text((375, 78), "夏南牛肉年货节", font=ImageFont.truetype(font_path, 56), fill=(250, 222, 140), anchor="mm")
        draw.text(
            (375, 148), "产地直发 · 泌阳县夏南牛业有限公司", font=ImageFont.truetype(font_path, 28), fill=(255, 240, 210), anchor="mm"
        )
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return SimpleUploadedFile("xianan-banner.png", out.getvalue(), content_type="image/png")
