"""The monthly 问政 report as Excel (openpyxl, native charts) and PDF (WeasyPrint, inline SVG charts).

Both are made from :func:`report_data`, which calls the same ``stats`` functions as the pages, so the
report's figures are the pages' figures for the same month. ``manage.py inquiries_report --month
2026-10 --out DIR`` writes both files; the supervision page serves them for download.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from rongmei.inquiries import hot, stats

TREND_MONTHS = 12


@dataclass
class ReportData:
    period: stats.Period
    generated_at: dt.datetime
    county: stats.CountyFigures  # the month's questions (cohort)
    trend: list[stats.Totals]  # the last TREND_MONTHS months, the report's month last
    units: list[stats.UnitFigures]  # activity in the month
    on_time_ranking: list[stats.UnitFigures]
    satisfaction_ranking: list[stats.UnitFigures]
    screening: stats.ScreeningFigures
    hot: list[dict]
    min_count: int
    overdue_now: int


def report_data(period: stats.Period, *, now: dt.datetime | None = None, with_hot: bool = True) -> ReportData:
    now = now or timezone.now()
    months = trend_months(period)
    trend = stats.county_figures(stats.span(months[0], months[-1]), months=months).by_month
    units = stats.unit_figures(period, now=now)
    hot_list = []
    if with_hot:
        moment = min(now, period.end)
        hot_list = hot.site_hot_issues() if moment == now else hot.site_hot_issues(now=moment)
    return ReportData(
        period=period,
        generated_at=now,
        county=stats.county_figures(period),
        trend=trend,
        units=units,
        on_time_ranking=stats.ranking(units, "on_time"),
        satisfaction_ranking=stats.ranking(units, "satisfaction"),
        screening=stats.screening_figures(period),
        hot=hot_list,
        min_count=stats.min_count(),
        overdue_now=sum(u.overdue_now for u in units),
    )


def trend_months(period: stats.Period, n: int = TREND_MONTHS) -> list[stats.Period]:
    local = timezone.localtime(period.start)
    year, month = local.year, local.month
    out = []
    for _i in range(n):
        out.append(stats.month_period(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


# --- charts as SVG (page and PDF) -----------------------------------------------------------------


def svg_bars(rows: list[tuple[str, float]], *, width: int = 420, bar: int = 20, label_width: int = 130, unit: str = "") -> str:
    """Horizontal bars with their labels and values, as inline SVG (no script, no outside file)."""
    if not rows:
        return ""
    top = max((v for _l, v in rows), default=0) or 1
    gap, height = 6, len(rows) * (bar + 6) + 6
    room = width - label_width - 60
    parts = [
        f'<svg class="stats-bars" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width * 1.5:.0f}px"'
        f' role="img" xmlns="http://www.w3.org/2000/svg"'
        f' font-family="Noto Sans CJK SC, sans-serif" font-size="14">'
    ]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max(0.0, room * (value / top))
        text = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * 0.72:.1f}" text-anchor="end" fill="#333">{escape(str(label)[:9])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" fill="#b22222" rx="2"><title>{escape(str(label))}: {text}</title></rect>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar * 0.72:.1f}" fill="#333">{text}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels are escaped above


def trend_chart(trend: list[stats.Totals]) -> str:
    return svg_bars([(t.label, t.received) for t in trend], label_width=64)


def unit_chart(units: list[stats.UnitFigures]) -> str:
    return svg_bars([(u.unit.label, u.received) for u in units if u.received])


# --- Excel ------------------------------------------------------------------------------------------


def _pct(rate: stats.Rate):
    return None if rate.value is None else round(rate.value, 4)


def to_xlsx(data: ReportData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list], *, first: bool = False):
        ws = book.active if first else book.create_sheet()
        ws.title = title[:31]
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = max(10, min(40, max(len(str(c.value or "")) for c in col) * 2))
        return ws

    t = data.county.total
    s = data.screening
    summary = sheet(
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Month"), data.period.label],
            [_("Received (收到)"), t.received],
            [_("Forwarded (转办)"), t.forwarded],
            [_("Published and forwarded (公开并转办)"), t.published_forwarded],
            [_("Answered (已答复)"), t.answered],
            [_("Answer rate (答复率)"), _pct(t.answer_rate)],
            [_("Screened"), s.screened],
            [_("Median time to screen (hours)"), s.median_hours],
            [_("Not accepted"), s.rejected],
            [_("Merged"), s.merged],
            [_("Handed to 融媒帮"), s.helpdesk],
            [_("Overdue now"), data.overdue_now],
            [_("Generated"), timezone.localtime(data.generated_at).strftime("%Y-%m-%d %H:%M")],
        ],
        first=True,
    )
    summary["B7"].number_format = "0.0%"
    start = summary.max_row + 2
    summary.cell(row=start, column=1, value=_("Month")).font = bold
    summary.cell(row=start, column=2, value=_("Received")).font = bold
    summary.cell(row=start, column=3, value=_("Answered")).font = bold
    for i, m in enumerate(data.trend, start=1):
        summary.cell(row=start + i, column=1, value=m.label)
        summary.cell(row=start + i, column=2, value=m.received)
        summary.cell(row=start + i, column=3, value=m.answered)
    chart = BarChart()
    chart.title = _("Questions by month")
    chart.add_data(Reference(summary, min_col=2, max_col=3, min_row=start, max_row=start + len(data.trend)), titles_from_data=True)
    chart.set_categories(Reference(summary, min_col=1, min_row=start + 1, max_row=start + len(data.trend)))
    chart.height, chart.width = 8, 18
    summary.add_chart(chart, "E2")

    unit_rows = [
        [
            u.unit.name,
            u.received,
            u.accepted,
            u.returned,
            u.replied,
            u.on_time.hits,
            _pct(u.on_time),
            u.on_time.low,
            u.on_time.high,
            u.on_time_rank,
            None if u.median_workdays is None else round(u.median_workdays, 1),
            None if u.median_hours is None else round(u.median_hours, 1),
            u.rated,
            _pct(u.satisfaction),
            u.satisfaction.low,
            u.satisfaction.high,
            u.satisfaction_rank,
            u.reopened,
            u.escalated,
            u.overdue_now,
        ]
        for u in data.units
    ]
    ws = sheet(
        _("By unit"),
        [
            _("Unit"),
            _("Received"),
            _("Accepted"),
            _("Returned"),
            _("Replied"),
            _("On time"),
            _("On-time rate"),
            _("Interval low"),
            _("Interval high"),
            _("On-time rank"),
            _("Median working days"),
            _("Median hours"),
            _("Rated"),
            _("Satisfied rate"),
            _("Interval low"),
            _("Interval high"),
            _("Satisfaction rank"),
            _("Reopened"),
            _("Escalated"),
            _("Overdue now"),
        ],
        unit_rows,
    )
    for col in ("G", "H", "I", "N", "O", "P"):
        for cell in ws[col][1:]:
            cell.number_format = "0.0%"
    if unit_rows:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("Received and replied by unit")
        chart.add_data(Reference(ws, min_col=2, max_col=2, min_row=1, max_row=len(unit_rows) + 1), titles_from_data=True)
        chart.add_data(Reference(ws, min_col=5, max_col=5, min_row=1, max_row=len(unit_rows) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(unit_rows) + 1))
        chart.height, chart.width = max(8, len(unit_rows) * 0.6), 18
        ws.add_chart(chart, f"A{len(unit_rows) + 4}")

    totals_header = [_("Received"), _("Forwarded"), _("Published and forwarded"), _("Answered"), _("Answer rate")]

    def totals_rows(lines):
        return [[t.label, t.received, t.forwarded, t.published_forwarded, t.answered, _pct(t.answer_rate)] for t in lines]

    for title, first, lines in (
        (_("By type"), _("Type"), data.county.by_kind),
        (_("By town"), _("Town or village"), data.county.by_town),
        (_("By current unit"), _("Unit"), data.county.by_unit),
    ):
        ws = sheet(title, [first, *totals_header], totals_rows(lines))
        for cell in ws["F"][1:]:
            cell.number_format = "0.0%"
    sheet(
        _("Hot issues"),
        [_("Hot issue"), _("Questions"), _("Followers"), _("Latest"), _("Score"), _("Representative question"), _("Receipt")],
        [
            [
                h["label"],
                h["size"],
                h["followers"],
                timezone.localtime(h["latest"]).strftime("%Y-%m-%d"),
                h["score"],
                h["title"],
                h["receipt"],
            ]
            for h in data.hot
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------------


def report_html(data: ReportData) -> str:
    return render_to_string(
        "inquiries/stats/report_pdf.html",
        {"data": data, "trend_chart": trend_chart(data.trend), "unit_chart": unit_chart(data.units)},
    )


def to_pdf(data: ReportData) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=report_html(data)).write_pdf()


def file_name(data: ReportData, ext: str) -> str:
    return f"wenzheng-report-{data.period.label}.{ext}"


def write(period: stats.Period, out_dir: Path, *, now: dt.datetime | None = None) -> list[Path]:
    """Write the month's Excel and PDF into ``out_dir`` (created if missing); returns the paths."""
    data = report_data(period, now=now)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, make in (("xlsx", to_xlsx), ("pdf", to_pdf)):
        path = out_dir / file_name(data, ext)
        path.write_bytes(make(data))
        paths.append(path)
    return paths
