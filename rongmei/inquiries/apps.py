from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    """问政 and 融媒帮 (issue 5): citizens' questions screened, routed to units, answered in public."""

    name = "rongmei.inquiries"
    label = "inquiries"
    verbose_name = _("Citizen questions")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from rongmei.core import privacy as personal_data
        from rongmei.inquiries import privacy, workdays

        personal_data.register("inquiries", export=privacy.export, erase=privacy.erase, sweep=privacy.sweep)

        post_save.connect(workdays.holiday_table_changed, sender="inquiries.HolidayEntry", dispatch_uid="inquiries.holiday_saved")
        post_delete.connect(workdays.holiday_table_changed, sender="inquiries.HolidayEntry", dispatch_uid="inquiries.holiday_deleted")
