"""python manage.py retention_sweep [--dry-run]: anonymise personal data past its retention period
(settings.RONGMEI_RETENTION; docs/security.md "Personal data"). Hourly from cron; safe to repeat:
what was anonymised is not touched again. Each anonymised record has an audit line
(``privacy.retention``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import privacy

# Each app's sweep handles a batch per call; a first run over years of records goes round again.
MAX_ROUNDS = 200


class Command(BaseCommand):
    help = "Anonymise personal data past its retention period (settings.RONGMEI_RETENTION)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would be anonymised, change nothing")

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        totals: dict[str, int] = {}
        for _round in range(MAX_ROUNDS):
            if dry_run:
                with transaction.atomic():
                    done = privacy.sweep_all(now)
                    transaction.set_rollback(True)
            else:
                done = privacy.sweep_all(now)
            changed = 0
            for app, counts in done.items():
                for what, n in counts.items():
                    totals[f"{app}.{what}"] = totals.get(f"{app}.{what}", 0) + n
                    changed += n
            if dry_run or not changed:
                break
        lines = [f"{key}: {n}" for key, n in sorted(totals.items())]
        verb = _("Would anonymise") if dry_run else _("Anonymised")
        self.stdout.write(f"{verb}: " + (", ".join(lines) or "0"))
