"""Readers' comments in the admin: to look things up only. Decisions go through the moderation
queue (/newsroom/moderation/), which checks permission, audits and tells the author."""

from django.contrib import admin

from rongmei.community.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("created_at", "fan", "story", "status", "flagged", "moderated_by")
    list_filter = ("status", "flagged")
    search_fields = ("body", "fan__phone", "fan__nickname")
    raw_id_fields = ("story", "fan", "reply_to", "moderated_by")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
