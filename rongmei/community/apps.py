from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "rongmei.community"
    label = "community"
    verbose_name = _("Reader comments")

    def ready(self) -> None:
        from rongmei.community import privacy
        from rongmei.core import privacy as personal_data

        personal_data.register("community", export=privacy.export, erase=privacy.erase)
