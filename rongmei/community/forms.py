"""Forms of the moderation screen. They parse the filters; the rules stay in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rongmei.community.models import ItemKind, Status

ALL = "all"
REPORTED = "reported"


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Status.PENDING, _("To review")),
            *[c for c in Status.choices if c[0] != Status.PENDING],
            (REPORTED, _("Reported")),
            (ALL, _("All")),
        ],
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *ItemKind.choices], required=False)
    article = forms.TypedChoiceField(label=_("Article"), coerce=int, required=False, empty_value=None)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, required=False, empty_value=None)
    room = forms.TypedChoiceField(label=_("Chat room"), coerce=int, required=False, empty_value=None)
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)

    def __init__(self, data=None, *, articles=(), topics=(), rooms=()):
        super().__init__(data)
        self.fields["article"].choices = [("", _("All articles"))] + [(pk, f"{headline}（{n}）") for pk, headline, n in articles]
        self.fields["topic"].choices = [("", _("All topics"))] + [(pk, f"#{name}#") for pk, name in topics]
        self.fields["room"].choices = [("", _("All chat rooms"))] + [(pk, name) for pk, name in rooms]

    def filters(self) -> dict:
        """The valid filters; a bad value (an old link, a typo) falls back to its default. A place
        (article, topic, room) narrows the list to its kind."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        status = data.get("status") or Status.PENDING
        kinds = (data["kind"],) if data.get("kind") else ("comment", "post", "message")
        place_id = None
        for field, kind in (("article", "comment"), ("topic", "post"), ("room", "message")):
            if data.get(field):
                kinds, place_id = (kind,), data[field]
                break
        return {
            "status": "" if status == ALL else status,
            "kinds": kinds,
            "place_id": place_id,
            "flagged_only": bool(data.get("flagged")),
        }
