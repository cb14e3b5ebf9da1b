from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from rongmei.accounts.stepup import StepUpAdminMixin
from rongmei.inquiries import workdays
from rongmei.inquiries.models import Category, Event, HolidayEntry, Inquiry, Reply, Unit


@admin.register(HolidayEntry)
class HolidayEntryAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "name", "note"]
    list_filter = ["kind", ("day", admin.DateFieldListFilter)]
    search_fields = ["name", "note"]
    date_hierarchy = "day"
    ordering = ["day"]

    help_text = _(
        "Answer deadlines count working days on the official holiday calendar. It is built in up to 2026; for later "
        "years, enter every holiday and every make-up workday from the State Council's yearly notice. An entry here "
        "also overrides the built-in calendar for its day."
    )

    def changelist_view(self, request, extra_context=None):
        messages.info(request, self.help_text)
        for warning in workdays.calendar_warnings():
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(Unit)
class UnitAdmin(StepUpAdminMixin, admin.ModelAdmin):
    """A unit's members and leader answer its inquiries (citizens' names and phones): privileged."""

    list_display = ["name", "short_name", "parent", "leader", "email", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["active", "parent"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["members", "leader"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "active", "sort_order"]
    list_editable = ["unit", "active", "sort_order"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = Event
    fields = ["created_at", "action", "text", "unit", "public"]


class ReplyInline(ReadOnlyInline):
    model = Reply
    fields = ["created_at", "unit", "status", "body", "checks"]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    """Read-only: questions change only through the screening desk and the units portal (services.py),
    so that every change is checked and audited. Staff use /newsroom/wenzheng/."""

    list_display = ["receipt", "title", "kind", "state", "lead_unit", "deadline", "submitted_at", "is_public", "hidden"]
    list_filter = ["state", "kind", "is_public", "hidden", "lead_unit", "category"]
    search_fields = ["receipt", "title", "location"]
    date_hierarchy = "submitted_at"
    inlines = [EventInline, ReplyInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["co_units"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
