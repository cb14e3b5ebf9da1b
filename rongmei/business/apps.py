from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BusinessConfig(AppConfig):
    name = "rongmei.business"
    label = "business"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from rongmei.business import signals

        signals.connect()
