"""Live rooms' part of a person's data (rongmei.core.privacy): an app user's chat lines. The export
lists them; deleting the account keeps the lines others saw, under "已注销用户", with the name
shown (a nickname or a masked number) gone and the link to the account cut."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from rongmei.core.privacy import iso
from rongmei.live.models import ChatMessage


def export(fan) -> dict:
    return {
        "chat_messages": [
            {"room": m.room.title, "name_shown": m.name, "text": m.body, "status": m.status, "sent_at": iso(m.created_at)}
            for m in ChatMessage.objects.filter(fan=fan).select_related("room").order_by("created_at", "pk")
        ]
    }


def erase(fan, now: dt.datetime) -> dict:
    return {"chat_messages": ChatMessage.objects.filter(fan=fan).update(fan=None, name=_("Deleted user")[:30])}
