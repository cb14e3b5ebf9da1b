"""问政's part of a person's data (rongmei.core.privacy): the export of an app user's questions,
their anonymisation when the account is deleted, and the retention sweep.

Anonymising a question empties its contact data (the phone), replaces the original title and text
with the masked public version (the original may hold names, ID numbers, addresses; the masked one
is what the public saw anyway), masks the citizen's own messages and forgets the masking spans and
the fingerprint of the original. The answer, the units, the dates, the rating and the category
stay: the public page and the statistics do not change."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.privacy import iso
from rongmei.core.storage import delete_after_commit
from rongmei.inquiries import masking
from rongmei.inquiries.models import FINAL, Follow, Inquiry, Message

CITIZEN_MESSAGES = (Message.Kind.INFO, Message.Kind.FOLLOW_UP)
SWEEP_BATCH = 500


def export(fan) -> dict:
    questions = []
    for q in (
        Inquiry.objects.filter(fan=fan).select_related("category", "lead_unit").prefetch_related("messages").order_by("submitted_at", "pk")
    ):
        questions.append(
            {
                "receipt": q.receipt,
                "kind": q.kind,
                "title": q.title,
                "text": q.body,
                "town_or_village": q.location,
                "phone": q.phone,
                "may_be_published": q.is_public,
                "public_title": q.public_title,
                "public_text": q.public_body,
                "state": q.state,
                "category": q.category.name if q.category else None,
                "unit": q.lead_unit.name if q.lead_unit else None,
                "submitted_at": iso(q.submitted_at),
                "closed_at": iso(q.closed_at),
                "rating": q.rating,
                "rating_reason": q.rating_reason,
                "my_messages": [
                    {"kind": m.kind, "text": m.body, "at": iso(m.created_at)} for m in q.messages.all() if m.kind in CITIZEN_MESSAGES
                ],
            }
        )
    follows = [
        {"receipt": f.inquiry.receipt, "since": iso(f.created_at)}
        for f in Follow.objects.filter(fan=fan).select_related("inquiry").order_by("created_at", "pk")
    ]
    return {"questions": questions, "followed_questions": follows}


def anonymise(inquiry: Inquiry, now: dt.datetime) -> None:
    """Strip the personal data of one question. Call inside a transaction."""
    from rongmei.inquiries import similar

    inquiry.phone = ""
    inquiry.title = inquiry.public_title or masking.mask(inquiry.title)
    inquiry.body = inquiry.public_body or masking.mask(inquiry.body)
    inquiry.mask_spans = []
    inquiry.fingerprint = similar.fingerprint(inquiry.title, inquiry.body).as_json()
    inquiry.anonymised_at = now
    inquiry.save(update_fields=["phone", "phone_hash", "title", "body", "mask_spans", "fingerprint", "anonymised_at"])
    for message in inquiry.messages.filter(kind__in=CITIZEN_MESSAGES):
        masked = masking.mask(message.body)
        if masked != message.body:
            message.body = masked
            message.save(update_fields=["body"])
    # The citizen's own photos and documents (an ID card, a face, a house number) go with the rest;
    # the unit's attachments to its answer stay. The files leave the disk once the change is saved.
    from rongmei.inquiries.models import Attachment

    mine = list(inquiry.attachments.filter(side=Attachment.Side.CITIZEN))
    names = [a.file.name for a in mine if a.file]
    Attachment.objects.filter(pk__in=[a.pk for a in mine]).delete()
    delete_after_commit(names)


def erase(fan, now: dt.datetime) -> dict:
    """The account is being deleted: every question of the fan is anonymised and unlinked, their
    follows go."""
    questions = list(Inquiry.objects.select_for_update().filter(fan=fan))
    for inquiry in questions:
        anonymise(inquiry, now)
    Inquiry.objects.filter(pk__in=[q.pk for q in questions]).update(fan=None)
    followed = list(Follow.objects.filter(fan=fan).values_list("inquiry_id", flat=True))
    Follow.objects.filter(fan=fan).delete()
    Inquiry.objects.filter(pk__in=followed).update(followers_count=Greatest(F("followers_count") - 1, 0))
    return {"questions": len(questions), "follows": len(followed)}


def sweep(now: dt.datetime, retention: dict) -> dict:
    """Anonymise the questions finished (closed, not accepted, merged, handed on) more than
    ``inquiry_contact_days`` ago. One audit line per question."""
    cutoff = now - dt.timedelta(days=retention["inquiry_contact_days"])
    due = (
        Inquiry.objects.filter(state__in=FINAL, anonymised_at__isnull=True)
        .annotate(ended_at=Coalesce("closed_at", "screened_at", "submitted_at"))
        .filter(ended_at__lt=cutoff)
        .order_by("pk")
    )
    done = 0
    for inquiry in due.select_for_update(of=("self",))[:SWEEP_BATCH]:
        anonymise(inquiry, now)
        audit.record(
            "privacy.retention",
            actor=None,
            subject=inquiry,
            summary=_("Personal data of question %(r)s removed: retention period over") % {"r": inquiry.receipt},
            data={"days": retention["inquiry_contact_days"]},
        )
        done += 1
    return {"questions": done}
