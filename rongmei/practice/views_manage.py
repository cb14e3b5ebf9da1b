"""The practice center's staff pages under /practice/manage/: requests waiting for dispatch,
each request's timeline with dispatch and cancel, activities (plan, publish, finish, ask the
newsroom for coverage, the check-in QR code to print), and the statistics by town and month
with their Excel export. Thin views over services.py, coverage.py and stats.py."""

from __future__ import annotations

from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.core.exceptions import NotAllowed
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.newsroom.views._common import forbidden
from rongmei.practice import coverage, photos, services, stats
from rongmei.practice.forms_manage import ActivityForm, CancelForm, DispatchForm, YearForm
from rongmei.practice.models import Activity, ServiceRequest, SignUp

State = ServiceRequest.State


def coordinator_view(view):
    """Logged-in practice center staff only (operators, administrators, the chief editor); a
    service's NotAllowed becomes the 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.is_coordinator(request.user):
            return forbidden(request, _("Only the practice center's staff may open this page."))
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as e:
            return forbidden(request, e.message)

    return wrapper


# --- home ----------------------------------------------------------------------------------------


@coordinator_view
def home(request):
    now = timezone.now()
    waiting = list(
        ServiceRequest.objects.filter(state=State.REQUESTED).select_related("resident", "place__parent").order_by("created_at")[:200]
    )
    for service in waiting:
        service.age = now - service.created_at
    untaken = ServiceRequest.objects.filter(state=State.DISPATCHED).select_related("team").order_by("dispatched_at")[:100]
    upcoming = (
        Activity.objects.filter(ends_at__gte=now, state__in=(Activity.State.DRAFT, Activity.State.PUBLISHED))
        .select_related("site", "team")
        .order_by("starts_at")[:50]
    )
    return render(request, "practice/manage/home.html", {"waiting": waiting, "untaken": untaken, "upcoming": upcoming})


# --- service requests ------------------------------------------------------------------------------


def _steps(service: ServiceRequest) -> list[tuple[str, object]]:
    steps = [
        (_("Requested"), service.created_at),
        (_("Dispatched"), service.dispatched_at),
        (_("Taken"), service.taken_at),
        (_("Service started"), service.started_at),
        (_("Service finished"), service.finished_at),
        (_("Rated"), service.rated_at),
    ]
    return steps


def _request_page(request, service: ServiceRequest, *, status: int = 200, **bound):
    context = {
        "service": service,
        "steps": _steps(service),
        "can_dispatch": service.state in (State.REQUESTED, State.DISPATCHED),
        "can_cancel": service.state in (State.REQUESTED, State.DISPATCHED, State.TAKEN),
        "dispatch_form": DispatchForm(initial={"team": service.team_id}),
        "cancel_form": CancelForm(),
        **bound,
    }
    return render(request, "practice/manage/request.html", context, status=status)


def _service(pk: int) -> ServiceRequest:
    return get_object_or_404(
        ServiceRequest.objects.select_related("resident", "place__parent", "team__site", "volunteer", "dispatched_by"), pk=pk
    )


@coordinator_view
def request_detail(request, pk: int):
    return _request_page(request, _service(pk))


@coordinator_view
@require_POST
def request_dispatch(request, pk: int):
    service = _service(pk)
    form = DispatchForm(request.POST)
    if form.is_valid():
        ok, done = call_service(form, services.dispatch, actor=request.user, service=service, team=form.cleaned_data["team"])
        if ok:
            messages.success(request, _("Dispatched to %(t)s.") % {"t": done.team.name})
            return redirect("practice:manage_request", service.pk)
    return _request_page(request, service, status=400, dispatch_form=form)


@coordinator_view
@require_POST
def request_cancel(request, pk: int):
    service = _service(pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        ok, _s = call_service(form, services.cancel_request, actor=request.user, service=service, reason=form.cleaned_data["reason"])
        if ok:
            messages.success(request, _("The request was cancelled."))
            return redirect("practice:manage_request", service.pk)
    return _request_page(request, service, status=400, cancel_form=form)


# --- activities ------------------------------------------------------------------------------------


@coordinator_view
def activity_list(request):
    activities = Activity.objects.select_related("site", "team").order_by("-starts_at")[:300]
    return render(request, "practice/manage/activities.html", {"activities": activities})


@coordinator_view
def activity_new(request):
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, activity = call_service(form, services.create_activity, actor=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("Activity planned. Publish it to open sign-up."))
            return redirect("practice:manage_activity", activity.pk)
    return render(request, "practice/manage/activity_form.html", {"form": form}, status=400 if form.errors else 200)


def checkin_url(request, activity: Activity) -> str:
    """The absolute address of the public check-in page the QR code holds."""
    return request.build_absolute_uri(reverse("practice:checkin", args=[activity.checkin_token]))


def checkin_qr_svg(url: str, *, scale: int = 6) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff", title=url)


def _activity(pk: int) -> Activity:
    return get_object_or_404(Activity.objects.select_related("site", "team", "coverage_lead", "created_by"), pk=pk)


@coordinator_view
def activity_detail(request, pk: int):
    activity = _activity(pk)
    url = checkin_url(request, activity)
    signups = activity.signups.select_related("volunteer").order_by("state", "created_at", "id")
    counts = {state: 0 for state in SignUp.State.values}
    for signup in signups:
        counts[signup.state] += 1
    now = timezone.now()
    return render(
        request,
        "practice/manage/activity.html",
        {
            "activity": activity,
            "signups": signups,
            "registered": counts[SignUp.State.REGISTERED],
            "waiting": counts[SignUp.State.WAITING],
            "checkin_url": url,
            "qr_svg": mark_safe(checkin_qr_svg(url, scale=4)),  # noqa: S308 - segno's own SVG of our URL
            "can_publish": activity.state == Activity.State.DRAFT,
            "can_finish": activity.state == Activity.State.PUBLISHED and now >= activity.ends_at,
            "can_request_coverage": activity.coverage_lead_id is None and activity.state != Activity.State.CANCELLED,
            "photos": photos.activity_photos(activity),
        },
    )


@coordinator_view
def activity_qr(request, pk: int):
    """A page with the check-in QR code alone, large, to print and put up at the activity."""
    activity = _activity(pk)
    url = checkin_url(request, activity)
    return render(
        request,
        "practice/manage/activity_qr.html",
        {"activity": activity, "checkin_url": url, "qr_svg": mark_safe(checkin_qr_svg(url, scale=10))},  # noqa: S308
    )


def _activity_action(request, pk: int, service, done: str):
    activity = get_object_or_404(Activity, pk=pk)
    ok, _a = call_service_or_message(request, service, actor=request.user, activity=activity)
    if ok:
        messages.success(request, done)
    return redirect("practice:manage_activity", activity.pk)


@coordinator_view
@require_POST
def activity_publish(request, pk: int):
    return _activity_action(request, pk, services.publish_activity, _("The activity is open for sign-up."))


@coordinator_view
@require_POST
def activity_finish(request, pk: int):
    return _activity_action(request, pk, services.finish_activity, _("The activity is finished; hours were credited."))


@coordinator_view
@require_POST
def activity_coverage(request, pk: int):
    return _activity_action(request, pk, coverage.request_coverage, _("Coverage requested: the newsroom has a new lead."))


# --- statistics ------------------------------------------------------------------------------------


@coordinator_view
def stats_page(request):
    form = YearForm(request.GET or None)
    year = form.year_or_current()
    table = stats.by_town_and_month(year)
    return render(
        request,
        "practice/manage/stats.html",
        {
            "form": form,
            "year": year,
            "table": table,
            "columns": stats.columns(),
            "previous": year - 1,
            "next": year + 1,
        },
    )


@coordinator_view
def stats_export(request):
    year = YearForm(request.GET or None).year_or_current()
    response = HttpResponse(stats.stats_workbook(year), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="practice-{year}.xlsx"'
    return response
