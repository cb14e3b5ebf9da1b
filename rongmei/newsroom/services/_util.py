from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError

# Control characters other than tab and newline: NUL cannot be stored by PostgreSQL at all, and
# none of them belongs in copy a person writes.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Dates outside this range are typing slips (0001, 9999) that overflow date arithmetic.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


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


def check_date(value: dt.date | dt.datetime, *, field: str, label: str) -> None:
    """Refuse dates outside EARLIEST_YEAR..LATEST_YEAR with a message naming the field."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise DomainError(
            _("%(label)s must lie between the years %(a)s and %(b)s.") % {"label": label, "a": EARLIEST_YEAR, "b": LATEST_YEAR},
            field=field,
        )
