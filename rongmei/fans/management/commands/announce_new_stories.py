from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.fans.services import announce_due


class Command(BaseCommand):
    help = gettext_lazy("Tell column followers about the articles of the last two days whose announcement was lost (after a queue outage).")

    def handle(self, *args, **options):
        self.stdout.write(_("%(n)s new articles announced.") % {"n": announce_due()})
