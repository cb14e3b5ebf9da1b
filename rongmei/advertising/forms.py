"""Forms of the advertising management pages. They only shape input: the rules are in
services.py, whose DomainError lands back on the form (rongmei.core.forms.call_service)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.advertising.models import AdSlot, Campaign
from rongmei.advertising.services import MAX_CAP
from rongmei.business.models import Client, Project

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
CAMPAIGN_FIELDS = ("client", "project", "name", "slot", "starts_at", "ends_at", "frequency_cap", "columns")


class CampaignForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.order_by("name"))
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("If the campaign was sold with one of the client's projects."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    slot = forms.ModelChoiceField(label=_("Ad slot"), queryset=AdSlot.objects.filter(active=True).order_by("id"))
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    frequency_cap = forms.IntegerField(
        label=_("Frequency cap"),
        min_value=1,
        max_value=MAX_CAP,
        initial=3,
        help_text=_("At most this many impressions per device per day."),
    )
    columns = forms.ModelMultipleChoiceField(
        label=_("Target columns"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every column and page where the slot shows."),
    )

    def __init__(self, *args, **kwargs):
        from rongmei.portal.models import Column

        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            Project.objects.exclude(state=Project.State.CANCELLED).select_related("client").order_by("client__name", "-created_at")
        )
        self.fields["project"].label_from_instance = lambda p: f"{p.client.name} · {p.title}"
        self.fields["columns"].queryset = Column.objects.filter(active=True).order_by("sort_order", "id")

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> CampaignForm:
        return cls(
            initial={
                "client": campaign.client_id,
                "project": campaign.project_id,
                "name": campaign.name,
                "slot": campaign.slot_id,
                "starts_at": campaign.starts_at,
                "ends_at": campaign.ends_at,
                "frequency_cap": campaign.frequency_cap,
                "columns": [c.pk for c in campaign.columns.all()],
            }
        )


class CreativeForm(forms.Form):
    """A picture of the media library (``asset``) or the client's file uploaded here (``file``):
    exactly one of the two, with the link and the text."""

    # Any image of the library is accepted (the page lists the newest); the service checks the kind.
    asset = forms.IntegerField(
        label=_("Picture"),
        min_value=1,
        required=False,
        help_text=_("Choose one of the newest pictures of the media library."),
    )
    # The file's size and content are the media library's to judge (services.add_creative_upload).
    file = forms.FileField(
        label=_("Or upload the picture"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=_("The picture the client handed over (JPEG, PNG, GIF or WebP); it is kept in the media library."),
    )
    link = forms.CharField(
        label=_("Link"), max_length=500, help_text=_("A page of this site (/column/news/) or an address starting with https://.")
    )
    alt_text = forms.CharField(
        label=pgettext_lazy("ad creative", "Text"),
        max_length=60,
        help_text=_("2 to 60 characters, shown with the picture and read out by screen readers."),
    )

    def clean_asset(self):
        from rongmei.media.models import Asset

        pk = self.cleaned_data.get("asset")
        if pk is None:
            return None
        asset = Asset.objects.filter(pk=pk).first()
        if asset is None:
            raise forms.ValidationError(_("The media library has no picture with this number."))
        return asset

    def clean(self):
        cleaned = super().clean()
        chosen = bool(self.data.get("asset"))  # a wrong number is the asset field's error already
        uploaded = cleaned.get("file") is not None
        if chosen and uploaded:
            self.add_error(None, _("Choose a picture of the media library or upload one, not both."))
        elif not chosen and not uploaded and "file" not in self.errors:
            self.add_error("asset", _("Choose a picture from the media library or upload the picture's file."))
        return cleaned


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Reviewer's note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the check found words: why the campaign may run as it is."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("All states")), *Campaign.State.choices, (Campaign.EXPIRED, Campaign.EXPIRED_LABEL)],
        required=False,
    )
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.order_by("name"), required=False, empty_label=_("All clients")
    )
