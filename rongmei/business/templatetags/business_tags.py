"""Template filters of the operations pages: fen shown as yuan, a project state's label."""

from __future__ import annotations

from django import template

from rongmei.business.models import Project
from rongmei.business.selectors import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """1234567 → "12,345.67"; "—" for no amount (a contract not signed yet)."""
    if fen is None or fen == "":
        return "—"
    return _yuan(int(fen))


@register.filter
def project_state(state: str) -> str:
    """A project state's label; the value itself if it is none (an older state name)."""
    try:
        return str(Project.State(state).label)
    except ValueError:
        return state or ""
