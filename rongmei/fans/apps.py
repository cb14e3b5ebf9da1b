from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FansConfig(AppConfig):
    name = "rongmei.fans"
    label = "fans"
    verbose_name = _("App users")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from rongmei.core import privacy as personal_data
        from rongmei.fans import privacy, signals

        post_save.connect(signals.publication_saved, sender="distribution.Publication", dispatch_uid="fans.publication_saved")
        personal_data.register("fans", sweep=privacy.sweep)
