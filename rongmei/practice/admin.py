"""The admin edits the practice network's configuration: sites, teams (members, leader) and the
store's items. Requests, activities, sign-ups and the ledger change only through services.py."""

from django.contrib import admin

from rongmei.practice.models import Site, StoreItem, VolunteerTeam


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "place")
    list_filter = ("kind",)
    search_fields = ("name", "address")


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "leader")
    search_fields = ("name",)
    filter_horizontal = ("members",)
    exclude = ("topic", "chat_room")


@admin.register(StoreItem)
class StoreItemAdmin(admin.ModelAdmin):
    # Stock changes with exchanges, under lock, on the staff's store page (/practice/manage/store/).
    list_display = ("name", "points", "stock", "active")
    list_editable = ("points", "active")

    def get_readonly_fields(self, request, obj=None):
        return ("stock",) if obj is not None else ()
