"""Forms of the moderation screen. They parse the filters; the rules stay in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rongmei.community.models import Comment

ALL = "all"


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[*Comment.Status.choices, (ALL, _("All"))], required=False)
    article = forms.TypedChoiceField(label=_("Article"), coerce=int, required=False, empty_value=None)
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)

    def __init__(self, data=None, *, articles=()):
        super().__init__(data)
        self.fields["article"].choices = [("", _("All articles"))] + [(pk, f"{headline}（{n}）") for pk, headline, n in articles]

    def filters(self) -> dict:
        """The valid filters; a bad value (an old link, a typo) falls back to its default."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        status = data.get("status") or Comment.Status.PENDING
        return {
            "status": "" if status == ALL else status,
            "story_id": data.get("article"),
            "flagged_only": bool(data.get("flagged")),
        }
