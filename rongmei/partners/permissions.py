"""Who may do what in the partner network. Partners see only their own organization."""

from __future__ import annotations

from rongmei.accounts.models import Role

MANAGER_ROLES = (Role.OPERATOR, Role.ADMIN, Role.CHIEF_EDITOR)
# Newsroom people who screen contributions and adopt them as leads or stories.
DESK_ROLES = (Role.EDITOR, Role.COLUMN_LEAD, Role.CHIEF_EDITOR)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_manager(user) -> bool:
    """Runs the network: registry, quotas, tasks, readership, scoring, closing quarters."""
    return _active(user) and user.role in MANAGER_ROLES


def can_screen_contributions(user) -> bool:
    return _active(user) and user.role in (*MANAGER_ROLES, *DESK_ROLES)


def can_adopt(user) -> bool:
    """Adopting makes a newsroom lead or story: newsroom desk roles only."""
    return _active(user) and user.role in DESK_ROLES


def is_partner_user(user) -> bool:
    return _active(user) and user.role == Role.PARTNER


def partner_of(user):
    """The organization a partner login acts for (not one whose cooperation has ended), or None."""
    if not is_partner_user(user):
        return None
    cached = getattr(user, "_partner_cache", False)
    if cached is False:
        from rongmei.partners.models import Partner

        cached = user.partner_orgs.exclude(status=Partner.Status.ENDED).order_by("pk").first()
        user._partner_cache = cached
    return cached
