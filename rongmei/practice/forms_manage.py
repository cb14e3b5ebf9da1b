"""Forms of the practice center's staff pages (/practice/manage/). They only shape input: the
rules are in services.py, whose DomainError lands back on the form (core.forms.call_service)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.practice.models import Site, VolunteerTeam

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: VolunteerTeam) -> str:
        return f"{obj.name}（{obj.site.name}）"


def teams():
    return VolunteerTeam.objects.select_related("site").order_by("site__kind", "site__name", "name")


class DispatchForm(forms.Form):
    team = TeamChoiceField(label=_("Volunteer team"), queryset=VolunteerTeam.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams()


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300, widget=forms.TextInput(attrs={"size": 40}))


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6}))
    site = forms.ModelChoiceField(label=_("Practice site"), queryset=Site.objects.none())
    team = TeamChoiceField(label=_("Organizing team"), queryset=VolunteerTeam.objects.none(), required=False)
    address = forms.CharField(label=pgettext_lazy("practice", "Address"), max_length=120)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000, initial=30)
    points_per_hour = forms.IntegerField(label=_("Points per hour"), min_value=0, max_value=100, initial=10)
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Leave the location empty to let the QR code alone prove presence."),
    )
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    radius_m = forms.IntegerField(label=_("Check-in radius (m)"), min_value=50, max_value=5000, initial=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.order_by("kind", "name")
        self.fields["team"].queryset = teams()

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def year_or_current(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return timezone.localdate().year
