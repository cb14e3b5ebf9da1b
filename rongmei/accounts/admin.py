from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from rongmei.accounts import services
from rongmei.accounts.middleware import POLICY_CACHE_KEY
from rongmei.accounts.models import ApiToken, RoleSecurityPolicy, Team, User
from rongmei.accounts.stepup import StepUpAdminMixin
from rongmei.core import audit
from rongmei.core.exceptions import DomainError
from rongmei.newsroom.models import ReviewStep, Story


class TeamMembershipInline(admin.TabularInline):
    model = Team.members.through
    extra = 0
    verbose_name = _("team")
    verbose_name_plural = _("teams")
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(StepUpAdminMixin, BaseUserAdmin):
    """Roles, permissions, groups, teams and passwords of people: every change needs a recent second factor."""

    list_display = ["username", "name", "role", "phone", "team_names", "is_active", "last_login"]
    list_filter = ["role", "is_active", "teams", "is_staff"]
    search_fields = ["username", "name", "phone", "email"]
    ordering = ["role", "username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Newsroom"), {"fields": ("name", "role", "phone", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "name", "role", "phone", "password1", "password2")}),)
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("teams")

    def user_change_password(self, request, id, form_url=""):
        # Setting someone else's password takes their account over: privileged like a role change.
        return self._step_up(request, super().user_change_password, id, form_url)

    def save_model(self, request, obj, form, change):
        before = form.initial.get("role") if change else None
        super().save_model(request, obj, form, change)
        if change and before and before != obj.role:
            audit.record(
                "accounts.role_change",
                actor=request.user,
                subject=obj,
                summary=_("Changed the role of %(user)s") % {"user": obj.display_name},
                from_state=before,
                to_state=obj.role,
            )

    @admin.display(description=_("teams"))
    def team_names(self, obj: User) -> str:
        return "、".join(team.name for team in obj.teams.all())


class ReviewStepFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # Stories in review are at a level of the current chain; changing the chain under them
        # would leave them at a level nobody may review.
        if self.instance.pk and self.has_changed() and Story.objects.filter(team=self.instance, state=Story.State.IN_REVIEW).exists():
            raise ValidationError(
                _("Stories of this team are in review. Let their review finish (or return them) before changing the review levels.")
            )


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    formset = ReviewStepFormSet
    extra = 0
    ordering = ["level"]
    fields = ["level", "name", "role"]


@admin.register(Team)
class TeamAdmin(StepUpAdminMixin, admin.ModelAdmin):
    """Membership, lead and review levels decide who may approve: privileged like a role change."""

    list_display = ["name", "slug", "lead", "member_count", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    autocomplete_fields = ["lead"]
    inlines = [ReviewStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lead").prefetch_related("members")

    @admin.display(description=_("members"))
    def member_count(self, obj: Team) -> int:
        return len(obj.members.all())


@admin.register(RoleSecurityPolicy)
class RoleSecurityPolicyAdmin(StepUpAdminMixin, admin.ModelAdmin):
    list_display = ["role", "require_two_factor"]
    list_editable = ["require_two_factor"]

    # The middleware caches which roles need 2FA; a change must take effect on the next request.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.delete(POLICY_CACHE_KEY)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.delete(POLICY_CACHE_KEY)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.delete(POLICY_CACHE_KEY)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are made by their owner (profile page) or `manage.py issue_token`."""

    list_display = ["name", "user", "hint", "automation", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["automation", "revoked_at"]
    search_fields = ["name", "user__username", "user__name", "hint"]
    list_select_related = ["user"]
    fields = ["user", "name", "hint", "automation", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                services.revoke_token(actor=request.user, token=token)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(n)s token(s) revoked.") % {"n": done}, messages.SUCCESS)


# Groups carry permissions: the same second factor and audit as the users' admin.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(StepUpAdminMixin, BaseGroupAdmin):
    pass
