from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "rongmei.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from rongmei.search import signals

        post_save.connect(signals.publication_saved, sender="distribution.Publication", dispatch_uid="search.publication_saved")
