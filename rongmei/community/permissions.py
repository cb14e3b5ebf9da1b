"""Who may moderate readers' comments: operators, editors, the chief editor and administrators.
Reporters and photographers may not (they write the articles being discussed)."""

from __future__ import annotations

from rongmei.accounts.models import Role

MODERATOR_ROLES = (Role.OPERATOR, Role.EDITOR, Role.CHIEF_EDITOR, Role.ADMIN)


def can_moderate(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in MODERATOR_ROLES)
