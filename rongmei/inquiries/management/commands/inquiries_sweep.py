"""Reminders, 督办 and closing of unrated answers that the deferred tasks missed. Cron: every ten minutes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from rongmei.inquiries import services


class Command(BaseCommand):
    help = "Send due reminders, escalate overdue questions (督办) and close answers not rated in time. Run from cron every 10 minutes."

    def add_arguments(self, parser):
        parser.add_argument("--now", metavar="ISO", help="act as if it were this moment (ISO 8601; local time when no offset)")

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            now = parse_datetime(options["now"].strip())
            if now is None:
                raise CommandError(_("--now %(v)s is not an ISO 8601 date and time, e.g. 2026-10-09T10:00.") % {"v": options["now"]})
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        counts = services.sweep(now=now)
        moment = timezone.localtime(now or timezone.now()).isoformat(timespec="minutes")
        self.stdout.write(_("%(at)s: %(reminded)s reminded, %(escalated)s escalated, %(closed)s closed.") % {"at": moment, **counts})
