"""Write paths of accounts: personal access tokens (Authorization: Bearer rm_…).

A token's raw key is returned once, by ``create_token``, and never stored: the table holds its
SHA-256 hash and a short hint so its owner can recognize it in a list.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import ApiToken, Role, User
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict

TOKEN_NAME_MAX = 60
MAX_EXPIRY_DAYS = 3650
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often per token, so a busy script does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def create_token(
    *, actor: User, name: str, expires_in_days: int | None = None, via: str = "web", automation: bool = False
) -> tuple[ApiToken, str]:
    """Create a token for ``actor`` and return it with its raw key (shown to the person once).

    ``automation``: the token may do privileged actions without a second factor (stepup.py); only
    the server's command line (``issue_token --automation``) asks for it."""
    if not (actor and actor.pk and actor.is_active):
        raise NotAllowed(_("Only an active user may have API tokens."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name so you can recognize it later."), field="name")
    if len(name) > TOKEN_NAME_MAX:
        raise DomainError(
            _("The token name may have at most %(n)s characters (now %(len)s).") % {"n": TOKEN_NAME_MAX, "len": len(name)}, field="name"
        )
    if expires_in_days is not None and not (1 <= expires_in_days <= MAX_EXPIRY_DAYS):
        raise DomainError(
            _("A token expires after 1 to %(n)s days, or never.") % {"n": MAX_EXPIRY_DAYS},
            field="expires_in_days",
        )
    # Lock the owner row so two parallel requests cannot both slip under the limit.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    if ApiToken.objects.active().filter(user=actor).count() >= MAX_ACTIVE_TOKENS:
        raise StateConflict(_("You already have %(n)s active tokens; revoke one you no longer use.") % {"n": MAX_ACTIVE_TOKENS})
    raw = ApiToken.new_raw_key()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        key_hash=ApiToken.hash(raw),
        hint=raw[: len(ApiToken.PREFIX) + 4],
        created_at=now,
        expires_at=(now + timedelta(days=expires_in_days)) if expires_in_days else None,
        automation=automation,
    )
    audit.record(
        "accounts.token_create",
        actor=actor,
        subject=token,
        summary=_("Created API token “%(name)s”") % {"name": name},
        data={
            "user": actor.pk,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "via": via,
            "automation": automation,
        },
    )
    return token, raw


def can_revoke_token(user, token: ApiToken) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and (token.user_id == user.pk or user.role == Role.ADMIN or user.is_superuser)
    )


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once. Only its owner or an administrator may."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if not can_revoke_token(actor, token):
        raise NotAllowed(_("Only the token's owner or an administrator may revoke it."))
    if token.revoked_at is not None:
        raise StateConflict(_("This token has already been revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        "accounts.token_revoke",
        actor=actor,
        subject=token,
        summary=_("Revoked API token “%(name)s” of %(owner)s") % {"name": token.name, "owner": token.user.display_name},
        data={"user": token.user_id},
    )
    return token


def authenticate_token(raw: str | None) -> User | None:
    """The active user holding this live token, or None. Marks the token used (at most once a minute)."""
    token = find_token(raw)
    return token.user if token is not None else None


def find_token(raw: str | None) -> ApiToken | None:
    """The live token of an active user with this raw key (its ``user`` loaded), or None. Marks it used."""
    raw = (raw or "").strip()
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash(raw), user__is_active=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE: of parallel requests only one marks the token and writes the line.
        with transaction.atomic():
            marked = (
                ApiToken.objects.filter(pk=token.pk)
                .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION))
                .update(last_used_at=now)
            )
            if marked:
                token.last_used_at = now
                audit.record(
                    "accounts.token_use",
                    actor=token.user,
                    subject=token,
                    summary=_("Used API token “%(name)s”") % {"name": token.name},
                )
    return token
