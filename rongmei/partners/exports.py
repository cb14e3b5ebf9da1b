"""The quarter's table for the leadership as an Excel workbook.

The figures come from ``scoring.ranking`` — computed now for an open quarter, the frozen ``Score``
rows for a closed one — so the workbook shows exactly what the ranking page shows.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core.spreadsheet import as_text
from rongmei.partners import scoring
from rongmei.partners.models import Account, Post, Quarter, Quota


def _rule_of(quarter: Quarter) -> dict:
    """The rule the figures were made with: frozen with a closed quarter, the current one otherwise."""
    if quarter.is_closed and quarter.rule:
        return quarter.rule
    return scoring.rule_dict(scoring.current_rule())


def _title(quarter: Quarter) -> str:
    if quarter.is_closed:
        closed = timezone.localtime(quarter.closed_at).strftime("%Y-%m-%d") if quarter.closed_at else ""
        state = _("closed on %(d)s: final, frozen figures") % {"d": closed}
    else:
        state = _("open: provisional figures as of %(d)s") % {"d": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    return _("Self-media partner ranking, %(q)s (%(state)s)") % {"q": quarter, "state": state}


def _rule_text(rule: dict) -> str:
    weights = rule.get("weights", {})
    parts = [
        _("Weights: %(items)s") % {"items": "，".join(f"{scoring.LABELS[key]} {weights.get(key, 0)}" for key in scoring.COMPONENTS)},
        _("adoptions for full marks: %(n)s") % {"n": rule.get("adopted_full", "")},
    ]
    tiers = rule.get("tiers") or []
    if tiers:
        parts.append(
            _("awards: %(items)s")
            % {
                "items": "，".join(
                    _("%(name)s %(count)s places from %(min)s points")
                    % {"name": t.get("name", ""), "count": t.get("count", 0), "min": t.get("min_score", 0)}
                    for t in tiers
                )
            }
        )
    return "；".join(parts)


def _autosize(ws, *, first_row: int, widths: dict[int, int] | None = None) -> None:
    for column in ws.iter_cols(min_row=first_row):
        letter = column[0].column_letter
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=4)
        ws.column_dimensions[letter].width = max(8, min(48, longest * 2 + 2))
    for index, width in (widths or {}).items():
        ws.column_dimensions[ws.cell(row=first_row, column=index).column_letter].width = width


def ranking_rows(quarter: Quarter) -> tuple[list[str], list[list]]:
    """The header and rows of the ranking sheet (what the tests read back)."""
    lines = scoring.ranking(quarter)
    accounts: dict[int, list[str]] = {}
    for account in Account.objects.filter(partner_id__in=[line.partner_id for line in lines]).order_by("platform", "name"):
        accounts.setdefault(account.partner_id, []).append(str(account))
    header = [_("Rank"), _("Partner"), _("Accounts")]
    for metric in Quota.METRICS:
        header += [
            _("%(m)s: target") % {"m": scoring.METRIC_LABELS[metric]},
            _("%(m)s: done") % {"m": scoring.METRIC_LABELS[metric]},
        ]
    header += [_("Reads"), _("Adopted contributions"), _("Tasks done"), _("Tasks assigned")]
    for key in scoring.COMPONENTS:
        header += [
            _("%(c)s: score") % {"c": scoring.LABELS[key]},
            _("%(c)s: points") % {"c": scoring.LABELS[key]},
        ]
    header += [_("Total"), _("Award")]
    rows = []
    for line in lines:
        f = line.figures
        row: list = [line.rank, line.partner_name, "；".join(accounts.get(line.partner_id, []))]
        for metric in Quota.METRICS:
            row += [f.targets.get(metric) if f.targets else None, f.actual(metric)]
        row += [f.reads, f.adopted, f.tasks_done, f.tasks_assigned]
        parts = {c.key: c for c in line.components}
        for key in scoring.COMPONENTS:
            component = parts.get(key)
            applies = component is not None and component.score is not None
            row += [component.score if applies else None, component.points if applies else None]
        row += [float(line.total), line.tier]
        rows.append(row)
    return header, rows


def post_rows(quarter: Quarter) -> tuple[list[str], list[list]]:
    header = [_("Partner"), _("Account"), _("Published on"), _("Title"), _("Link"), _("Kind"), _("Reads"), _("Source")]
    posts = (
        Post.objects.filter(published_on__range=(quarter.start, quarter.end))
        .select_related("partner", "account")
        .order_by("partner__name", "published_on", "id")
    )
    rows = [
        [
            post.partner.name,
            str(post.account) if post.account else "",
            post.published_on,
            post.title,
            post.url,
            post.get_kind_display(),
            post.reads,
            post.get_source_display(),
        ]
        for post in posts
    ]
    return header, rows


HEADER_ROW = 4  # row 1: title, row 2: the rule, row 3: empty


def quarter_workbook(quarter: Quarter) -> bytes:
    """The quarter's ranking with every figure behind it, and the list of the quarter's posts."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F2DCDB")
    book = Workbook()

    ws = book.active
    ws.title = _("Quarter ranking")[:31]
    ws.cell(row=1, column=1, value=_title(quarter)).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=_rule_text(_rule_of(quarter)))
    header, rows = ranking_rows(quarter)
    for column, text in enumerate(header, start=1):
        cell = ws.cell(row=HEADER_ROW, column=column, value=text)
        cell.font, cell.fill = bold, head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            ws.cell(row=HEADER_ROW + offset, column=column, value=as_text(value))
    note_row = HEADER_ROW + len(rows) + 2
    ws.cell(
        row=note_row,
        column=1,
        value=_(
            "Each component is scored 0–100; the total is their weighted mean and the points are each component's share "
            "of it. An empty task score: no task was due in the quarter, its weight went to the other components. "
            "An empty target: no quota was set."
        ),
    )
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    _autosize(ws, first_row=HEADER_ROW, widths={3: 40})

    ws = book.create_sheet(_("Posts in detail")[:31])
    header, rows = post_rows(quarter)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = bold, head_fill
    for row in rows:
        ws.append([as_text(value) for value in row])
    for cell in ws["C"][1:]:
        cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    _autosize(ws, first_row=1, widths={3: 12, 4: 50, 5: 40})

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(quarter: Quarter) -> str:
    return f"partners-{quarter.year}Q{quarter.number}.xlsx"
