"""智慧人大/政协's part of a person's data (rongmei.core.privacy): an app user's letters to
deputies. Deleting the account unlinks the letters (the deputies' replies stay on record)."""

from __future__ import annotations

import datetime as dt

from rongmei.civic.models import CouncilLetter
from rongmei.core.privacy import iso


def export(fan) -> dict:
    return {
        "letters": [
            {
                "receipt": letter.receipt,
                "to": letter.member.name,
                "subject": letter.title,
                "text": letter.body,
                "town_or_village": letter.location,
                "status": letter.status,
                "reply": letter.reply,
                "written_at": iso(letter.created_at),
                "replied_at": iso(letter.replied_at),
            }
            for letter in CouncilLetter.objects.filter(fan=fan).select_related("member").order_by("created_at", "pk")
        ]
    }


def erase(fan, now: dt.datetime) -> dict:
    return {"letters": CouncilLetter.objects.filter(fan=fan).update(fan=None)}
