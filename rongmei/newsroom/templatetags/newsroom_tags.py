"""Template helpers of the newsroom screens."""

from django import template

from rongmei.newsroom.models import Assignment, Lead, Plan, Story

register = template.Library()

_LABELS: dict[str, str] = {}
for _choices in (Lead.Status, Plan.Status, Assignment.Status, Story.State):
    for _value, _label in _choices.choices:
        _LABELS.setdefault(_value, _label)


@register.filter
def state_label(value: str) -> str:
    """The readable name of a state code from the audit log (draft → 草稿); unknown codes as they are."""
    return str(_LABELS.get(value, value)) if value else ""
