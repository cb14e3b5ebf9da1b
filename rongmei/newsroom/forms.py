"""Forms of the newsroom screens. They parse and type the input; the rules stay in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rongmei.accounts.models import FIELD_ROLES, NEWSROOM_ROLES, Team, User
from rongmei.core.models import Place
from rongmei.distribution.models import Channel
from rongmei.newsroom.models import Coverage, Lead, Plan, Story

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def deadline_field(**kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput(), **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def places():
    return Place.objects.select_related("parent").order_by("parent__sort_order", "parent_id", "sort_order", "id")


class LeadFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + list(Lead.Status.choices), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams"))
    q = forms.CharField(label=_("Search"), required=False, max_length=100)


class LeadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    source = forms.ChoiceField(label=_("Source"), choices=Lead.Source.choices, initial=Lead.Source.REPORTER)
    source_contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    place = PlaceChoiceField(label=_("Town or village"), queryset=places(), required=False, empty_label=_("(not set)"))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("(not set)"))
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class DiscardForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=300)


class PlanForm(forms.Form):
    """A plan with its channels and, per coverage kind, a checkbox and a deadline."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    planned_date = forms.DateField(label=_("Planned date"), widget=DateInput())
    title = forms.CharField(label=_("Title"), max_length=80)
    summary = forms.CharField(label=_("Angle and outline"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, required=False)
    channels = forms.ModelMultipleChoiceField(
        label=_("Target channels"), queryset=Channel.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Coverage.Kind.choices:
            self.fields[f"cov_{kind}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"deadline_{kind}"] = deadline_field(label=_("Deadline"), required=False)

    def coverage_rows(self):
        return [(self[f"cov_{kind}"], self[f"deadline_{kind}"]) for kind, _label in Coverage.Kind.choices]

    def clean(self):
        data = super().clean()
        for kind, _label in Coverage.Kind.choices:
            if data.get(f"cov_{kind}") and not data.get(f"deadline_{kind}") and f"deadline_{kind}" not in self.errors:
                self.add_error(f"deadline_{kind}", _("Every coverage needs a deadline."))
        return data

    def coverages(self) -> list[tuple[str, object, str]]:
        data = self.cleaned_data
        return [(kind, data[f"deadline_{kind}"], "") for kind, _label in Coverage.Kind.choices if data.get(f"cov_{kind}")]

    def plan_fields(self) -> dict:
        """The keyword arguments propose_plan and plan_from_lead share."""
        data = self.cleaned_data
        return {
            "team": data["team"],
            "planned_date": data["planned_date"],
            "title": data["title"],
            "summary": data["summary"],
            "channels": data["channels"],
            "coverages": self.coverages(),
        }


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + list(Plan.Status.choices), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams"))


class CoverageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Coverage.Kind.choices)
    deadline = deadline_field(label=_("Deadline"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AssigneeChoiceField(forms.ModelChoiceField):
    """Reporters and photographers, each labelled busy or free today (from the dispatch board)."""

    busy_hint: dict[int, str] = {}

    def label_from_instance(self, obj):
        hint = self.busy_hint.get(obj.pk, "")
        return f"{obj.display_name}（{obj.get_role_display()}）{hint}"


class DispatchForm(forms.Form):
    assignee = AssigneeChoiceField(label=_("Assignee"), queryset=User.objects.none())
    deadline = deadline_field(label=_("Deadline"), required=False)
    note = forms.CharField(label=_("Instructions"), max_length=300, required=False)

    @staticmethod
    def assignable():
        return User.objects.filter(is_active=True, role__in=FIELD_ROLES).order_by("role", "id")

    def __init__(self, *args, board=None, people=None, **kwargs):
        """``people``: the assignable users already loaded (list(DispatchForm.assignable())), so
        a page with a form per coverage lists them with one query, not one per form."""
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = self.assignable()
        hints = {}
        for row in board or []:
            if row["busy"]:
                hints[row["person"].pk] = str(_("busy: %(n)s open today")) % {"n": len(row["today"]) + len(row["overdue"])}
            else:
                hints[row["person"].pk] = str(_("free today"))
        field.busy_hint = hints
        if people is not None:
            # Rendering then uses these choices; a submitted value is still checked against the queryset.
            field.choices = [("", field.empty_label), *((p.pk, field.label_from_instance(p)) for p in people)]


class StoryFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All"))] + list(Story.State.choices), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams"))
    mine = forms.BooleanField(label=_("Only mine"), required=False)


class StoryContentForm(forms.Form):
    headline = forms.CharField(label=_("Headline"), max_length=80)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=120, required=False)
    intro = forms.CharField(label=_("Lead paragraph"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 14, "class": "editor-source"}), required=False)
    source = forms.CharField(label=_("Source"), max_length=60, required=False)
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False, help_text=_("Separated by commas"))

    def content(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in ("headline", "subtitle", "intro", "body", "source", "keywords")}


class StoryCreateForm(StoryContentForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    field_order = ["team", "headline", "subtitle", "intro", "body", "source", "keywords"]


class AuthorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.get_role_display()}）"

    def _check_values(self, value):
        # An id beyond the database's integer range would crash the pk__in query (SQLite).
        for pk in value:
            if str(pk).isdigit() and not 1 <= int(str(pk)) <= 2**63 - 1:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)


class StoryEditForm(StoryContentForm):
    authors = AuthorChoiceField(
        label=_("Authors"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The byline; can be changed while the story is a draft."),
    )
    # Sent with the authors list when it is editable: an empty multi-select sends nothing, so this
    # tells "chose nobody" from "the list was not on the page" (e.g. an older page or a script).
    authors_sent = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Version note"), max_length=200, required=False)
    override_reason = forms.CharField(
        label=_("Reason for overriding the sensitive-word block"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, can_set_authors: bool = False, **kwargs):
        """``can_set_authors``: whether this person may change the byline of this story now;
        otherwise the authors are shown read-only (a disabled field keeps its initial value)."""
        super().__init__(*args, **kwargs)
        field = self.fields["authors"]
        field.queryset = User.objects.filter(is_active=True, role__in=NEWSROOM_ROLES).order_by("role", "id")
        field.disabled = not can_set_authors

    def authors_changed(self, current) -> bool:
        if self.fields["authors"].disabled or not self.cleaned_data.get("authors_sent"):
            return False
        chosen = self.cleaned_data.get("authors")
        return chosen is not None and {u.pk for u in chosen} != {u.pk for u in current}


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)
    # Required: the version the reviewer read, so a story changed since is not approved unread.
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason for returning"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    quote = forms.CharField(label=_("Quoted passage"), max_length=300, required=False)
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=300)
