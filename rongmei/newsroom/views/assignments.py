from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.accounts.models import Role
from rongmei.core import audit
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.newsroom import selectors, services
from rongmei.newsroom.forms import DeclineForm
from rongmei.newsroom.models import Assignment, Story
from rongmei.newsroom.views._common import forbidden, staff_view


def _is_dispatcher(user) -> bool:
    return user.role in (Role.COLUMN_LEAD, Role.CHIEF_EDITOR)


@staff_view
def assignment_list(request):
    """Mine by default; ?all=1 (dispatchers) shows every open assignment with overdue flags."""
    show_all = request.GET.get("all") == "1"
    if show_all and not _is_dispatcher(request.user):
        return forbidden(request, _("Only column leads and the chief editor see every assignment."))
    if show_all:
        rows = selectors.assignments(open_only=request.GET.get("closed") != "1")[:300]
    else:
        rows = selectors.assignments(assignee=request.user)[:300]
    context = {"assignments": rows, "show_all": show_all, "is_dispatcher": _is_dispatcher(request.user), "decline_form": DeclineForm()}
    return render(request, "newsroom/assignment_list.html", context)


@staff_view
def assignment_detail(request, pk):
    return _render_assignment(request, pk)


def _render_assignment(request, pk, decline_form=None, status=200):
    assignment = get_object_or_404(selectors.assignments(), pk=pk)
    if assignment.assignee_id != request.user.pk and not _is_dispatcher(request.user):
        return forbidden(request, _("This assignment is not yours."))
    story = Story.objects.filter(assignment=assignment).first()
    context = {
        "assignment": assignment,
        "story": story,
        "decline_form": decline_form or DeclineForm(),
        "history": audit.history(assignment),
        "can_answer": assignment.assignee_id == request.user.pk and assignment.status == Assignment.Status.OFFERED,
    }
    return render(request, "newsroom/assignment_detail.html", context, status=status)


@require_POST
@staff_view
def assignment_accept(request, pk):
    assignment = get_object_or_404(Assignment, pk=pk)
    ok, _result = call_service_or_message(request, services.accept_assignment, actor=request.user, assignment=assignment)
    if not ok:
        return redirect("newsroom:assignment", pk=pk)
    story = Story.objects.get(assignment=assignment)
    messages.success(request, _("Accepted. Your story is ready to write."))
    return redirect("newsroom:story_edit", pk=story.pk)


@require_POST
@staff_view
def assignment_decline(request, pk):
    assignment = get_object_or_404(Assignment, pk=pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        ok, _result = call_service(
            form, services.decline_assignment, actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
        )
        if ok:
            messages.success(request, _("Assignment declined."))
            return redirect("newsroom:assignments")
    return _render_assignment(request, pk, decline_form=form, status=400)


@staff_view
def dispatch(request):
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    rows = selectors.dispatch_board(day)
    context = {
        "day": day,
        "rows": rows,
        "busy": [r for r in rows if r["busy"]],
        "free": [r for r in rows if not r["busy"]],
        "prev": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
    }
    return render(request, "newsroom/dispatch.html", context)
