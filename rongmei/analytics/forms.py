"""The staff page's period filter. It parses and types the input; the reads are in selectors."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_DAYS = 30
MAX_DAYS = 366
EARLIEST_YEAR = 2000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        if start.year < EARLIEST_YEAR or end > today + dt.timedelta(days=366):
            raise forms.ValidationError(_("Choose days between %(y)s and next year.") % {"y": EARLIEST_YEAR})
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most %(n)s days.") % {"n": MAX_DAYS})
        data["start"], data["end"] = start, end
        return data

    @classmethod
    def default_period(cls) -> tuple[dt.date, dt.date]:
        end = timezone.localdate()
        return end - dt.timedelta(days=DEFAULT_DAYS - 1), end
