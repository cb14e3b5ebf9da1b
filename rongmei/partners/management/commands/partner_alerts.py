"""``manage.py partner_alerts [--today YYYY-MM-DD]``: raise the partner network's alerts (a
partner silent for two weeks, a quota at risk in the last three weeks of the quarter) and resolve
those whose situation has ended. Safe to repeat: each situation raises one alert. Daily from cron."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from rongmei.partners import services


class Command(BaseCommand):
    help = "Raise the partner alerts due today (silent partners, quotas at risk). Safe to repeat."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Judge as of this day (YYYY-MM-DD); default: today.")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today takes a date as YYYY-MM-DD") from None
        raised = services.check_alerts(today=today)
        for alert in raised:
            self.stdout.write(f"{alert.get_kind_display()}: {alert.message}")
        self.stdout.write(f"{len(raised)} alert(s) raised.")
