from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.media import services


class Command(BaseCommand):
    help = gettext_lazy(
        "Remove unfinished uploads past their expiry; make renditions whose worker vanished again, or mark them failed "
        "after three attempts (run hourly, or every few minutes)."
    )

    def handle(self, *args, **options):
        purged = services.purge_expired_uploads()
        recovered = services.recover_stale_renditions()
        self.stdout.write(
            _("%(p)s expired uploads removed, %(r)s stale renditions queued again, %(f)s marked failed.")
            % {"p": purged, "r": recovered["requeued"], "f": recovered["failed"]}
        )
