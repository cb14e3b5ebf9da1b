"""Who may see and change operations data. Operations staff and administrators do everything; the
chief editor reads; newsroom staff see deliverables only, without money (selectors.deliverables_for)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rongmei.accounts.models import NEWSROOM_ROLES, Role
from rongmei.core.exceptions import NotAllowed

MANAGER_ROLES = (Role.OPERATIONS, Role.ADMIN)
READER_ROLES = (*MANAGER_ROLES, Role.CHIEF_EDITOR)
# Who works on deliverables: the newsroom, and the operators who run the live rooms.
DELIVERABLE_ROLES = (*NEWSROOM_ROLES, Role.OPERATOR, *MANAGER_ROLES)


def _has(user, roles) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.role in roles)


def may_manage(user) -> bool:
    """Create and change clients, projects, invoices and payments."""
    return _has(user, MANAGER_ROLES)


def may_read(user) -> bool:
    """See clients, projects and their money."""
    return _has(user, READER_ROLES)


def may_see_deliverables(user) -> bool:
    return _has(user, DELIVERABLE_ROLES)


def require_manager(user) -> None:
    if not may_manage(user):
        raise NotAllowed(_("Only operations staff may do this."))


def require_reader(user) -> None:
    if not may_read(user):
        raise NotAllowed(_("Only operations staff and the chief editor may see this."))


def require_deliverable_reader(user) -> None:
    if not may_see_deliverables(user):
        raise NotAllowed(_("Only the newsroom and operations staff may see deliverables."))
