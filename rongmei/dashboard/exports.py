"""The staff assessment as an Excel workbook (the same figures as /dashboard/assessment/): one
sheet with a row per person (every measure's count, the total and rank), one with every rule's
part of each person's points, one with the rules in force."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core.spreadsheet import as_text
from rongmei.dashboard import assessment
from rongmei.dashboard.models import AssessmentRule, Measure


def rules_of(month: dt.date) -> list[dict]:
    """The rules a month was counted with: frozen with a closed month, those in force otherwise."""
    from rongmei.accounts.models import Role

    frozen = assessment.closed(month)
    if frozen is not None:
        return [
            {**r, "role_label": str(Role(r["role"]).label) if r["role"] else _("Every role assessed"), "points": Decimal(r["points"])}
            for r in frozen.rules
        ]
    return [
        {
            "label": assessment._label(r),
            "role_label": str(r.get_role_display()) if r.role else _("Every role assessed"),
            "points": r.points,
            "per": r.per,
        }
        for r in AssessmentRule.objects.filter(active=True).select_related("channel")
    ]


def assessment_workbook(month: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = assessment.table(month)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Assessment")
    sheet.append(
        [_("Staff assessment of %(m)s (as of %(d)s)") % {"m": f"{month:%Y-%m}", "d": timezone.localtime().strftime("%Y-%m-%d %H:%M")}]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Rank"), _("Name"), _("Role"), *[str(label) for _v, label in Measure.choices], _("Points")])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row.rank,
                as_text(row.user.display_name),
                str(row.user.get_role_display()),
                *[row.figures[m] for m in Measure.values],
                float(row.total),
            ]
        )
    sheet.freeze_panes = "D3"
    sheet.column_dimensions["B"].width = 14

    detail = book.create_sheet(_("Breakdown"))
    detail.append([_("Name"), _("What is counted"), _("Count"), _("Points"), _("Per how many"), _("Points earned")])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for row in rows:
        for line in row.lines:
            detail.append(
                [as_text(row.user.display_name), line.label, line.count, float(line.rule.points), line.rule.per, float(line.points)]
            )

    rules = book.create_sheet(_("Rules"))
    rules.append([_("What is counted"), _("Role"), _("Points"), _("Per how many")])
    for cell in rules[1]:
        cell.font = Font(bold=True)
    for rule in rules_of(month):
        rules.append([rule["label"], rule["role_label"], float(rule["points"]), rule["per"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
