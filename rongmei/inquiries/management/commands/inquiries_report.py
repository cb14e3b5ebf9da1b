"""The monthly 问政 report: ``manage.py inquiries_report --month 2026-10 --out DIR`` writes Excel and PDF."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rongmei.inquiries import report, stats


class Command(BaseCommand):
    help = "Write the monthly 问政 report (Excel with charts and PDF) for a month into a directory."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--out", required=True, help="directory to write wenzheng-report-YYYY-MM.xlsx and .pdf into")

    def handle(self, *args, **options):
        if options.get("month"):
            try:
                period = stats.parse_month(options["month"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        else:
            period = stats.months_back(2)[0]
        try:
            paths = report.write(period, Path(options["out"]))
        except OSError as exc:
            raise CommandError(_("Cannot write the report into %(path)s: %(error)s") % {"path": options["out"], "error": exc}) from exc
        for path in paths:
            self.stdout.write(str(path))
