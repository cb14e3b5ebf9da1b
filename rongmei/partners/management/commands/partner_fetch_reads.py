"""Fetch the readership of every partner account with fetch settings (run it daily, e.g. from cron)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Fetch the figures of every partner account configured for fetching, for the last N days."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How many days back to fetch (default 7, through yesterday).")

    def handle(self, *args, days: int, **options):
        from rongmei.partners import readership
        from rongmei.partners.models import Account

        if not 1 <= days <= 366:
            raise CommandError("--days takes 1 to 366.")
        today = timezone.localdate()
        results = readership.fetch_all(today - dt.timedelta(days=days), today - dt.timedelta(days=1))
        names = {a.pk: str(a) for a in Account.objects.filter(pk__in=list(results))}
        failed = 0
        for pk, result in results.items():
            line = f"{names.get(pk, pk)}: {result.created} new, {result.updated} updated, {result.skipped} skipped"
            if result.errors:
                failed += 1
                self.stderr.write(f"{line}; {'; '.join(result.errors)}")
            else:
                self.stdout.write(line)
        self.stdout.write(f"{len(results)} accounts fetched, {failed} with errors.")
