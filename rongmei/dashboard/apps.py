from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "rongmei.dashboard"
    label = "dashboard"
    verbose_name = _("Data center")
