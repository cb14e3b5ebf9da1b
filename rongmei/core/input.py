"""Cleaning what people type, for every app's services: control characters out, lengths checked,
errors naming the field in Chinese."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError

# Control characters other than tab and newline: NUL cannot be stored by PostgreSQL at all, and
# none of them belongs in copy a person writes.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: str | None) -> str:
    return _CONTROL_RE.sub("", value or "")


def clean_text(value: str | None, *, field: str, label: str, min_len: int = 0, max_len: int, required: bool = True) -> str:
    """Strip and length-check a text field; the error names the field in Chinese."""
    value = strip_controls(value).strip()
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
