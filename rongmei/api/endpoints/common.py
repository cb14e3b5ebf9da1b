"""Small input helpers shared by the endpoint modules."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rongmei.api.schemas import aware
from rongmei.core.exceptions import DomainError
from rongmei.distribution.models import Channel


def find(model, pk: int | None, *, field: str):
    """The row a request names by id, or a 400 naming the field (a 404 would blame the URL)."""
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise DomainError(_("%(thing)s %(id)s does not exist.") % {"thing": model._meta.verbose_name, "id": pk}, field=field)
    return obj


def find_channels(codes) -> list[Channel]:
    codes = list(dict.fromkeys(codes or ()))
    rows = list(Channel.objects.filter(code__in=codes))
    if len(rows) != len(codes):
        missing = sorted(set(codes) - {c.code for c in rows})
        raise DomainError(_("Unknown channels: %(c)s") % {"c": ", ".join(missing)}, field="channels")
    return rows


def coverages_in(coverages) -> list[tuple]:
    return [(c.kind, aware(c.deadline), c.note) for c in coverages or ()]
