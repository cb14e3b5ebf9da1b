"""Import historical 问政 questions with their replies from a CSV (the format of messages_with_replies.csv)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rongmei.inquiries import importer


class Command(BaseCommand):
    help = (
        "Import historical 问政 questions with their replies: CSV columns msg_id, subject, msg_time, detail, reply, reply_time "
        "(optional category, unit, kind, location, rating). Rows already imported are skipped; bad rows are reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8 (BOM allowed) or GB18030")
        parser.add_argument("--dry-run", action="store_true", help="check every row and report, write nothing")
        parser.add_argument("--errors", metavar="OUT.csv", help="write the refused rows here with their row number and reason")

    def handle(self, *args, **options):
        try:
            with open(options["file"], "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": options["file"], "error": exc}) from exc
        try:
            columns, rows = importer.read_csv(raw)
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        result = importer.import_rows(rows, dry_run=options["dry_run"])
        for error in result.errors[:50]:
            self.stderr.write(
                _("Row %(row)s (msg_id %(id)s): %(reason)s") % {"row": error.row, "id": error.msg_id or "-", "reason": error.reason}
            )
        if len(result.errors) > 50:
            self.stderr.write(_("… and %(n)s more refused rows.") % {"n": len(result.errors) - 50})
        if options["errors"]:
            with open(options["errors"], "w", encoding="utf-8-sig", newline="") as out:
                importer.write_errors(result.errors, columns, out)
        summary = (
            _("Dry run: %(created)s of %(total)s rows would be imported") if result.dry_run else _("Imported %(created)s of %(total)s rows")
        ) % {
            "created": result.created,
            "total": result.total,
        }
        self.stdout.write(
            summary
            + _("; %(skipped)s already imported, %(errors)s refused; %(fallback)s without a known unit (given to the fallback unit).")
            % {"skipped": result.skipped, "errors": len(result.errors), "fallback": result.fallback_used}
        )
