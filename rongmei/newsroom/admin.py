from django.contrib import admin

from rongmei.newsroom.models import (
    Approval,
    Assignment,
    Coverage,
    EditLock,
    Lead,
    LeadAttachment,
    Plan,
    ReviewComment,
    ReviewStep,
    SafetyOverride,
    Story,
    StoryVersion,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write and nobody rewrites: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LeadAttachmentInline(admin.TabularInline):
    model = LeadAttachment
    extra = 0
    readonly_fields = ("name", "size", "uploaded_by", "uploaded_at")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "team", "reported_by", "created_at", "status")
    list_filter = ("status", "source", "team")
    search_fields = ("title", "description")
    list_select_related = ("team", "reported_by")
    raw_id_fields = ("reported_by", "place")
    readonly_fields = ("keywords",)
    inlines = [LeadAttachmentInline]


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "planned_date", "status", "proposed_by", "decided_by")
    list_filter = ("status", "team")
    search_fields = ("title", "summary")
    date_hierarchy = "planned_date"
    list_select_related = ("team", "proposed_by", "decided_by")
    raw_id_fields = ("lead", "proposed_by", "decided_by")
    filter_horizontal = ("channels",)
    inlines = [CoverageInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("coverage", "assignee", "assigned_by", "deadline", "status")
    list_filter = ("status",)
    list_select_related = ("coverage__plan", "assignee", "assigned_by")
    raw_id_fields = ("coverage", "assignee", "assigned_by")


@admin.register(ReviewStep)
class ReviewStepAdmin(admin.ModelAdmin):
    list_display = ("team", "level", "name", "role")
    list_filter = ("team",)


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ("headline", "team", "state", "review_level", "updated_at", "signed_off_by")
    list_filter = ("state", "team")
    search_fields = ("headline", "body")
    list_select_related = ("team", "signed_off_by")
    raw_id_fields = ("plan", "assignment", "place", "created_by", "current_version", "signed_off_by")
    filter_horizontal = ("authors",)
    # State moves only through the services (submit, approve, return), which write the audit log.
    readonly_fields = ("state", "review_level", "current_version", "signed_off_at", "signed_off_by", "word_count")


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
class ReviewCommentAdmin(admin.ModelAdmin):
    list_display = ("story", "author", "level", "text", "created_at")
    list_select_related = ("story", "author")
    raw_id_fields = ("story", "version", "author")


@admin.register(EditLock)
class EditLockAdmin(admin.ModelAdmin):
    list_display = ("story", "holder", "acquired_at", "expires_at")
    list_select_related = ("story", "holder")
    raw_id_fields = ("story", "holder")
