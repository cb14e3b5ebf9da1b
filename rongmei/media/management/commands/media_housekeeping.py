import datetime as dt
import time
from pathlib import Path

from django.conf import settings
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
        deleted, waiting = storage.retry_deletions()
        if deleted or waiting:
            self.stdout.write(_("%(d)s files deleted that could not be before, %(w)s still waiting.") % {"d": deleted, "w": waiting})
        # Once a day per machine: a stamp in its own MEDIA_ROOT says when it last pruned.
        stamp = Path(settings.MEDIA_ROOT) / ".pruned-local-copies"
        if storage.bucket() is not None and (not stamp.exists() or time.time() - stamp.stat().st_mtime >= PRUNE_EVERY_SECONDS):
            days = settings.RONGMEI_MEDIA_LOCAL_COPY_DAYS
            pruned = storage.prune_local_copies(dt.timedelta(days=days))
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
            self.stdout.write(_("%(n)s local copies older than %(d)s days removed (the bucket holds them).") % {"n": pruned, "d": days})
