from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rongmei.distribution.models import Channel
from rongmei.distribution.services import MAX_REASON_CHARS


class PublishForm(forms.Form):
    channels = forms.ModelMultipleChoiceField(
        label=_("Channels"), queryset=Channel.objects.filter(active=True), widget=forms.CheckboxSelectMultiple
    )
    at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        help_text=_("Leave empty to publish now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class RetractForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the retraction"), max_length=MAX_REASON_CHARS, widget=forms.Textarea(attrs={"rows": 3}))
