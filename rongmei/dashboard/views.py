"""The command screen: the page (a 1920×1080 full-screen layout drawn by ECharts, served by us),
its figures as JSON, polled by the page, and the county's town map as GeoJSON.

Who: the people who steer the center — editors, column leads, the chief editor, operators and
administrators (the same who see the whole site's readership). Reporters, unit staff, partners
and the public get 403 or the login page."""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rongmei.accounts.stepup import require_recent_second_factor
from rongmei.analytics.forms import PeriodForm
from rongmei.analytics.selectors import sees_whole_site
from rongmei.core import audit
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.dashboard import assessment, channel_import, exports, reach, report, townmap, trends, wechat_figures
from rongmei.dashboard import screen as figures
from rongmei.dashboard.forms import MonthForm, RuleForm, UploadForm, WeightsForm
from rongmei.dashboard.models import AssessmentRule, Measure
from rongmei.newsroom.views._common import forbidden, guarded

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def leaders_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sees_whole_site(request.user):
            return forbidden(
                request, _("Only editors, column leads, the chief editor, operators and administrators may open the command screen.")
            )
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@leaders_only
def screen(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/screen.html",
        {"refresh_seconds": figures.conf("SCREEN_REFRESH_SECONDS"), "shows_revenue": figures.shows_revenue()},
    )


@require_safe
@leaders_only
def screen_data(request: HttpRequest) -> HttpResponse:
    """The snapshot as JSON, with an ETag: a screen polling an unchanged snapshot gets 304."""
    body = json.dumps(figures.snapshot(), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
@leaders_only
def town_map(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(townmap.geojson(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- staff assessment ------------------------------------------------------------------------------


_assessment_viewers = guarded(
    assessment.may_view, lambda: _("Only column leads, the chief editor and administrators may see the assessment.")
)


@require_safe
@_assessment_viewers
def assessment_table(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.GET or None)
    month = form.month_or_current()
    rows = assessment.table(month)
    context = {
        "form": form,
        "month": month,
        "rows": rows,
        "measures": Measure.choices,
        "rules": exports.rules_of(month),
        "closed": assessment.closed(month),
        "may_edit_rules": assessment.may_edit_rules(request.user),
        "month_over": timezone.now() >= assessment.month_bounds(month)[1],
    }
    return render(request, "dashboard/assessment.html", context, status=400 if form.errors else 200)


@require_POST
@_assessment_viewers
def assessment_close(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["month"][0])
        return redirect("dashboard:assessment")
    month = form.cleaned_data["month"]
    ok, _frozen = call_service_or_message(request, assessment.close_month, actor=request.user, month=month)
    if ok:
        messages.success(request, _("The month is closed: its table stays as it is now."))
    return redirect(f"{reverse('dashboard:assessment')}?month={month:%Y-%m}")


@require_safe
@_assessment_viewers
@require_recent_second_factor  # personal data: the staff's names and points
def assessment_export(request: HttpRequest) -> HttpResponse:
    month = MonthForm(request.GET or None).month_or_current()
    audit.record(
        "export.assessment",
        actor=request.user,
        subject=request.user,
        summary=_("Exported the staff assessment of %(m)s") % {"m": f"{month:%Y-%m}"},
        data={"month": f"{month:%Y-%m}"},
    )
    response = HttpResponse(exports.assessment_workbook(month), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="assessment-{month:%Y-%m}.xlsx"'
    return response


@_assessment_viewers
def assessment_rules(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(AssessmentRule, pk=pk) if pk is not None else None
    editable = assessment.may_edit_rules(request.user)
    initial = None
    if rule is not None:
        initial = {
            "measure": rule.measure,
            "role": rule.role,
            "channel": rule.channel_id,
            "points": rule.points,
            "per": rule.per,
            "active": rule.active,
        }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not editable:
            return forbidden(request, _("Only the chief editor and administrators may change the assessment rules."))
        if form.is_valid():
            ok, saved = call_service(form, assessment.save_rule, actor=request.user, rule=rule, **form.cleaned_data)
            if ok:
                messages.success(request, _("The rule is saved; the tables count with it from now on, for every month."))
                return redirect("dashboard:assessment_rules")
    rules = AssessmentRule.objects.select_related("channel", "updated_by")
    return render(
        request,
        "dashboard/assessment_rules.html",
        {"form": form, "rule": rule, "rules": rules, "editable": editable},
        status=400 if form.errors else 200,
    )


# --- the reach index -------------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, object, object, bool]:
    """The period asked for (the last 30 days by default): the form to show, start, end, and
    whether the input was refused (the default period is shown then)."""
    period = PeriodForm(request.GET or None)
    start, end = PeriodForm.default_period()
    if not period.is_bound:
        return PeriodForm(initial={"start": start, "end": end}), start, end, False
    if period.is_valid():
        return period, period.cleaned_data["start"], period.cleaned_data["end"], False
    return period, start, end, True


def _reach_page(request, *, status: int = 200, upload_form=None, weights_form=None, upload_result=None):
    period, start, end, bad = _period(request)
    if bad:
        status = 400
    channel_weights, component_weights = reach.weights()
    context = {
        "period": period,
        "reach": reach.index(start, end),
        "upload_form": upload_form or UploadForm(),
        "weights_form": weights_form or WeightsForm(channel_weights=channel_weights, component_weights=component_weights),
        "may_edit_weights": reach.may_edit_weights(request.user),
        "upload_result": upload_result,
        "columns": channel_import.COLUMNS,
        "wechat_channel": wechat_figures.wechat_channel(),
        "fetch_days": FETCH_DAYS,
    }
    return render(request, "dashboard/reach.html", context, status=status)


@require_safe
@leaders_only
def reach_page(request: HttpRequest) -> HttpResponse:
    return _reach_page(request)


@require_POST
@leaders_only
def reach_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        ok, result = call_service(
            form, channel_import.import_table, actor=request.user, channel=form.cleaned_data["channel"], uploaded=form.cleaned_data["file"]
        )
        if ok:
            saved = result.created + result.updated
            if result.errors:
                messages.warning(request, _("%(n)s days saved; %(e)s rows refused (see below).") % {"n": saved, "e": len(result.errors)})
                return _reach_page(request, status=200, upload_form=UploadForm(), upload_result=result)
            messages.success(request, _("%(n)s days saved.") % {"n": saved})
            return redirect("dashboard:reach")
    return _reach_page(request, status=400, upload_form=form)


FETCH_DAYS = 7


@require_POST
@leaders_only
def reach_fetch_wechat(request: HttpRequest) -> HttpResponse:
    """Fetch the last week of the center's WeChat official account figures from WeChat now (the
    cron does it every morning)."""
    ok, fetched = call_service_or_message(request, wechat_figures.fetch_recent, actor=request.user, days=FETCH_DAYS)
    if ok:
        messages.success(request, _("%(n)s days of figures fetched from WeChat.") % {"n": fetched.days})
    return redirect(reverse("dashboard:reach") + "#reach-upload")


@require_POST
@leaders_only
def reach_weights(request: HttpRequest) -> HttpResponse:
    channel_weights, component_weights = reach.weights()
    form = WeightsForm(request.POST, channel_weights=channel_weights, component_weights=component_weights)
    if not reach.may_edit_weights(request.user):
        return forbidden(request, _("Only the chief editor and administrators may change the reach index's weights."))
    if form.is_valid():
        channels, components = form.split()
        ok, _saved = call_service(form, reach.save_weights, actor=request.user, channels=channels, components=components)
        if ok:
            messages.success(request, _("The weights are saved."))
            return redirect("dashboard:reach")
    return _reach_page(request, status=400, weights_form=form)


@require_safe
@leaders_only
def home(request: HttpRequest) -> HttpResponse:
    """The data center's front page: the command screen, readership, the reach index, the staff
    assessment (for those who may see it)."""
    return render(request, "dashboard/home.html", {"may_assess": assessment.may_view(request.user)})


# --- the monthly report ----------------------------------------------------------------------------


def _report_month(request) -> tuple[MonthForm, object]:
    form = MonthForm(request.GET or None)
    if not form.is_bound:
        return form, report.last_month()
    return form, form.month_or_current()


@require_safe
@leaders_only
def report_page(request: HttpRequest) -> HttpResponse:
    form, month = _report_month(request)
    data = report.report_data(month, with_assessment=assessment.may_view(request.user))
    return render(
        request,
        "dashboard/report.html",
        {"form": form, "data": data, "rows": report.summary_rows(data), "reach_rows": report.shown_reach(data)},
        status=400 if form.errors else 200,
    )


def _report_file(request, ext: str, make, content_type: str) -> HttpResponse:
    _form, month = _report_month(request)
    data = report.report_data(month, with_assessment=assessment.may_view(request.user))
    audit.record(
        "export.monthly_report",
        actor=request.user,
        subject=request.user,
        summary=_("Downloaded the monthly report of %(m)s (%(ext)s)") % {"m": f"{month:%Y-%m}", "ext": ext},
        data={"month": f"{month:%Y-%m}", "format": ext, "with_assessment": bool(data.assessment)},
    )
    response = HttpResponse(make(data), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(data, ext)}"'
    return response


@require_safe
@leaders_only
@require_recent_second_factor  # the staff assessment's names
def report_pdf(request: HttpRequest) -> HttpResponse:
    return _report_file(request, "pdf", report.to_pdf, "application/pdf")


@require_safe
@leaders_only
@require_recent_second_factor  # the staff assessment's names
def report_xlsx(request: HttpRequest) -> HttpResponse:
    return _report_file(request, "xlsx", report.to_xlsx, XLSX)


# --- trends ------------------------------------------------------------------------------------------


@require_safe
@leaders_only
def trends_page(request: HttpRequest) -> HttpResponse:
    """The trends of a period; with ?article=<story id>, that article's own day by day too."""
    period, start, end, bad = _period(request)
    status = 400 if bad else 200
    data = trends.trends(start, end)
    one = None
    if request.GET.get("article"):
        raw = request.GET["article"].strip()
        one = trends.article(int(raw), start, end) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
        if one is None:
            messages.error(request, _("There is no story with the number %(n)s.") % {"n": raw[:20]})
            status = 404
        else:
            data["article"] = one["series"]
    return render(request, "dashboard/trends.html", {"period": period, "start": start, "end": end, "data": data, "one": one}, status=status)
