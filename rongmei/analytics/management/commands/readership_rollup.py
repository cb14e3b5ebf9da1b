import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.analytics import buffer, services
from rongmei.core.exceptions import DomainError


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Enter a valid date (YYYY-MM-DD).")) from None


class Command(BaseCommand):
    help = gettext_lazy(
        "Roll up readership: without --date, every finished day not yet rolled up (safe to repeat, e.g. daily "
        "from cron); with --date, that day again (its figures are replaced; today gives partial figures)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_day, help=gettext_lazy("The day to roll up (YYYY-MM-DD)."))

    def handle(self, *args, **options):
        try:
            if options["date"]:
                buffer.flush_all()
                runs = [services.rollup_day(options["date"])]
            else:
                runs = services.rollup_pending()
        except DomainError as e:
            raise CommandError(e.message) from None
        if not runs:
            self.stdout.write(_("Nothing to roll up."))
        for run in runs:
            self.stdout.write(_("%(day)s: %(n)s events rolled up.") % {"day": run.day.isoformat(), "n": run.events})
