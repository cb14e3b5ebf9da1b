"""Who may publish, retry, retract and configure channels.

- publish a signed-off story, and retry its failed publications: the chief editor (any story), the
  column lead of the story's team, and editors who are members of the story's team;
- retract (撤稿): the chief editor only, with a written reason;
- enter a channel's credentials: operators, administrators and the chief editor;
- see the publication board and the publications: every newsroom staff member.
"""

from __future__ import annotations

from rongmei.accounts.models import Role
from rongmei.newsroom import permissions as newsroom_perms


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_publish(user, story) -> bool:
    if not _active(user):
        return False
    if user.role == Role.CHIEF_EDITOR:
        return True
    if user.role == Role.COLUMN_LEAD:
        return newsroom_perms.leads_team(user, story.team)
    if user.role == Role.EDITOR:
        return newsroom_perms.in_team(user, story.team)
    return False


def can_retract(user) -> bool:
    return _active(user) and user.role == Role.CHIEF_EDITOR


def can_configure_channels(user) -> bool:
    return _active(user) and user.role in (Role.OPERATOR, Role.ADMIN, Role.CHIEF_EDITOR)


def can_view(user) -> bool:
    return newsroom_perms.is_staff_member(user)
