from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.civic import services
from rongmei.civic.models import CouncilMember, Proposal, ServiceCategory, ServiceItem
from rongmei.core import uploads
from rongmei.core.exceptions import DomainError

PHOTO_MAX_BYTES = 5 * 1024 * 1024
MATERIALS_MAX_LINES = 50
MATERIAL_MAX_CHARS = 200


# --- admin ------------------------------------------------------------------------------------------


class ServiceItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = [
            "name",
            "category",
            "unit",
            "keywords",
            "materials",
            "address",
            "phone",
            "hours",
            "time_limit",
            "fee",
            "link",
            "notes",
            "active",
            "sort_order",
        ]
        widgets = {
            "materials": forms.Textarea(attrs={"rows": 8, "placeholder": "居民户口簿\n本人近期免冠照片"}),
            "link": forms.URLInput(attrs={"placeholder": "https://"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()

    def clean_link(self):
        return (self.cleaned_data.get("link") or "").strip()

    def clean_materials(self):
        lines = [line.strip() for line in (self.cleaned_data.get("materials") or "").splitlines() if line.strip()]
        if len(lines) > MATERIALS_MAX_LINES:
            raise forms.ValidationError(_("At most %(n)s materials, one per line.") % {"n": MATERIALS_MAX_LINES})
        long = [i + 1 for i, line in enumerate(lines) if len(line) > MATERIAL_MAX_CHARS]
        if long:
            raise forms.ValidationError(
                _("Line %(line)s is longer than %(n)s characters: one material per line.") % {"line": long[0], "n": MATERIAL_MAX_CHARS}
            )
        return "\n".join(lines)


class CouncilMemberForm(forms.ModelForm):
    class Meta:
        model = CouncilMember
        fields = [
            "kind",
            "name",
            "photo",
            "title",
            "constituency",
            "sector",
            "delegation",
            "term",
            "bio",
            "accepts_letters",
            "active",
            "sort_order",
        ]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and getattr(photo, "size", 0) > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than %(mb)s MB.") % {"mb": PHOTO_MAX_BYTES // 2**20})
        if photo and hasattr(photo, "read"):  # a new upload (not the photo already stored)
            photo.seek(0)
            data = photo.read()
            photo.seek(0)
            try:
                uploads.inspect_image(data)
            except uploads.BadImage as bad:
                if bad.kind == "too_many_pixels":
                    raise forms.ValidationError(_("The photo has too many pixels.")) from None
                raise forms.ValidationError(_("The photo is damaged or not a JPEG, PNG, GIF or WebP picture.")) from None
        return photo


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = [
            "kind",
            "number",
            "title",
            "session",
            "year",
            "submitted_on",
            "lead",
            "co_signers",
            "proposer",
            "handling_unit",
            "summary",
            "published",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = CouncilMember.objects.order_by("kind", "sort_order", "id")
        self.fields["lead"].queryset = members
        self.fields["co_signers"].queryset = members
        self.fields["co_signers"].required = False
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
            self.fields["submitted_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind:
            try:
                services.check_signers(kind, data.get("lead"), data.get("co_signers") or [], data.get("proposer", ""))
            except DomainError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        submitted = data.get("submitted_on")
        if submitted and submitted > timezone.localdate():
            self.add_error("submitted_on", _("The date cannot be in the future."))
        return data


class ProposalStatusForm(forms.Form):
    """The next step of a proposal (its choices are the steps its state allows) and/or satisfaction."""

    to = forms.ChoiceField(label=gettext_lazy("New status"), required=False)
    on = forms.DateField(label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    handling_unit = forms.CharField(label=gettext_lazy("Handling unit"), required=False, max_length=200)
    note = forms.CharField(
        label=gettext_lazy("Note or reason"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown on the public timeline. Required when the proposal is not accepted."),
    )
    reply = forms.CharField(
        label=gettext_lazy("Reply"),
        required=False,
        max_length=services.REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("The handling unit's reply, published in full. Required for “Answered”."),
    )
    satisfaction = forms.ChoiceField(label=gettext_lazy("Satisfaction"), required=False)

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        steps = services.allowed_next(proposal)
        self.fields["to"].choices = [("", "—"), *[(s, Proposal.Status(s).label) for s in steps]]
        self.fields["satisfaction"].choices = [("", "—"), *Proposal.Satisfaction.choices]
        self.fields["on"].initial = timezone.localdate()
        self.fields["handling_unit"].initial = proposal.handling_unit
        self.fields["reply"].initial = proposal.reply

    def clean(self):
        data = super().clean()
        if not data.get("to") and not data.get("satisfaction"):
            raise forms.ValidationError(_("Choose the new status, or the satisfaction, or both."))
        return data


class LetterReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("Reply"),
        max_length=services.REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("The deputy's or member's answer. The writer is told in the app."),
    )


# --- public -----------------------------------------------------------------------------------------


class LetterForm(forms.Form):
    """The letter a logged-in app user writes; the service checks it again (and the API uses the service)."""

    title = forms.CharField(
        label=gettext_lazy("Subject"),
        min_length=services.LETTER_TITLE[0],
        max_length=services.LETTER_TITLE[1],
        help_text=gettext_lazy("5 to 40 characters."),
    )
    body = forms.CharField(
        label=gettext_lazy("Your letter"),
        min_length=services.LETTER_BODY[0],
        max_length=services.LETTER_BODY[1],
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("10 to 2,000 characters. Say what happened, where, and what you hope for."),
    )
    location = forms.CharField(
        label=gettext_lazy("Town or village"),
        min_length=services.LETTER_LOCATION[0],
        max_length=services.LETTER_LOCATION[1],
        help_text=gettext_lazy("e.g. 花园街道 or 官庄镇王庄村"),
    )
    is_public = forms.BooleanField(
        label=gettext_lazy("The letter and its reply may be shown on the public page (your name and number are never shown)"),
        required=False,
    )


class ServiceSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search services"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=ServiceCategory.objects.none(), required=False, empty_label=gettext_lazy("All categories")
    )

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories if categories is not None else ServiceCategory.objects.filter(active=True)

    def value(self, name: str):
        """The cleaned value, or None for a field that was not valid (e.g. a category that is gone)."""
        self.is_valid()
        return self.cleaned_data.get(name)
