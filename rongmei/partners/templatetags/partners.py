"""Template helpers of the partner pages: a score component's counted figures in words."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from rongmei.partners import scoring

register = template.Library()


@register.simple_tag
def component_detail(component) -> str:
    d = component.detail or {}
    if component.key == "quota":
        if not d.get("metrics"):
            return _("No quota set") if not d.get("has_quota") else _("No target above zero")
        return "；".join(
            _("%(m)s %(a)s of %(t)s (%(r)s%%)") % {"m": scoring.METRIC_LABELS[m], "a": v["actual"], "t": v["target"], "r": v["rate"]}
            for m, v in d["metrics"].items()
        )
    if component.key == "reads":
        return _("%(r)s reads; the most of any partner: %(m)s") % {"r": intcomma(d.get("reads", 0)), "m": intcomma(d.get("most", 0))}
    if component.key == "adopted":
        return _("%(a)s adopted (%(f)s for full marks)") % {"a": d.get("adopted", 0), "f": d.get("full", 1)}
    if component.key == "tasks":
        if not d.get("assigned"):
            return _("No task was due this quarter: its weight goes to the other components")
        return _("%(d)s of %(a)s done") % {"d": d.get("done", 0), "a": d.get("assigned", 0)}
    return ""
