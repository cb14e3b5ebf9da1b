from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    """问政 and 融媒帮 (issue 5): citizens' questions screened, routed to units, answered in public."""

    name = "rongmei.inquiries"
    label = "inquiries"
    verbose_name = _("Citizen questions")
