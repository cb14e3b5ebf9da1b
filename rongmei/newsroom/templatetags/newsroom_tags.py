"""Template helpers of the newsroom screens."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from rongmei.newsroom.models import Assignment, Lead, Plan, Story
from rongmei.newsroom.services.stories import sanitize_body

register = template.Library()

_LABELS: dict[str, str] = {}
for _choices in (Lead.Status, Plan.Status, Assignment.Status, Story.State):
    for _value, _label in _choices.choices:
        _LABELS.setdefault(_value, _label)


@register.filter
def state_label(value: str) -> str:
    """The readable name of a state code from the audit log (draft → 草稿); unknown codes as they are."""
    return str(_LABELS.get(value, value)) if value else ""


@register.filter
def sanitized(markup: str) -> SafeString:
    """Rich text (a story body) through the same sanitizer the services store it with; safe to render."""
    return mark_safe(sanitize_body(markup or ""))  # noqa: S308 - nh3 keeps only the allowed tags and attributes
