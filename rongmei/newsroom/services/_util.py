from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError
from rongmei.core.input import clean_text, strip_controls  # noqa: F401 (the newsroom services import them from here)

# Dates outside this range are typing slips (0001, 9999) that overflow date arithmetic.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def check_date(value: dt.date | dt.datetime, *, field: str, label: str) -> None:
    """Refuse dates outside EARLIEST_YEAR..LATEST_YEAR with a message naming the field."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise DomainError(
            _("%(label)s must lie between the years %(a)s and %(b)s.") % {"label": label, "a": EARLIEST_YEAR, "b": LATEST_YEAR},
            field=field,
        )
