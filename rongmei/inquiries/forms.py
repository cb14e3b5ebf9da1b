"""Forms of the screening desk and the units portal. They parse what was typed and keep it for a
second showing; the rules (required reasons, lengths, states) are the services', whose errors land
on these forms (rongmei.core.forms.add_domain_error). So most fields are optional here."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rongmei.core.exceptions import DomainError
from rongmei.core.forms import add_domain_error
from rongmei.inquiries.models import Category, Unit


def _text(label, *, rows: int = 3, max_length: int = 10000, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows, **attrs}), strip=False
    )


def _line(label, *, max_length: int = 500, **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length, widget=forms.TextInput(attrs=attrs))


class QueueSearchForm(forms.Form):
    q = forms.CharField(label=_("Receipt number or title"), required=False, max_length=60)


# --- the desk -------------------------------------------------------------------------------------


class PublicVersionForm(forms.Form):
    title = _line(_("Public title"), max_length=60)
    body = _text(_("Public text"), rows=8)


class ForwardForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none(), required=False, empty_label=_("Choose a unit"))
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-units"), queryset=Unit.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("No category"))
    note = _line(_("Note to the unit"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(active=True).order_by("sort_order", "id")
        self.fields["unit"].queryset = units
        self.fields["co_units"].queryset = units
        self.fields["category"].queryset = Category.objects.filter(active=True).order_by("sort_order", "id")


class ReasonForm(forms.Form):
    """Reject (the citizen reads the reason), hide, close: one text."""

    reason = _text(_("Reason"), rows=2, max_length=600)


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("A similar question"), coerce=int, required=False, empty_value=None, widget=forms.RadioSelect)
    receipt = _line(_("or its receipt number"), max_length=20, placeholder="WZ20260101-0001")
    note = _line(_("Note"))

    def __init__(self, *args, similar=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [(s["id"], f"{s['receipt']} {s['title']}（{s['state_label']}）") for s in similar]


class NoteForm(forms.Form):
    note = _line(_("Note"))


class AskInfoForm(forms.Form):
    question = _text(_("What should the citizen add?"), rows=2, max_length=600)


class ExtensionDecisionForm(forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(choices=[("grant", _("Grant")), ("refuse", _("Refuse"))], widget=forms.HiddenInput)
    note = _line(_("Note to the unit"))


class ApproveReplyForm(forms.Form):
    reply = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    public_body = _text(_("Public text of the reply"), rows=6)


class SendBackForm(forms.Form):
    reply = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = _text(_("What is missing (the unit reads this)"), rows=2, max_length=600)


# --- the units portal -------------------------------------------------------------------------------


class ExtensionRequestForm(forms.Form):
    days = forms.CharField(label=_("More working days"), required=False, max_length=3, widget=forms.NumberInput(attrs={"min": 1}))
    reason = _text(_("Why more time is needed"), rows=2, max_length=600)


class ReplyForm(forms.Form):
    body = _text(_("Reply"), rows=10)


class FollowUpAnswerForm(forms.Form):
    message = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = _text(_("Answer"), rows=3, max_length=5000)


def run_service(form, service, /, **kwargs):
    """Call one service for a bound, valid form: (True, its result), or (False, None) with the
    refusal (any DomainError, NotAllowed too: a person may still lack a right, e.g. the desk to file
    leads) on the form and its HTTP status in ``form.error_status``."""
    try:
        return True, service(**kwargs)
    except DomainError as e:
        add_domain_error(form, e)
        form.error_status = e.status
        return False, None
