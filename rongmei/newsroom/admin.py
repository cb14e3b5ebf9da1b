"""The newsroom's admin pages: for looking, not for changing.

Every state, content and byline change of a lead, plan, assignment or story goes through a
service, which checks who may do it and writes the audit line. The admin would be a back door
around both, so these models are read-only here (viewable, never added, changed or deleted).
Only the review chain (ReviewStep, also inline on Team) is configuration and stays editable.
"""

from django.contrib import admin

from rongmei.newsroom.models import (
    Approval,
    Assignment,
    Coverage,
    EditLock,
    Lead,
    LeadAttachment,
    LeadSimilarity,
    Plan,
    ReviewComment,
    ReviewStep,
    SafetyOverride,
    Story,
    StoryVersion,
)


class ReadOnlyMixin:
    """No add, change or delete; viewing stays allowed (superusers and holders of the view permission)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Records that only services write: viewable, never added, changed or deleted here."""

    actions = None


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class LeadAttachmentInline(ReadOnlyInline):
    model = LeadAttachment
    fields = ("name", "size", "uploaded_by", "uploaded_at")


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ("title", "source", "team", "reported_by", "created_at", "status")
    list_filter = ("status", "source", "team")
    search_fields = ("title", "description")
    list_select_related = ("team", "reported_by")
    inlines = [LeadAttachmentInline]


@admin.register(LeadAttachment)
class LeadAttachmentAdmin(ReadOnlyAdmin):
    # The file itself is downloaded from the lead's page (staff only); /media/ is not served.
    exclude = ("file",)
    list_display = ("name", "lead", "size", "uploaded_by", "uploaded_at")
    list_select_related = ("lead", "uploaded_by")
    search_fields = ("name",)


@admin.register(LeadSimilarity)
class LeadSimilarityAdmin(ReadOnlyAdmin):
    list_display = ("lead", "other", "score")
    list_select_related = ("lead", "other")


class CoverageInline(ReadOnlyInline):
    model = Coverage


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "team", "planned_date", "status", "proposed_by", "decided_by")
    list_filter = ("status", "team")
    search_fields = ("title", "summary")
    date_hierarchy = "planned_date"
    list_select_related = ("team", "proposed_by", "decided_by")
    inlines = [CoverageInline]


@admin.register(Coverage)
class CoverageAdmin(ReadOnlyAdmin):
    list_display = ("plan", "kind", "deadline")
    list_select_related = ("plan",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("coverage", "assignee", "assigned_by", "deadline", "status")
    list_filter = ("status",)
    list_select_related = ("coverage__plan", "assignee", "assigned_by")


@admin.register(ReviewStep)
class ReviewStepAdmin(admin.ModelAdmin):
    list_display = ("team", "level", "name", "role")
    list_filter = ("team",)


@admin.register(Story)
class StoryAdmin(ReadOnlyAdmin):
    list_display = ("headline", "team", "state", "review_level", "updated_at", "signed_off_by")
    list_filter = ("state", "team")
    search_fields = ("headline", "body")
    list_select_related = ("team", "signed_off_by")


@admin.register(StoryVersion)
class StoryVersionAdmin(ReadOnlyAdmin):
    list_display = ("story", "number", "headline", "created_by", "created_at")
    list_select_related = ("story", "created_by")
    search_fields = ("headline",)


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("version", "level", "reviewer", "created_at")
    list_select_related = ("version", "reviewer")


@admin.register(SafetyOverride)
class SafetyOverrideAdmin(ReadOnlyAdmin):
    list_display = ("version", "by", "reason", "created_at")
    list_select_related = ("version", "by")


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    list_display = ("story", "author", "level", "text", "created_at")
    list_select_related = ("story", "author")


@admin.register(EditLock)
class EditLockAdmin(ReadOnlyAdmin):
    list_display = ("story", "holder", "acquired_at", "expires_at")
    list_select_related = ("story", "holder")
