"""The forms of the public practice pages. They only shape what was typed; the rules (lengths, the
day wanted, the consent, the stars) are checked by rongmei.practice.services, whose messages the
views put at the fields."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.core.models import Place
from rongmei.practice.models import Site

# What residents most often ask for; "other" lets them name it. The value is what is stored and
# what the center reads (the same words as the teams' "services offered").
CATEGORIES = [
    ("家电维修", _("Appliance repair")),
    ("理发", _("Haircut")),
    ("陪伴", _("Company and care for the elderly")),
    ("医疗健康", _("Health check and advice")),
    ("法律咨询", _("Legal advice")),
    ("政策宣讲", _("Explaining a policy")),
    ("other", _("Something else (say what below)")),
]

CONSENT_TEXT = _(
    "I register as a volunteer by my real name. I agree that the practice center keeps my real name, "
    "mobile number, skills, availability and nearest site, and my service records, hours and points, "
    "to organise volunteer services; that my name and hours may appear in the public rankings; and "
    "that they are not given to anybody else. I may ask the center to correct or delete them."
)

SKILL_SEPARATORS = re.compile(r"[,，、;；\s]+")


class RequestForm(forms.Form):
    category = forms.ChoiceField(label=_("Service"), choices=CATEGORIES, widget=forms.RadioSelect)
    other = forms.CharField(label=_("Which service (if something else)"), required=False, max_length=30)
    description = forms.CharField(label=_("What is needed"), widget=forms.Textarea(attrs={"rows": 5, "maxlength": 1000}), required=False)
    address = forms.CharField(label=pgettext_lazy("practice", "Address"), required=False, widget=forms.TextInput(attrs={"maxlength": 120}))
    place = forms.ModelChoiceField(label=_("Town or village"), queryset=Place.objects.select_related("parent"), required=False)
    wanted_on = forms.DateField(label=_("Wanted on (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def category_value(self) -> str:
        data = self.cleaned_data
        return (data.get("other") or "").strip() if data["category"] == "other" else data["category"]


class RateForm(forms.Form):
    STARS = [(n, str(n)) for n in range(5, 0, -1)]
    skill = forms.TypedChoiceField(label=_("Skill"), choices=STARS, coerce=int, widget=forms.RadioSelect, required=False)
    attitude = forms.TypedChoiceField(label=_("Attitude"), choices=STARS, coerce=int, widget=forms.RadioSelect, required=False)
    effect = forms.TypedChoiceField(label=_("Effect"), choices=STARS, coerce=int, widget=forms.RadioSelect, required=False)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}))


class VolunteerForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), required=False, widget=forms.TextInput(attrs={"maxlength": 20}))
    skills = forms.CharField(label=_("Skills"), required=False, help_text=_("Separate them with commas, e.g. 理发，家电维修"))
    availability = forms.CharField(label=_("When you are available"), required=False, widget=forms.TextInput(attrs={"maxlength": 100}))
    site = forms.ModelChoiceField(label=_("Nearest practice site"), queryset=Site.objects.all(), required=False)
    consent = forms.BooleanField(label=_("I have read and agree to the above"), required=False)

    def skill_list(self) -> list[str]:
        return [s for s in SKILL_SEPARATORS.split(self.cleaned_data.get("skills") or "") if s]
