"""A campaign's report for the client (投放报告): the campaign, its creatives and, per day, the
impressions, clicks, click-through rate and visitors, with the totals — as a page
(/ops/ads/<pk>/report/), a PDF (WeasyPrint, Noto CJK, with the center's name, for the client) and
an Excel workbook, all three from one ``report_data`` call, as the data center's monthly report
(rongmei.dashboard.report) does. The figures come from rongmei.advertising.counting, which reads
the readership rollups and, for days not rolled up yet (today), the raw events.

Visitors are devices that saw a creative on a day. Device ids are hashed with a new key every day,
so the visitors of two days (or of two creatives) cannot be told apart: the totals add them up and
say so ("visitor-days").

The days counted are the campaign's days widened by what the beacon accepts: an event's time may
lie AD_GRACE before the start or after the end (rongmei.analytics.lookups: a clock a little off,
an impression sent in a batch), and an event is filed under the day it was *received*, which the
beacon still does while the campaign ended less than serving.WINDOW_PAST ago. A campaign ending at
midnight thus has impressions filed under the next day, which the client's report must not lose.
Such an edge day outside the schedule is listed only when it has figures."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.advertising import counting
from rongmei.advertising.models import Campaign, Creative
from rongmei.advertising.serving import WINDOW_PAST
from rongmei.analytics.lookups import AD_GRACE
from rongmei.core.spreadsheet import as_text

# How long after the end the beacon may still file an ad's event: it checks the creatives of
# campaigns ended less than WINDOW_PAST ago (a copy a few seconds old: AD_GRACE more covers it).
LATE = WINDOW_PAST + AD_GRACE


@dataclass
class Figures:
    impressions: int = 0
    clicks: int = 0
    visitors: int = 0

    def add(self, impressions: int, clicks: int, visitors: int) -> None:
        self.impressions += impressions
        self.clicks += clicks
        self.visitors += visitors

    @property
    def ctr(self) -> float | None:
        """Clicks per impression, in per cent; None without impressions."""
        return round(100 * self.clicks / self.impressions, 2) if self.impressions else None

    @property
    def ctr_text(self) -> str:
        return "—" if self.ctr is None else f"{self.ctr:.2f}%"


@dataclass
class DayLine:
    day: dt.date
    figures: Figures


@dataclass
class CreativeLine:
    creative: Creative
    figures: Figures


@dataclass
class CampaignReport:
    campaign: Campaign
    first: dt.date | None  # the days counted, both included (None: not started yet)
    last: dt.date | None
    generated_at: dt.datetime
    days: list[DayLine] = field(default_factory=list)
    creatives: list[CreativeLine] = field(default_factory=list)
    totals: Figures = field(default_factory=Figures)
    columns: list[str] = field(default_factory=list)


def _days(starts_at: dt.datetime, ends_at: dt.datetime, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    first = timezone.localdate(starts_at)
    # ends_at is the first moment that does not count: the last day is the day of the moment before.
    last = min(timezone.localdate(ends_at - dt.timedelta(microseconds=1)), today)
    if last < first:
        return None, None
    return first, last


def period(campaign: Campaign, *, today: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The local days under which the campaign's events may be filed, up to today: from the day of
    ``starts_at - AD_GRACE`` to the day of ``ends_at + LATE`` (see the module); (first, last), or
    (None, None) before."""
    return _days(campaign.starts_at - AD_GRACE, campaign.ends_at + LATE, today or timezone.localdate())


def scheduled_days(campaign: Campaign, *, today: dt.date | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The local days of the campaign's schedule up to today (every one is listed in the report)."""
    return _days(campaign.starts_at, campaign.ends_at, today or timezone.localdate())


def report_data(campaign: Campaign, *, now: dt.datetime | None = None) -> CampaignReport:
    """The report's figures. The caller has checked that the person may read them
    (selectors.campaign does)."""
    now = timezone.localtime(now or timezone.now())
    first, last = period(campaign, today=now.date())
    creatives = list(campaign.creatives.select_related("asset").order_by("id"))
    report = CampaignReport(
        campaign=campaign,
        first=None,
        last=None,
        generated_at=now,
        columns=[c.name for c in campaign.columns.all()],
    )
    per_creative = {c.pk: Figures() for c in creatives}
    per_day: dict[dt.date, Figures] = {}
    if first is not None and creatives:
        for row in counting.creative_counts(per_creative, first, last):
            per_day.setdefault(row.day, Figures()).add(row.impressions, row.clicks, row.visitors)
            per_creative[row.creative_id].add(row.impressions, row.clicks, row.visitors)
            report.totals.add(row.impressions, row.clicks, row.visitors)
    if first is not None:
        # Every day of the schedule, those without figures as zeros: the client sees the whole
        # schedule; a day of the grace only (before the start, after the end) when it has figures.
        s_first, s_last = scheduled_days(campaign, today=now.date())
        report.days = [
            DayLine(day=day, figures=per_day.get(day, Figures()))
            for day in (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
            if day in per_day or (s_first is not None and s_first <= day <= s_last)
        ]
        if report.days:
            report.first, report.last = report.days[0].day, report.days[-1].day
    report.creatives = [CreativeLine(creative=c, figures=per_creative[c.pk]) for c in creatives]
    return report


# --- outputs ---------------------------------------------------------------------------------------


def facts(data: CampaignReport) -> list[tuple[str, str]]:
    """The campaign's facts, in the order the page, the PDF and the workbook show them."""
    c = data.campaign
    local = timezone.localtime
    return [
        (_("Client"), c.client.name),
        (_("Campaign"), c.name),
        (_("Ad slot"), f"{c.slot.name}（{c.slot.width}×{c.slot.height}）"),
        (_("Schedule"), f"{local(c.starts_at):%Y-%m-%d %H:%M} — {local(c.ends_at):%Y-%m-%d %H:%M}"),
        (_("Target columns"), "、".join(data.columns) if data.columns else _("All columns")),
        (_("Frequency cap"), _("%(n)s times per device per day") % {"n": c.frequency_cap}),
        (_("State"), c.display_state_label),
        (
            _("Period counted"),
            f"{data.first:%Y-%m-%d} — {data.last:%Y-%m-%d}" if data.first else _("The campaign has not started."),
        ),
    ]


def total_rows(data: CampaignReport) -> list[tuple[str, object]]:
    t = data.totals
    return [
        (_("Impressions"), t.impressions),
        (_("Clicks"), t.clicks),
        (_("Click-through rate"), t.ctr_text),
        (_("Visitor-days"), t.visitors),
    ]


def report_html(data: CampaignReport) -> str:
    return render_to_string(
        "advertising/report_pdf.html",
        {"data": data, "facts": facts(data), "totals": total_rows(data), "CENTER_NAME": settings.RONGMEI["CENTER_NAME"]},
    )


def to_pdf(data: CampaignReport) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=report_html(data)).write_pdf()


def to_xlsx(data: CampaignReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")
    sheet.append([_("%(center)s · campaign report") % {"center": settings.RONGMEI["CENTER_NAME"]}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Made %(d)s") % {"d": f"{data.generated_at:%Y-%m-%d %H:%M}"}])
    sheet.append([])
    for label, value in facts(data):
        sheet.append([label, as_text(value)])
    sheet.append([])
    for label, value in total_rows(data):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 48

    header = [_("Impressions"), _("Clicks"), _("Click-through rate"), _("Visitors")]

    def bold_header(ws) -> None:
        for cell in ws[1]:
            cell.font = Font(bold=True)

    days = book.create_sheet(_("By day"))
    days.append([_("Day"), *header])
    bold_header(days)
    for line in data.days:
        f = line.figures
        days.append([line.day, f.impressions, f.clicks, f.ctr_text, f.visitors])
    t = data.totals
    days.append([_("Total"), t.impressions, t.clicks, t.ctr_text, t.visitors])
    days.column_dimensions["A"].width = 12

    creatives = book.create_sheet(_("By creative"))
    creatives.append([_("Creative"), _("Link"), *header])
    bold_header(creatives)
    for line in data.creatives:
        f = line.figures
        creatives.append([as_text(line.creative.alt_text), as_text(line.creative.link), f.impressions, f.clicks, f.ctr_text, f.visitors])
    creatives.column_dimensions["A"].width = 30
    creatives.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(data: CampaignReport, ext: str) -> str:
    return f"campaign-{data.campaign.pk}-{data.generated_at:%Y%m%d}.{ext}"
