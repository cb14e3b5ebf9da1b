"""The admin shows campaigns and creatives for looking things up: they change through
rongmei.advertising.services (state machine, content-safety check, audit), so those pages are
read-only. The five slots are made by the migration; an administrator may rename one, say where
it shows, or switch it off (audited), but not add, remove or resize one."""

from django.contrib import admin
from django.utils.translation import gettext as _

from rongmei.advertising.models import AdSlot, Campaign, Creative
from rongmei.core import audit
from rongmei.newsroom.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(AdSlot)
class AdSlotAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "width", "height", "active")
    list_editable = ("active",)
    fields = ("code", "name", "width", "height", "placement", "active")
    readonly_fields = ("code", "width", "height")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            "advertising.slot_changed",
            actor=request.user,
            subject=obj,
            summary=(_("Ad slot %(s)s changed; it is on") if obj.active else _("Ad slot %(s)s changed; it is off")) % {"s": obj.name},
            data={"changed": sorted(form.changed_data), "active": obj.active},
        )


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
