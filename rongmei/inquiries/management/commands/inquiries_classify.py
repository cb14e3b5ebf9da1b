"""Classify 问政 messages in a CSV: adds category, unit and confidence columns."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rongmei.inquiries.classify import DEFAULT_UNITS, current_model

REQUIRED = ("subject", "detail")
ADDED = ("category", "unit", "confidence")


class Command(BaseCommand):
    help = "Classify 问政 messages: read a UTF-8 CSV with subject and detail, write it with category, unit, confidence."

    def add_arguments(self, parser):
        parser.add_argument("input", help="UTF-8 CSV (a BOM is tolerated) with columns subject and detail")
        parser.add_argument("output", help="where to write the CSV with category, unit and confidence added")

    def handle(self, *args, **options):
        try:
            with open(options["input"], encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(fh)
                columns = list(reader.fieldnames or [])
                rows = list(reader)
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": options["input"], "error": exc}) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(_("%(path)s is not UTF-8 text.") % {"path": options["input"]}) from exc
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise CommandError(
                _("The input CSV lacks the column(s) %(missing)s (found: %(found)s).")
                % {"missing": ", ".join(missing), "found": ", ".join(columns) or "-"}
            )

        to_classify = [i for i, r in enumerate(rows) if (r.get("subject") or "").strip() or (r.get("detail") or "").strip()]
        model = current_model() if to_classify else None
        predictions = model.predict_many([(rows[i]["subject"] or "", rows[i]["detail"] or "") for i in to_classify]) if model else []
        for row in rows:
            row.pop(None, None)  # surplus cells of ragged lines
            row.update(dict.fromkeys(ADDED, ""))
        for i, prediction in zip(to_classify, predictions, strict=True):
            rows[i].update(
                category=prediction.category,
                unit=DEFAULT_UNITS.get(prediction.category, ""),
                confidence=f"{prediction.confidence:.3f}",
            )

        out_columns = columns + [c for c in ADDED if c not in columns]
        with open(options["output"], "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=out_columns)
            writer.writeheader()
            writer.writerows(rows)
        self.stderr.write(
            _("Classified %(done)d of %(total)d messages (%(empty)d empty).")
            % {"done": len(to_classify), "total": len(rows), "empty": len(rows) - len(to_classify)}
        )
