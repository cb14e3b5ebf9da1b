from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.distribution.services import resume_due


class Command(BaseCommand):
    help = gettext_lazy("Send and retract the publications that are due but lost their task (after a queue outage).")

    def handle(self, *args, **options):
        from rongmei.distribution.adapters import progress

        self.stdout.write(_("%(n)s publications handled.") % {"n": resume_due()})
        progress.expire()
