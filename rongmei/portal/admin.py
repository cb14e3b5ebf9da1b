from django.contrib import admin

from rongmei.portal.models import Column


@admin.register(Column)
class ColumnAdmin(admin.ModelAdmin):
    list_display = ("name", "icon", "kind", "sort_order", "active")
    list_editable = ("sort_order", "active")
    list_filter = ("kind", "active")
    filter_horizontal = ("teams",)
    search_fields = ("name", "slug")
