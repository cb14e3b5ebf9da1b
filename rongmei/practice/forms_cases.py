"""The staff's form for a typical case (/practice/manage/cases/)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.practice.forms_manage import TeamChoiceField, teams
from rongmei.practice.models import TypicalCase, Volunteer, VolunteerTeam


class VolunteerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.real_name


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=60)
    summary = forms.CharField(label=_("Summary"), max_length=2000, widget=forms.Textarea(attrs={"rows": 8}))
    volunteer = VolunteerChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none(), required=False)
    team = TeamChoiceField(label=pgettext_lazy("practice", "Team"), queryset=VolunteerTeam.objects.none(), required=False)
    story = forms.CharField(
        label=_("The newsroom's story"),
        max_length=300,
        required=False,
        help_text=_("The article's number, or the address of its page on our site (…/news/123/)."),
    )
    photo = forms.FileField(label=_("Photo"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"}))
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=999, initial=0, help_text=_("Smaller numbers come first."))
    published = forms.BooleanField(label=_("Shown to the public"), required=False)

    def __init__(self, *args, case: TypicalCase | None = None, **kwargs):
        if case is not None and not kwargs.get("data"):
            kwargs["initial"] = {
                "title": case.title,
                "summary": case.summary,
                "volunteer": case.volunteer_id,
                "team": case.team_id,
                "story": str(case.story_id or ""),
                "position": case.position,
                "published": case.published,
            }
        super().__init__(*args, **kwargs)
        # Active volunteers, and the case's own even if suspended since (so saving keeps it).
        current = Q(pk=case.volunteer_id) if case is not None and case.volunteer_id else Q(pk__in=[])
        # Real names are encrypted: the database cannot sort them, so the choices are sorted here.
        volunteers = Volunteer.objects.filter(Q(status=Volunteer.Status.ACTIVE) | current)
        self.fields["volunteer"].queryset = volunteers
        self.fields["volunteer"].choices = [("", self.fields["volunteer"].empty_label or "---------")] + [
            (v.pk, self.fields["volunteer"].label_from_instance(v)) for v in sorted(volunteers, key=lambda v: (v.real_name, v.pk))
        ]
        self.fields["team"].queryset = teams()
        if case is None or not case.photo:
            del self.fields["remove_photo"]
