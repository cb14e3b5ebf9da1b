"""Forms of the operations pages (/ops/). They only shape input: amounts typed in yuan become
integer fen (``parse_yuan``), dates become dates, a picked newsroom object becomes the object.
The rules are in rongmei.business.services, whose DomainError lands back on the form
(rongmei.core.forms.call_service): a field's name is the service's argument it feeds."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.accounts.models import User
from rongmei.business.models import Client, Deliverable, Invoice, Payment, Project
from rongmei.business.permissions import MANAGER_ROLES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RECENT = 30  # newsroom objects offered in the deliverable's select

# --- yuan → fen --------------------------------------------------------------------------------------

# Digits, grouped by commas in threes or not grouped, and up to two decimals (fen).
_YUAN = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d*))?")


def parse_yuan(value: str | None) -> int | None:
    """An amount typed in yuan ("12,345.67", "12345.6", "￥800", "800元") as integer fen, by string
    arithmetic (a float would round 0.1 + 0.2). None for an empty input. Raises ValidationError,
    in the person's words, for a negative amount, more than two decimals or anything else."""
    text = unicodedata.normalize("NFKC", value or "")  # full-width digits, comma, point
    text = "".join(text.split()).replace("，", ",")
    text = text.removeprefix("¥").removesuffix("元")
    if not text:
        return None
    if text.startswith("-") or text.startswith("−"):
        raise ValidationError(_("An amount cannot be negative."), code="yuan_negative")
    match = _YUAN.fullmatch(text)
    if match is None:
        raise ValidationError(_("Enter an amount in yuan, such as 12,345.67."), code="yuan_format")
    cents = match.group("cents") or ""
    if len(cents) > 2:
        raise ValidationError(_("An amount has at most two decimals (fen)."), code="yuan_decimals")
    whole = match.group("whole").replace(",", "")
    if len(whole) > 15:  # beyond any contract; the service names its own limit for the rest
        raise ValidationError(_("This amount is too large."), code="yuan_too_large")
    return int(whole) * 100 + int(cents.ljust(2, "0"))


class YuanField(forms.Field):
    """Typed in yuan, cleaned to integer fen (None when empty and not required). A bound form
    shows again what was typed, as typed."""

    max_chars = 30

    def __init__(self, **kwargs):
        attrs = {"inputmode": "decimal", "placeholder": "12,345.67", "autocomplete": "off", "maxlength": self.max_chars}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = str(value or "").strip()
        if len(text) > self.max_chars:
            raise ValidationError(_("Enter an amount in yuan, such as 12,345.67."), code="yuan_format")
        return parse_yuan(text)


# --- clients and projects ----------------------------------------------------------------------------


class ClientForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Client.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=30, required=False, help_text=_("18 characters; leave empty if not known.")
    )
    unit = forms.ModelChoiceField(
        label=_("Government unit"),
        queryset=None,
        required=False,
        help_text=_("For a government client that answers citizens' questions as a unit."),
    )
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from rongmei.inquiries.models import Unit

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.order_by("name")


class ContactForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=30)
    phone = forms.CharField(label=pgettext_lazy("client contact", "Telephone"), max_length=30)
    position = forms.CharField(label=_("Position"), max_length=40, required=False)


class SalespersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class ProjectForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.order_by("name"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Project.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    salesperson = SalespersonChoice(
        label=_("Salesperson"),
        queryset=None,
        required=False,
        empty_label=_("Myself"),
        help_text=_("Who sold it; yourself when left empty."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = User.objects.filter(role__in=MANAGER_ROLES, is_active=True).order_by("name", "username")


# --- the project's actions ----------------------------------------------------------------------------


class QuoteLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    unit_price_fen = YuanField(label=_("Unit price (yuan)"))


class ContractForm(forms.Form):
    amount_fen = YuanField(label=_("Contract amount (yuan)"))
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, initial=timezone.localdate)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)


class DeliverableForm(forms.Form):
    """A story, live room or plan: picked among the recent ones, or typed by its number."""

    target = forms.ChoiceField(label=_("Recent stories, live rooms and plans"), required=False)
    kind = forms.ChoiceField(label=_("Or by number: kind"), choices=Deliverable.Kind.choices, required=False)
    number = forms.IntegerField(
        label=_("Number"), min_value=1, required=False, help_text=_("The number in its address, e.g. 12 in /stories/12/.")
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        from rongmei.live.models import LiveRoom
        from rongmei.newsroom.models import Plan, Story

        super().__init__(*args, **kwargs)
        self.models = {Deliverable.Kind.STORY: Story, Deliverable.Kind.LIVE_ROOM: LiveRoom, Deliverable.Kind.PLAN: Plan}
        stories = Story.objects.order_by("-created_at", "-id").only("pk", "headline")[:RECENT]
        rooms = LiveRoom.objects.order_by("-scheduled_at", "-id").only("pk", "title")[:RECENT]
        plans = Plan.objects.order_by("-planned_date", "-id").only("pk", "title")[:RECENT]
        self.fields["target"].choices = [
            ("", "—"),
            (str(_("Stories")), [(f"story:{s.pk}", f"{s.headline}（#{s.pk}）") for s in stories]),
            (str(_("Live rooms")), [(f"live_room:{r.pk}", f"{r.title}（#{r.pk}）") for r in rooms]),
            (str(_("Plans")), [(f"plan:{p.pk}", f"{p.title}（#{p.pk}）") for p in plans]),
        ]

    def clean(self):
        data = super().clean()
        target, kind, number = data.get("target"), data.get("kind"), data.get("number")
        if target:
            kind, _sep, number = target.partition(":")
            number = int(number)
        elif not (kind and number):
            if not self.errors:
                raise ValidationError(_("Pick a story, live room or plan, or give its kind and number."))
            return data
        obj = self.models[kind].objects.filter(pk=number).first()
        if obj is None:
            raise ValidationError(
                _("There is no %(kind)s number %(n)s.") % {"kind": Deliverable.Kind(kind).label, "n": number}, code="not_found"
            )
        data["link"] = {kind: obj}
        return data


class InvoiceForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE, initial=timezone.localdate)
    amount_fen = YuanField(label=_("Amount (yuan)"))


class InvoiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.number


class PaymentForm(forms.Form):
    amount_fen = YuanField(label=_("Amount (yuan)"))
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices, initial=Payment.Method.BANK_TRANSFER)
    received_on = forms.DateField(label=_("Received on"), widget=DATE, initial=timezone.localdate)
    invoice = InvoiceChoice(label=_("For invoice"), queryset=Invoice.objects.none(), required=False, empty_label=_("None"))

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = project.invoices.order_by("issued_on", "id")


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
