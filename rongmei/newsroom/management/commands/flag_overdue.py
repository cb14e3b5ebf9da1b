from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.newsroom.services.assignments import flag_all_overdue


class Command(BaseCommand):
    help = gettext_lazy("Flag every open assignment past its deadline and notify (run from cron after downtime).")

    def handle(self, *args, **options):
        count = flag_all_overdue()
        self.stdout.write(_("Flagged %(n)s overdue assignments.") % {"n": count})
