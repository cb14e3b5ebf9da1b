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


class UploadForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=None)
    file = forms.FileField(label=_("Table (.xlsx or CSV)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args, **kwargs):
        from rongmei.distribution.models import Channel

        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = (
            Channel.objects.filter(active=True).exclude(code__in=("website", "app")).order_by("sort_order", "id")
        )


class WeightsForm(forms.Form):
    """One number field per active channel and per component (built from the current weights)."""

    def __init__(self, *args, channel_weights: dict, component_weights: dict, **kwargs):
        from rongmei.dashboard.reach import COMPONENTS
        from rongmei.distribution.models import Channel

        super().__init__(*args, **kwargs)
        for channel in Channel.objects.filter(active=True).order_by("sort_order", "id"):
            self.fields[f"channel_{channel.code}"] = forms.DecimalField(
                label=channel.name, min_value=0, max_value=100, decimal_places=2, initial=channel_weights.get(channel.code, 0)
            )
        for key, label in COMPONENTS.items():
            self.fields[f"component_{key}"] = forms.DecimalField(
                label=label, min_value=0, max_value=100, decimal_places=2, initial=component_weights.get(key, 0)
            )

    def split(self) -> tuple[dict, dict]:
        data = self.cleaned_data
        channels = {k.removeprefix("channel_"): v for k, v in data.items() if k.startswith("channel_")}
        components = {k.removeprefix("component_"): v for k, v in data.items() if k.startswith("component_")}
        return channels, components
