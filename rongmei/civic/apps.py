from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "rongmei.civic"
    label = "civic"
    verbose_name = _("Government services and councils")
