from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rongmei.accounts.models import Team
from rongmei.search.models import Document


class SearchForm(forms.Form):
    # No max_length: a longer query is cut (backends.MAX_QUERY_CHARS), not refused.
    q = forms.CharField(label=_("Search for"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    team = forms.ModelChoiceField(label=_("Column"), queryset=Team.objects.none(), required=False, empty_label=_("All columns"))
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the teams that have something to find.
        self.fields["team"].queryset = Team.objects.filter(pk__in=Document.objects.values("team_id"))

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def value(self, name: str):
        """The cleaned value, or None for a field the person got wrong (the error is shown)."""
        return self.cleaned_data.get(name) if name not in self.errors else None
