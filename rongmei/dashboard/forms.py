"""Forms of the data center's staff pages: the month of the assessment table, an assessment rule."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.accounts.models import Role
from rongmei.dashboard.assessment import ASSESSED_ROLES
from rongmei.dashboard.models import Measure


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=7, required=False, widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self) -> dt.date:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return timezone.localdate().replace(day=1)
        try:
            year, month = (int(part) for part in value.split("-"))
            chosen = dt.date(year, month, 1)
        except (ValueError, TypeError):
            raise forms.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11.")) from None
        if not 2000 <= chosen.year <= 2100:
            raise forms.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."))
        return chosen

    def month_or_current(self) -> dt.date:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["month"]
        return timezone.localdate().replace(day=1)


class RuleForm(forms.Form):
    measure = forms.ChoiceField(label=_("What is counted"), choices=Measure.choices)
    role = forms.ChoiceField(label=_("Role"), required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=None, required=False, help_text=_("Publications only; blank: every channel.")
    )
    points = forms.DecimalField(label=_("Points"), max_digits=7, decimal_places=2, min_value=-1000, max_value=1000)
    per = forms.IntegerField(label=_("Per how many"), min_value=1, max_value=1_000_000, initial=1)
    active = forms.BooleanField(label=_("In force"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        from rongmei.distribution.models import Channel

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Every role assessed"))] + [(r, Role(r).label) for r in ASSESSED_ROLES]
        self.fields["channel"].queryset = Channel.objects.filter(active=True).order_by("sort_order", "id")
