from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit, text
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.notify import notify
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import Lead, LeadAttachment, LeadSimilarity
from rongmei.newsroom.services._util import clean_text, strip_controls

SIMILARITY_WINDOW_DAYS = 60
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def _flag_similar(lead: Lead) -> None:
    threshold = settings.RONGMEI["LEAD_SIMILARITY_THRESHOLD"]
    mine = text.tokens(f"{lead.title} {lead.title} {lead.description}")
    since = timezone.now() - timedelta(days=SIMILARITY_WINDOW_DAYS)
    candidates = Lead.objects.filter(created_at__gte=since).exclude(pk=lead.pk).exclude(status=Lead.Status.DISCARDED)
    rows = []
    for other in candidates.only("id", "title", "description")[:500]:
        score = text.similarity(mine, text.tokens(f"{other.title} {other.title} {other.description}"))
        if score >= threshold:
            rows.append(LeadSimilarity(lead=lead, other=other, score=round(score, 3)))
            rows.append(LeadSimilarity(lead=other, other=lead, score=round(score, 3)))
    LeadSimilarity.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def create_lead(
    *,
    actor,
    title: str,
    description: str,
    source: str = Lead.Source.REPORTER,
    source_contact: str = "",
    place=None,
    team=None,
    attachments=(),
) -> Lead:
    """File a lead. Similar recent leads are linked both ways so the desk sees duplicates."""
    if not perms.can_file_lead(actor):
        raise NotAllowed(_("You may not file leads."))
    title = clean_text(title, field="title", label=_("Title"), min_len=4, max_len=80)
    description = clean_text(description, field="description", label=_("Description"), max_len=5000)
    if source not in Lead.Source.values:
        raise DomainError(_("Unknown lead source."), field="source")
    for upload in attachments:
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise DomainError(
                _("The attachment %(name)s is larger than %(mb)s MB.") % {"name": upload.name, "mb": MAX_ATTACHMENT_BYTES // 2**20},
                field="attachments",
            )
    lead = Lead.objects.create(
        title=title,
        description=description,
        source=source,
        source_contact=strip_controls(source_contact).strip()[:100],
        place=place,
        team=team,
        reported_by=actor,
        keywords=text.keywords(f"{title}\n{description}"),
    )
    for upload in attachments:
        LeadAttachment.objects.create(lead=lead, file=upload, name=upload.name[:200], size=upload.size, uploaded_by=actor)
    _flag_similar(lead)
    audit.record("lead.create", actor=actor, subject=lead, summary=_("Filed lead: %(t)s") % {"t": title}, to_state=lead.status)
    if team is not None and team.lead is not None:
        notify([team.lead], kind="lead", text=_("New lead: %(t)s") % {"t": title}, url=f"/newsroom/leads/{lead.pk}/", exclude=actor)
    return lead


@transaction.atomic
def discard_lead(*, actor, lead: Lead, reason: str) -> Lead:
    lead = Lead.objects.select_for_update(of=("self",)).select_related("team").get(pk=lead.pk)
    if not perms.can_discard_lead(actor, lead):
        raise NotAllowed(_("You may not discard this lead."))
    if lead.status != Lead.Status.NEW:
        raise StateConflict(_("Only a new lead can be discarded."))
    reason = clean_text(reason, field="reason", label=_("Reason"), max_len=300)
    lead.status = Lead.Status.DISCARDED
    lead.discard_reason = reason
    lead.save(update_fields=["status", "discard_reason"])
    audit.record(
        "lead.discard",
        actor=actor,
        subject=lead,
        summary=_("Discarded lead: %(r)s") % {"r": reason},
        from_state=Lead.Status.NEW,
        to_state=lead.status,
    )
    return lead
