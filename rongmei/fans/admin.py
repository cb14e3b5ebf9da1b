from django.contrib import admin

from rongmei.fans.models import Fan


@admin.register(Fan)
class FanAdmin(admin.ModelAdmin):
    list_display = ["phone", "nickname", "created_at", "last_login_at", "banned"]
    list_filter = ["banned"]
    search_fields = ["phone", "nickname"]
    readonly_fields = ["phone", "created_at", "last_login_at"]
