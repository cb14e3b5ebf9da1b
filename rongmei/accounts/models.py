from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    PHOTOGRAPHER = "photographer", _("Photographer / videographer")
    EDITOR = "editor", _("Editor")
    COLUMN_LEAD = "column_lead", _("Column lead")
    CHIEF_EDITOR = "chief_editor", _("Chief editor")
    OPERATOR = "operator", _("Operator")
    ADMIN = "admin", _("Administrator")
    UNIT_STAFF = "unit_staff", _("Unit staff")
    PARTNER = "partner", _("Self-media partner")
    OPERATIONS = "operations", _("Operations staff")


# Roles whose people can be dispatched to cover a story.
FIELD_ROLES = (Role.REPORTER, Role.PHOTOGRAPHER)
NEWSROOM_ROLES = (Role.REPORTER, Role.PHOTOGRAPHER, Role.EDITOR, Role.COLUMN_LEAD, Role.CHIEF_EDITOR)


class User(AbstractUser):
    name = models.CharField(_("full name"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REPORTER)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (self.role in roles)

    @property
    def is_chief(self) -> bool:
        return self.has_role(Role.CHIEF_EDITOR)


class Team(models.Model):
    """A column team (栏目小组) of the newsroom: 新闻组, 融媒帮, 智慧人大 …"""

    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(_("short name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("team lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="teams", blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class RoleSecurityPolicy(models.Model):
    """Whether people of a role must use two-factor login. Admins change it; defaults in migration."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, unique=True)
    require_two_factor = models.BooleanField(_("require two-factor login"), default=False)

    class Meta:
        verbose_name = _("role security policy")
        verbose_name_plural = _("role security policies")

    def __str__(self) -> str:
        return self.get_role_display()


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A personal access token (Authorization: Bearer rm_…). Only its hash is stored."""

    PREFIX = "rm_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("hint"), max_length=12)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # Only `manage.py issue_token --automation` sets it: such a token may do privileged actions
    # (publish, retract …) without a second factor, which a token cannot give (accounts/stepup.py).
    automation = models.BooleanField(_("for automation"), default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @classmethod
    def new_raw_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)
