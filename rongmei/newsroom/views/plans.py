from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.core import audit
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import selectors, services
from rongmei.newsroom.forms import CoverageForm, DispatchForm, NoteForm, PlanFilterForm, PlanForm, RejectForm
from rongmei.newsroom.models import Coverage, Plan
from rongmei.newsroom.services._util import EARLIEST_YEAR, LATEST_YEAR
from rongmei.newsroom.views._common import fetch_or_404, staff_view


@staff_view
def plan_list(request):
    filters = PlanFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    plans = selectors.plans(status=params.get("status") or None, team=params.get("team"))[:200]
    return render(request, "newsroom/plan_list.html", {"filters": filters, "plans": plans})


def _done(request, plan, message):
    messages.success(request, message)
    return redirect("newsroom:plan", pk=plan.pk)


@staff_view
def plan_create(request):
    initial = {"planned_date": timezone.localdate(), "team": request.user.teams.first()}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, plan = call_service(form, services.propose_plan, actor=request.user, **form.plan_fields())
        if ok:
            return _done(request, plan, _("Plan proposed."))
    return render(request, "newsroom/plan_form.html", {"form": form})


def _render_detail(request, plan, *, status=200, reject_form=None, coverage_form=None, dispatch_forms=None):
    user = request.user
    can_dispatch = plan.status == Plan.Status.APPROVED and perms.can_dispatch(user, plan.team)
    board = selectors.dispatch_board() if can_dispatch else []
    people = list(DispatchForm.assignable()) if can_dispatch else []  # once, not once per coverage's form
    dispatch_forms = dispatch_forms or {}
    coverages = list(plan.coverages.all())
    for coverage in coverages:
        coverage.dispatch_form = dispatch_forms.get(coverage.pk) or DispatchForm(
            board=board, people=people, prefix=f"c{coverage.pk}", initial={"deadline": timezone.localtime(coverage.deadline)}
        )
    context = {
        "plan": plan,
        "coverages": coverages,
        "history": audit.history(plan),
        "can_decide": plan.status == Plan.Status.PROPOSED and perms.can_decide_plan(user, plan),
        "can_add_coverage": plan.status != Plan.Status.REJECTED and (plan.proposed_by_id == user.pk or perms.leads_team(user, plan.team)),
        "can_dispatch": can_dispatch,
        "approve_form": NoteForm(prefix="approve"),
        "reject_form": reject_form or RejectForm(prefix="reject"),
        "coverage_form": coverage_form or CoverageForm(prefix="coverage"),
        "deliverables": _deliverables(user, plan=plan),
    }
    return render(request, "newsroom/plan_detail.html", context, status=status)


def _deliverables(user, **target):
    """The operations projects this is a deliverable of (no money: business.selectors)."""
    from rongmei.business.selectors import deliverable_notice

    return deliverable_notice(actor=user, **target)


@staff_view
def plan_detail(request, pk):
    return _render_detail(request, fetch_or_404(selectors.plan_detail, pk))


@require_POST
@staff_view
def plan_approve(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    form = NoteForm(request.POST, prefix="approve")
    note = form.cleaned_data["note"] if form.is_valid() else ""
    ok, _result = call_service_or_message(request, services.approve_plan, actor=request.user, plan=plan, note=note)
    if ok:
        return _done(request, plan, _("Plan approved."))
    return redirect("newsroom:plan", pk=plan.pk)


@require_POST
@staff_view
def plan_reject(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    form = RejectForm(request.POST, prefix="reject")
    if form.is_valid():
        ok, _result = call_service(form, services.reject_plan, actor=request.user, plan=plan, note=form.cleaned_data["note"])
        if ok:
            return _done(request, plan, _("Plan rejected."))
    return _render_detail(request, selectors.plan_detail(pk), reject_form=form, status=400)


@require_POST
@staff_view
def plan_add_coverage(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    form = CoverageForm(request.POST, prefix="coverage")
    if form.is_valid():
        data = form.cleaned_data
        ok, _result = call_service(
            form, services.add_coverage, actor=request.user, plan=plan, kind=data["kind"], deadline=data["deadline"], note=data["note"]
        )
        if ok:
            return _done(request, plan, _("Coverage added."))
    return _render_detail(request, selectors.plan_detail(pk), coverage_form=form, status=400)


@require_POST
@staff_view
def coverage_dispatch(request, pk, coverage_pk):
    coverage = get_object_or_404(Coverage.objects.select_related("plan"), pk=coverage_pk, plan_id=pk)
    form = DispatchForm(request.POST, prefix=f"c{coverage.pk}", board=selectors.dispatch_board())
    if form.is_valid():
        data = form.cleaned_data
        ok, _result = call_service(
            form,
            services.assign,
            actor=request.user,
            coverage=coverage,
            assignee=data["assignee"],
            deadline=data["deadline"],
            note=data["note"],
        )
        if ok:
            return _done(request, coverage.plan, _("Dispatched %(name)s.") % {"name": data["assignee"].display_name})
    return _render_detail(request, selectors.plan_detail(pk), dispatch_forms={coverage.pk: form}, status=400)


CALENDAR_YEARS = (EARLIEST_YEAR, LATEST_YEAR)


@staff_view
def calendar(request):
    import datetime as dt

    view = "day" if request.GET.get("view") == "day" else "week"
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = today
    if not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
        # The service accepts plans only in these years; outside them the week arithmetic would overflow.
        messages.warning(
            request, _("The calendar shows the years %(a)s to %(b)s; showing today.") % {"a": CALENDAR_YEARS[0], "b": CALENDAR_YEARS[1]}
        )
        day = today
    if view == "day":
        start, days, step = day, 1, dt.timedelta(days=1)
    else:
        start, days, step = day - dt.timedelta(days=day.weekday()), 7, dt.timedelta(days=7)
    grid = selectors.calendar(start, days)
    context = {
        "view": view,
        "start": start,
        "end": start + dt.timedelta(days=days - 1),
        "prev": start - step,
        "next": start + step,
        "today": today,
        "grid": sorted(grid.items()),
    }
    return render(request, "newsroom/calendar.html", context)
