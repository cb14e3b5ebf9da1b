"""Questions in the states the citizens' pages and API show, made through the services (shared by
test_public_*.py, test_api.py and test_browser_citizen.py)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rongmei.inquiries import services
from rongmei.inquiries.models import Inquiry, Kind

TITLE = "幸福路小区门口污水横流无人管"
BODY = "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，我的电话13912345678，请尽快处理。"
REPLY = "经现场核查，幸福路小区南门下水道因施工堵塞，已安排市政养护队疏通，污水问题已解决，并将定期巡查。"

NO_LIMITS = {"FAN_GAP": 0, "FAN_DAY": (86400, 1000), "ADDRESS_HOUR": (3600, 1000)}


def photo(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def ask(fan, **extra) -> Inquiry:
    fields = {"kind": Kind.COMPLAINT, "title": TITLE, "body": BODY, "location": "泌水街道"}
    fields.update(extra)
    return services.submit(fan=fan, **fields)


def answer(inquiry: Inquiry, *, desk, unit, staff, reply: str = REPLY) -> Inquiry:
    """Forward, accept, reply, approve and publish: the question is answered."""
    services.forward(actor=desk, inquiry=inquiry, unit=unit)
    services.accept(actor=staff, inquiry=inquiry)
    answer = services.submit_reply(actor=staff, inquiry=inquiry, body=reply)
    services.approve_reply(actor=desk, reply=answer)
    services.publish(actor=desk, inquiry=inquiry)
    inquiry.refresh_from_db()
    return inquiry


def published(fan, *, desk, unit, staff, **extra) -> Inquiry:
    return answer(ask(fan, **extra), desk=desk, unit=unit, staff=staff)
