from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.analytics import buffer


class Command(BaseCommand):
    help = gettext_lazy(
        "Write buffered readership events to the database: this process's buffer and, when REDIS_URL is set, "
        "the shared Redis list (safe to run any time, e.g. every minute from cron)."
    )

    def handle(self, *args, **options):
        count = buffer.flush_all()
        self.stdout.write(_("Wrote %(n)s readership events.") % {"n": count})
