import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core import storage
from rongmei.media import services

PRUNE_EVERY_SECONDS = 24 * 3600


class Command(BaseCommand):
    help = gettext_lazy(
        "Remove unfinished uploads past their expiry; make renditions whose worker vanished again, or mark them failed "
        "after three attempts; with an S3 bucket, once a day remove this machine's old copies of files the bucket holds "
        "(run hourly, or every few minutes)."
    )

    def handle(self, *args, **options):
        purged = services.purge_expired_uploads()
        recovered = services.recover_stale_renditions()
        self.stdout.write(
            _("%(p)s expired uploads removed, %(r)s stale renditions queued again, %(f)s marked failed.")
            % {"p": purged, "r": recovered["requeued"], "f": recovered["failed"]}
        )
        if storage.bucket() is not None and cache.add("media:prune-local-copies", 1, PRUNE_EVERY_SECONDS):
            days = settings.RONGMEI_MEDIA_LOCAL_COPY_DAYS
            pruned = storage.prune_local_copies(dt.timedelta(days=days))
            self.stdout.write(_("%(n)s local copies older than %(d)s days removed (the bucket holds them).") % {"n": pruned, "d": days})
