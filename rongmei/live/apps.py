from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    """Live rooms (直播间): ingest, HLS playback, chat and danmaku, viewer counts, replays (issue 6)."""

    name = "rongmei.live"
    label = "live"
    verbose_name = _("Live rooms")

    def ready(self):
        from rongmei.core import privacy as personal_data
        from rongmei.live import privacy

        personal_data.register("live", export=privacy.export, erase=privacy.erase)
