from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rongmei.media.models import Asset


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Asset.Kind.choices])
    tag = forms.CharField(label=_("Tag"), required=False, max_length=30)
    mine = forms.BooleanField(label=_("Only mine"), required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    title = forms.CharField(label=_("Title"), required=False, max_length=200)


class AssetEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=700, help_text=_("Separated by commas or spaces, e.g. 铜山湖, 夏南牛")
    )

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t for t in raw.replace("，", ",").replace(",", " ").split() if t]


class FocalForm(forms.Form):
    x = forms.FloatField(label=_("From the left (0–1)"), min_value=0, max_value=1)
    y = forms.FloatField(label=_("From the top (0–1)"), min_value=0, max_value=1)


class AttachForm(forms.Form):
    story = forms.TypedChoiceField(label=_("Story"), coerce=int)
    caption = forms.CharField(label=_("Caption"), required=False, max_length=500)

    def __init__(self, *args, stories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["story"].choices = [(s.pk, s.headline) for s in stories]


class SubtitleForm(forms.Form):
    file = forms.FileField(label=_("Subtitle file (SRT or WebVTT)"))
    language = forms.CharField(label=_("Language"), max_length=20, initial="zh-hans")
    label = forms.CharField(label=_("Label"), max_length=60, required=False)
    burn_in = forms.BooleanField(label=_("Burn into the vertical cut"), required=False)
