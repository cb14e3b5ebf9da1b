"""The admin shows ad slots, campaigns and creatives for looking things up. Campaigns change
through rongmei.advertising.services (state machine, content-safety check, audit), and the five
slots are made by the migration, so every page here is read-only."""

from django.contrib import admin

from rongmei.advertising.models import AdSlot, Campaign, Creative
from rongmei.newsroom.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(AdSlot)
class AdSlotAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "width", "height", "active")


class CreativeInline(ReadOnlyInline):
    model = Creative
    fields = ("asset", "alt_text", "link", "created_at")
    readonly_fields = fields


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("name", "client", "slot", "state", "starts_at", "ends_at", "created_by")
    list_filter = ("state", "slot")
    search_fields = ("name", "client__name")
    list_select_related = ("client", "slot", "created_by")
    inlines = [CreativeInline]


@admin.register(Creative)
class CreativeAdmin(ReadOnlyAdmin):
    list_display = ("alt_text", "campaign", "link", "created_at")
    search_fields = ("alt_text", "campaign__name")
    list_select_related = ("campaign",)
