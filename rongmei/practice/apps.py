from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "rongmei.practice"
    label = "practice"
    verbose_name = _("New Era Civilization Practice")

    def ready(self) -> None:
        from rongmei.core import privacy as personal_data
        from rongmei.practice import privacy

        personal_data.register("practice", export=privacy.export, erase=privacy.erase, sweep=privacy.sweep)
