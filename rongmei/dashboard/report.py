"""The data center's monthly report (月度报告): the month's newsroom output, channels, readership,
reach index, 问政, live rooms and the staff assessment, as a page (/dashboard/report/), a PDF
(WeasyPrint, Noto CJK) and an Excel workbook — all three from one ``report_data`` call, which in
turn asks the same functions the other pages use (reach.index, assessment.table, the readership
selectors), so the report never disagrees with them. ``send`` mails the PDF and the workbook;
``manage.py dashboard_report`` runs it from cron on the first of the month."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Count, Max, Min, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core.spreadsheet import as_text
from rongmei.dashboard import assessment, reach

TOP = 10


@dataclass
class ReportData:
    month: dt.date
    first: dt.date
    last: dt.date
    generated_at: dt.datetime
    newsroom: dict
    channels: list[dict]
    readership: dict
    top_articles: list
    reach: reach.Reach
    inquiries: dict
    live: dict
    assessment: list


def last_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _newsroom(start: dt.datetime, end: dt.datetime) -> tuple[dict, list[dict]]:
    from rongmei.distribution.models import Channel, Publication
    from rongmei.newsroom.models import Lead, Plan, Story

    first_out = Story.objects.annotate(first=Min("publications__published_at")).filter(first__gte=start, first__lt=end)
    published = Publication.objects.filter(state=Publication.State.PUBLISHED, published_at__gte=start, published_at__lt=end)
    per_channel = {row["channel_id"]: row["n"] for row in published.values("channel_id").annotate(n=Count("pk")).order_by()}
    channels = [
        {"code": c.code, "name": c.name, "publications": per_channel.get(c.pk, 0)}
        for c in Channel.objects.filter(active=True).order_by("sort_order", "id")
    ]
    figures = {
        "leads": Lead.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        "plans_approved": Plan.objects.filter(status=Plan.Status.APPROVED, decided_at__gte=start, decided_at__lt=end).count(),
        "stories_filed": Story.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        "stories_published": first_out.count(),
        "publications": sum(per_channel.values()),
    }
    return figures, channels


def _readership(first: dt.date, last: dt.date) -> tuple[dict, list]:
    from rongmei.analytics import selectors

    days = selectors.site_days(first, last)
    totals = selectors.site_totals(days)
    dau = round(sum(d.devices for d in days) / len(days)) if days else 0
    return {**totals, "days": len(days), "dau": dau}, selectors.top_articles(first, last, limit=TOP)


def _inquiries(start: dt.datetime, end: dt.datetime) -> dict:
    from rongmei.inquiries.models import Inquiry

    def between(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    figures = Inquiry.objects.aggregate(
        received=Count("pk", filter=between("submitted_at")),
        forwarded=Count("pk", filter=between("forwarded_at")),
        answered=Count("pk", filter=between("published_at")),
        # With a unit past its deadline on the month's last day, whatever happened since: forwarded
        # before the end, due before the end, neither answered nor closed by then.
        overdue_at_end=Count(
            "pk",
            filter=Q(forwarded_at__lt=end, deadline__lt=end)
            & (Q(published_at__isnull=True) | Q(published_at__gte=end))
            & (Q(closed_at__isnull=True) | Q(closed_at__gte=end)),
        ),
    )
    return figures


def _live(start: dt.datetime, end: dt.datetime) -> dict:
    from rongmei.live.models import LiveRoom

    rooms = LiveRoom.objects.filter(started_at__gte=start, started_at__lt=end)
    agg = rooms.aggregate(views=Sum("views_total"), peak=Max("viewers_peak"))
    return {"rooms": rooms.count(), "views": agg["views"] or 0, "peak": agg["peak"] or 0}


def report_data(month: dt.date, *, now: dt.datetime | None = None, with_assessment: bool = True) -> ReportData:
    """The month's figures. ``with_assessment`` False leaves out the staff assessment (for people
    who may not see it: assessment.may_view)."""
    month = month.replace(day=1)
    start, end = assessment.month_bounds(month)
    first, last = month, (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    newsroom, channels = _newsroom(start, end)
    readership, top_articles = _readership(first, last)
    return ReportData(
        month=month,
        first=first,
        last=last,
        generated_at=timezone.localtime(now or timezone.now()),
        newsroom=newsroom,
        channels=channels,
        readership=readership,
        top_articles=top_articles,
        reach=reach.index(first, last),
        inquiries=_inquiries(start, end),
        live=_live(start, end),
        assessment=assessment.table(month)[:TOP] if with_assessment else [],
    )


# --- outputs ---------------------------------------------------------------------------------------


def report_html(data: ReportData) -> str:
    return render_to_string(
        "dashboard/report_pdf.html", {"data": data, "rows": summary_rows(data), "CENTER_NAME": settings.RONGMEI["CENTER_NAME"]}
    )


def to_pdf(data: ReportData) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=report_html(data)).write_pdf()


def to_xlsx(data: ReportData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")
    sheet.append([_("Monthly report of %(m)s (made %(d)s)") % {"m": f"{data.month:%Y-%m}", "d": f"{data.generated_at:%Y-%m-%d %H:%M}"}])
    sheet["A1"].font = Font(bold=True, size=13)
    for label, value in summary_rows(data):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 32

    def table(title: str, header: list, rows: list[list]) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([as_text(v) for v in row])

    table(_("Channels"), [_("Channel"), _("Publications")], [[c["name"], c["publications"]] for c in data.channels])
    table(
        _("Top articles"),
        [_("Article"), _("Page views"), _("Visitors"), _("Reads"), _("Shares")],
        [[line.label, line.views, line.visitors, line.reads, line.shares] for line in data.top_articles],
    )
    table(
        _("Reach index"),
        [_("Channel"), _("Weight"), _("Days with figures"), _("Index")],
        [[c.name, float(c.weight), c.days, round(c.index, 1) if c.index is not None else None] for c in shown_reach(data)],
    )
    if data.assessment:
        table(
            _("Assessment"),
            [_("Rank"), _("Name"), _("Role"), _("Points")],
            [[r.rank, r.user.display_name, str(r.user.get_role_display()), float(r.total)] for r in data.assessment],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shown_reach(data: ReportData) -> list:
    """The reach rows the report shows: channels with figures or a weight."""
    return [c for c in data.reach.channels if c.index is not None or c.weight]


def summary_rows(data: ReportData) -> list[tuple[str, object]]:
    """The headline figures, in the order the page, the PDF and the workbook show them."""
    return [
        (_("Leads filed"), data.newsroom["leads"]),
        (_("Plans approved"), data.newsroom["plans_approved"]),
        (_("Stories filed"), data.newsroom["stories_filed"]),
        (_("Stories published"), data.newsroom["stories_published"]),
        (_("Publications on all channels"), data.newsroom["publications"]),
        (_("Page views"), data.readership["views"]),
        (_("Reads"), data.readership["reads"]),
        (_("Average daily active devices"), data.readership["dau"]),
        (_("Reach index"), round(data.reach.index, 1) if data.reach.index is not None else "—"),
        (_("问政 received"), data.inquiries["received"]),
        (_("问政 forwarded"), data.inquiries["forwarded"]),
        (_("问政 answered"), data.inquiries["answered"]),
        (_("问政 overdue at the end of the month"), data.inquiries["overdue_at_end"]),
        (_("Live rooms"), data.live["rooms"]),
        (_("Live views"), data.live["views"]),
        (_("Peak concurrent live viewers"), data.live["peak"]),
    ]


def file_name(data: ReportData, ext: str) -> str:
    return f"report-{data.month:%Y-%m}.{ext}"


def recipients() -> list[str]:
    """RONGMEI_DASHBOARD["REPORT_RECIPIENTS"] when set, else the chief editors' and
    administrators' addresses."""
    from rongmei.accounts.models import Role, User

    configured = getattr(settings, "RONGMEI_DASHBOARD", {}).get("REPORT_RECIPIENTS")
    if configured:
        return [a.strip() for a in configured if a and a.strip()]
    return sorted({u.email for u in User.objects.filter(is_active=True, role__in=(Role.CHIEF_EDITOR, Role.ADMIN)).exclude(email="")})


def send(month: dt.date, *, to: list[str] | None = None) -> tuple[ReportData, list[str]]:
    """Mail the month's PDF and workbook; returns the data and the addresses it went to (none:
    nothing sent)."""
    data = report_data(month)
    addresses = to if to is not None else recipients()
    if not addresses:
        return data, []
    subject = _("%(center)s: monthly report of %(m)s") % {"center": settings.RONGMEI["CENTER_NAME"], "m": f"{data.month:%Y-%m}"}
    body = "\n".join(f"{label}：{value}" for label, value in summary_rows(data))
    message = EmailMessage(subject=subject, body=body, to=addresses)
    message.attach(file_name(data, "pdf"), to_pdf(data), "application/pdf")
    message.attach(file_name(data, "xlsx"), to_xlsx(data), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    message.send()
    return data, addresses
