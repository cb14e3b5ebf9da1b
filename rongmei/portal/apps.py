from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "rongmei.portal"
    label = "portal"
    verbose_name = _("Public site")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from rongmei.portal import signals

        post_save.connect(signals.publication_saved, sender="distribution.Publication", dispatch_uid="portal.publication_saved")
        # The navigation (columns) is on every page; features are on the home page; topics on
        # their pages and in topic columns: any change publishes every page again.
        for model in ("portal.Column", "portal.Feature", "portal.Topic", "portal.TopicStory"):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(signals.layout_changed, sender=model, dispatch_uid=f"portal.layout.{model}.{name}")
        from rongmei.portal.models import Column

        m2m_changed.connect(signals.layout_changed, sender=Column.teams.through, dispatch_uid="portal.column_teams")
