"""The data center's monthly report by mail: ``manage.py dashboard_report [--month 2026-10]
[--to a@b.cn ...] [--out DIR]``. Without --month: last month (cron runs it on the 1st). Mails the
PDF and the Excel workbook to --to, else RONGMEI_DASHBOARD["REPORT_RECIPIENTS"], else the chief
editors and administrators with an address; --out also writes both files into DIR."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rongmei.dashboard import report


class Command(BaseCommand):
    help = "Mail (and optionally write) the data center's monthly report as PDF and Excel."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--to", nargs="*", help="addresses (default: the settings, else chief editors and admins)")
        parser.add_argument("--out", help="also write report-YYYY-MM.pdf and .xlsx into this directory")

    def handle(self, *args, **options):
        month = report.last_month()
        if options.get("month"):
            try:
                year, number = (int(p) for p in options["month"].split("-"))
                month = dt.date(year, number, 1)
            except (ValueError, TypeError):
                raise CommandError("--month is YYYY-MM, e.g. 2026-10") from None
        if options.get("out"):
            data = report.report_data(month)
            out = Path(options["out"])
            try:
                out.mkdir(parents=True, exist_ok=True)
                for ext, make in (("pdf", report.to_pdf), ("xlsx", report.to_xlsx)):
                    path = out / report.file_name(data, ext)
                    path.write_bytes(make(data))
                    self.stdout.write(str(path))
            except OSError as exc:
                raise CommandError(f"cannot write into {out}: {exc}") from exc
        _data, sent_to = report.send(month, to=options.get("to"))
        if sent_to:
            self.stdout.write(f"mailed {month:%Y-%m} to {', '.join(sent_to)}")
        else:
            self.stdout.write(f"nobody to mail the report of {month:%Y-%m} to (set RONGMEI_DASHBOARD['REPORT_RECIPIENTS'])")
