from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.media import services


class Command(BaseCommand):
    help = gettext_lazy("Remove unfinished uploads past their expiry and mark renditions whose worker vanished as failed (run hourly).")

    def handle(self, *args, **options):
        purged = services.purge_expired_uploads()
        failed = services.fail_stale_renditions()
        self.stdout.write(_("%(p)s expired uploads removed, %(f)s stale renditions marked failed.") % {"p": purged, "f": failed})
