"""Forms of the partner portal and of the operators' pages. They only shape input: the rules
are in services.py, whose DomainError lands back on the form (core.forms.call_service)."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.core.models import Place
from rongmei.partners.models import Account, Contribution, Partner, Platform, Post, Task
from rongmei.partners.services import PARTNER_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def place_choices():
    return Place.objects.select_related("parent").order_by("parent__sort_order", "sort_order", "name")


class ContributionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What you send"), choices=Contribution.Kind.choices, widget=forms.RadioSelect, initial=Contribution.Kind.LEAD
    )
    title = forms.CharField(label=_("Title"), max_length=80)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("A lead: what happened, where, who to contact. A draft story: the full text, one paragraph per line."),
    )
    place = forms.ModelChoiceField(label=_("Town or village"), queryset=Place.objects.none(), required=False)
    files = MultipleFileField(label=_("Pictures, video, documents"), required=False, help_text=_("Up to 10 files, each at most 200 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = place_choices()


class ReportForm(forms.Form):
    url = forms.CharField(label=_("Link to your post"), max_length=500)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class PostForm(forms.Form):
    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=120)
    url = forms.CharField(label=_("Link"), max_length=500, required=False)
    published_on = forms.DateField(label=_("Published on"), widget=DATE, initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("Kind"), choices=Post.Kind.choices, initial=Post.Kind.ORIGINAL)
    reads = forms.IntegerField(label=_("Reads"), min_value=0, initial=0)

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = partner.accounts.all()


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel or CSV file"), help_text=_("Columns: title, link, date, kind, reads (see the example)."))


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = list(PARTNER_FIELDS)
        widgets = {"agreement_start": DATE, "agreement_end": DATE, "joined_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = place_choices()

    def _post_clean(self):
        # Uniqueness and the rules are the service's to check, with its messages.
        pass


class AccountForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    name = forms.CharField(label=_("Account name"), max_length=60)
    handle = forms.CharField(label=_("Account ID"), max_length=80, required=False)
    url = forms.CharField(label=_("Home page"), max_length=500, required=False)
    followers = forms.IntegerField(label=_("Followers"), min_value=0, initial=0)


class LoginCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=60)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        help_text=_("Tell it to the partner in person; they change it after logging in."),
    )


class HonourForm(forms.Form):
    title = forms.CharField(label=_("Honour"), max_length=80)
    issuer = forms.CharField(label=_("Awarded by"), max_length=60)
    awarded_on = forms.DateField(label=_("Awarded on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Task.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=80)
    description = forms.CharField(label=_("What to do"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    due_at = forms.DateTimeField(label=_("Until"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    partners = forms.ModelMultipleChoiceField(label=_("Partners"), queryset=Partner.objects.none(), widget=forms.CheckboxSelectMultiple)
    stories = forms.ModelMultipleChoiceField(
        label=_("Articles to repost"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a repost task: the center's published articles."),
    )

    def __init__(self, *args, **kwargs):
        from rongmei.newsroom.models import Story

        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = Partner.objects.filter(status=Partner.Status.ACTIVE)
        self.fields["stories"].queryset = Story.objects.filter(state=Story.State.PUBLISHED).order_by("-signed_off_at", "-id")[:30]


class CheckForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AdoptForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        """Only the teams the person may write stories in (a lead may go to any of them too)."""
        from rongmei.accounts.models import Role, Team

        super().__init__(*args, **kwargs)
        teams = Team.objects.all()
        if user.role != Role.CHIEF_EDITOR:
            teams = teams.filter(models.Q(members=user) | models.Q(lead=user)).distinct()
        self.fields["team"].queryset = teams


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


TIER_ROWS = 5


class RuleForm(forms.Form):
    weight_quota = forms.IntegerField(label=_("Weight of quota completion"), min_value=0, max_value=100)
    weight_reads = forms.IntegerField(label=_("Weight of readership"), min_value=0, max_value=100)
    weight_adopted = forms.IntegerField(label=_("Weight of adopted contributions"), min_value=0, max_value=100)
    weight_tasks = forms.IntegerField(label=_("Weight of tasks done"), min_value=0, max_value=100)
    adopted_full = forms.IntegerField(label=_("Adoptions for full marks"), min_value=1, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(TIER_ROWS):
            self.fields[f"tier_name_{i}"] = forms.CharField(label=_("Award"), max_length=30, required=False)
            self.fields[f"tier_count_{i}"] = forms.IntegerField(label=_("Places"), min_value=0, max_value=100, required=False)
            self.fields[f"tier_min_{i}"] = forms.DecimalField(label=_("Lowest score"), min_value=0, max_value=100, required=False)

    MAIN = ("weight_quota", "weight_reads", "weight_adopted", "weight_tasks", "adopted_full")

    def main_fields(self):
        return [self[name] for name in self.MAIN]

    def tier_rows(self):
        return [(self[f"tier_name_{i}"], self[f"tier_count_{i}"], self[f"tier_min_{i}"]) for i in range(TIER_ROWS)]

    def tiers(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "name": data.get(f"tier_name_{i}") or "",
                "count": data.get(f"tier_count_{i}") or 0,
                "min_score": data.get(f"tier_min_{i}") or 0,
            }
            for i in range(TIER_ROWS)
            if data.get(f"tier_name_{i}")
        ]

    @classmethod
    def initial_for(cls, rule) -> dict:
        initial = {
            "weight_quota": rule.weight_quota,
            "weight_reads": rule.weight_reads,
            "weight_adopted": rule.weight_adopted,
            "weight_tasks": rule.weight_tasks,
            "adopted_full": rule.adopted_full,
        }
        for i, tier in enumerate((rule.tiers or [])[:TIER_ROWS]):
            initial.update(
                {f"tier_name_{i}": tier.get("name"), f"tier_count_{i}": tier.get("count"), f"tier_min_{i}": tier.get("min_score")}
            )
        return initial


class CloseForm(forms.Form):
    issuer = forms.CharField(label=_("Certificates issued by"), max_length=60, required=False)
