"""Statistics of 问政: the public page (/wenzheng/stats/) and the desk's supervision page
(/newsroom/wenzheng/supervision/) with the monthly report's downloads. The figures come from
``stats`` (definitions there and in docs/inquiries-statistics.md); the views only pick the period."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from rongmei.inquiries import hot, report, services, stats
from rongmei.newsroom.views._common import forbidden
from rongmei.portal import pages

PUBLIC_MONTHS = 12


def _month(request: HttpRequest, default: stats.Period | None) -> tuple[stats.Period | None, str]:
    """The ``month`` parameter, or ``default`` with the error to show when it is malformed."""
    value = request.GET.get("month", "").strip()
    if not value:
        return default, ""
    try:
        return stats.parse_month(value), ""
    except ValueError as exc:
        return default, str(exc)


def _month_choices(now=None, n: int = 24) -> list[str]:
    return [p.label for p in reversed(stats.months_back(n, now))]


@require_safe
def public_stats(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    months = stats.months_back(PUBLIC_MONTHS, now)
    year = stats.span(months[0], months[-1])
    chosen, error = _month(request, None)
    period = chosen or year
    trend = stats.county_figures(year, months=months).by_month if chosen else None
    county = stats.county_figures(period, months=months if not chosen else None, public_towns_only=True)
    if trend is None:
        trend = county.by_month
    units = stats.unit_figures(period, now=now)
    context = {
        "columns": pages.columns(),
        "period": period,
        "chosen": chosen,
        "error": error,
        "month_choices": _month_choices(now),
        "county": county,
        "trend": trend,
        "trend_chart": report.trend_chart(trend),
        "units": [u for u in units if u.received or u.replied or u.rated],
        "on_time_ranking": stats.ranking(units, "on_time"),
        "satisfaction_ranking": stats.ranking(units, "satisfaction"),
        "min_count": stats.min_count(),
        "hot": hot.site_hot_issues(),
    }
    return render(request, "inquiries/stats/public.html", context, status=400 if error else 200)


def _desk_only(request: HttpRequest):
    if not services.is_desk(request.user):
        return forbidden(request, _("Only the media center's screening desk may open the supervision pages."))
    return None


@login_required
@require_safe
def supervision(request: HttpRequest) -> HttpResponse:
    if (refused := _desk_only(request)) is not None:
        return refused
    now = timezone.now()
    period, error = _month(request, stats.current_month(now))
    units = stats.unit_figures(period, now=now)
    context = {
        "period": period,
        "error": error,
        "month_choices": _month_choices(now),
        "units": units,
        "on_time_ranking": stats.ranking(units, "on_time"),
        "satisfaction_ranking": stats.ranking(units, "satisfaction"),
        "min_count": stats.min_count(),
        "county": stats.county_figures(period),
        "screening": stats.screening_figures(period),
        "overdue": stats.overdue_list(now),
        "unit_chart": report.unit_chart(units),
        "now": now,
    }
    return render(request, "inquiries/stats/supervision.html", context, status=400 if error else 200)


@login_required
@require_safe
def report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if (refused := _desk_only(request)) is not None:
        return refused
    period, error = _month(request, stats.current_month())
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    data = report.report_data(period)
    if fmt == "xlsx":
        body = report.to_xlsx(data)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = report.to_pdf(data)
        ctype = "application/pdf"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(data, fmt)}"'
    return response
