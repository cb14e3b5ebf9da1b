from django.contrib import admin

from rongmei.fans.models import ColumnFollow, Fan, FanNotification, Like, StoryAnnouncement


@admin.register(Fan)
class FanAdmin(admin.ModelAdmin):
    list_display = ["phone", "nickname", "created_at", "last_login_at", "banned"]
    list_filter = ["banned"]
    search_fields = ["=phone", "nickname"]
    readonly_fields = ["phone", "created_at", "last_login_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the app users and the system write: staff look, and may delete (e.g. a message sent by
    mistake), but neither add nor change them here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    list_display = ["story", "fan", "created_at"]
    list_select_related = ["story", "fan"]
    search_fields = ["=fan__phone", "fan__nickname", "story__headline"]
    date_hierarchy = "created_at"


@admin.register(ColumnFollow)
class ColumnFollowAdmin(ReadOnlyAdmin):
    list_display = ["column", "fan", "created_at"]
    list_select_related = ["column", "fan"]
    list_filter = ["column"]
    search_fields = ["=fan__phone", "fan__nickname"]


@admin.register(FanNotification)
class FanNotificationAdmin(ReadOnlyAdmin):
    list_display = ["text", "fan", "kind", "created_at", "read_at"]
    list_select_related = ["fan"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["=fan__phone", "fan__nickname", "text"]
    date_hierarchy = "created_at"


@admin.register(StoryAnnouncement)
class StoryAnnouncementAdmin(ReadOnlyAdmin):
    list_display = ["story", "notified", "created_at"]
    list_select_related = ["story"]
    search_fields = ["story__headline"]
