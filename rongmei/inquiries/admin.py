from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from rongmei.inquiries import workdays
from rongmei.inquiries.models import HolidayEntry


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
