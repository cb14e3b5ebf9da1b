"""The audit trail: every state change writes one line, inside the transaction that made it."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from rongmei.core.context import client_ip
from rongmei.core.models import AuditLog


def subject_of(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def record(
    action: str,
    *,
    actor,
    subject: models.Model,
    summary: str,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit line. Call inside the transaction of the change it records."""
    subject_type, subject_id = subject_of(subject)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(actor.display_name if getattr(actor, "pk", None) else _("System")),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        summary=str(summary)[:500],
        from_state=from_state,
        to_state=to_state,
        data=data or {},
        ip_address=client_ip(),
    )


def history(*subjects: models.Model):
    """The audit lines of these objects, oldest first."""
    q = models.Q(pk__in=[])
    for obj in subjects:
        subject_type, subject_id = subject_of(obj)
        q |= models.Q(subject_type=subject_type, subject_id=subject_id)
    return AuditLog.objects.filter(q).select_related("actor").order_by("created_at", "id")
