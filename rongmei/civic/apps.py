from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "rongmei.civic"
    label = "civic"
    verbose_name = _("Government services and councils")

    def ready(self) -> None:
        from rongmei.civic import privacy
        from rongmei.core import privacy as personal_data

        personal_data.register("civic", export=privacy.export, erase=privacy.erase)
