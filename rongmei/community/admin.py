"""The conversation in the admin. Comments, topic posts, chat messages and reports are there to
look things up only: decisions go through the moderation queue (/newsroom/moderation/), which
checks permission, audits and tells the author. Topics, chat rooms (with their members), the
comments' policy and app users' standing are edited here; the policies and standing also on
/newsroom/moderation/places/ (audited)."""

from django.contrib import admin

from rongmei.community.chat import new_invite_code
from rongmei.community.models import ChatMessage, ChatRoom, Comment, FanStanding, ModerationPolicy, Report, RoomMember, Topic, TopicPost


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "fan", "story", "status", "flagged", "hidden", "report_count", "moderated_by")
    list_filter = ("status", "flagged", "hidden")
    search_fields = ("body", "=fan__phone", "fan__nickname")
    raw_id_fields = ("story", "fan", "reply_to", "moderated_by")
    date_hierarchy = "created_at"


@admin.register(TopicPost)
class TopicPostAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "fan", "topic", "status", "flagged", "hidden", "report_count", "moderated_by")
    list_filter = ("status", "flagged", "hidden", "topic")
    search_fields = ("body", "=fan__phone", "fan__nickname")
    raw_id_fields = ("topic", "fan", "reply_to", "moderated_by")
    date_hierarchy = "created_at"


@admin.register(ChatMessage)
class ChatMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "fan", "room", "status", "flagged", "hidden", "report_count", "moderated_by")
    list_filter = ("status", "flagged", "hidden", "room")
    search_fields = ("body", "=fan__phone", "fan__nickname")
    raw_id_fields = ("room", "fan", "moderated_by")
    date_hierarchy = "created_at"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "item_id", "category", "fan", "resolved_at", "resolution")
    list_filter = ("kind", "category", "resolution")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "premoderated", "active", "created_at")
    list_filter = ("premoderated", "active")
    search_fields = ("name", "slug")
    exclude = ("created_by", "created_by_fan")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class RoomMemberInline(admin.TabularInline):
    model = RoomMember
    raw_id_fields = ("fan",)
    extra = 1


@admin.register(ChatRoom)
class ChatRoomAdmin(admin.ModelAdmin):
    list_display = ("name", "access", "premoderated", "active", "created_at")
    list_filter = ("access", "premoderated", "active")
    search_fields = ("name",)
    exclude = ("created_by",)
    inlines = [RoomMemberInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if obj.access == ChatRoom.Access.MEMBERS and not obj.invite_code:
            obj.invite_code = new_invite_code()
        super().save_model(request, obj, form, change)


@admin.register(FanStanding)
class FanStandingAdmin(admin.ModelAdmin):
    list_display = ("fan", "premoderated", "automatic", "note", "changed_at")
    list_filter = ("premoderated", "automatic")
    raw_id_fields = ("fan",)
    exclude = ("changed_by",)

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        obj.automatic = False
        super().save_model(request, obj, form, change)


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    list_display = ("place", "premoderated", "changed_at")
    exclude = ("changed_by",)

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)
