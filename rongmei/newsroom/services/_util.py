from __future__ import annotations

from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError


def clean_text(value: str | None, *, field: str, label: str, min_len: int = 0, max_len: int, required: bool = True) -> str:
    """Strip and length-check a text field; the error names the field in Chinese."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("%(label)s is required.") % {"label": label}, field=field)
    if value and len(value) < min_len:
        raise DomainError(_("%(label)s must have at least %(n)s characters.") % {"label": label, "n": min_len}, field=field)
    if len(value) > max_len:
        raise DomainError(
            _("%(label)s may have at most %(n)s characters (now %(len)s).") % {"label": label, "n": max_len, "len": len(value)},
            field=field,
        )
    return value
