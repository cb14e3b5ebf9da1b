"""Typical cases (先进典型): the staff's list and form under /practice/manage/cases/, the public
list and page under /practice/cases/, and a case's photo. Thin views over cases.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from rongmei.core.forms import call_service
from rongmei.practice import cases, services
from rongmei.practice.forms_cases import CaseForm
from rongmei.practice.models import TypicalCase
from rongmei.practice.views_manage import coordinator_view
from rongmei.practice.views_public import _context

# --- staff -----------------------------------------------------------------------------------------


@coordinator_view
def manage_list(request):
    rows = TypicalCase.objects.select_related("volunteer", "team").order_by("position", "-created_at", "id")[:300]
    return render(request, "practice/manage/cases.html", {"cases": rows})


@coordinator_view
def manage_edit(request, pk: int | None = None):
    case = get_object_or_404(TypicalCase, pk=pk) if pk is not None else None
    form = CaseForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.setdefault("remove_photo", False)
        ok, saved = call_service(form, cases.save_case, actor=request.user, case=case, **data)
        if ok:
            messages.success(
                request,
                _("The typical case is saved.") if saved.published else _("The typical case is saved; it is not shown to the public."),
            )
            return redirect("practice:manage_case", saved.pk)
    return render(
        request,
        "practice/manage/case_form.html",
        {"form": form, "case": case, "story_url": cases.story_url(case) if case else ""},
        status=400 if form.errors else 200,
    )


# --- public ----------------------------------------------------------------------------------------


@require_safe
def public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "practice/public/cases.html", _context(cases=cases.published_cases()))


@require_safe
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = cases.public_case(pk)
    if case is None:
        raise Http404
    return render(request, "practice/public/case.html", _context(case=case))


@require_safe
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A case's photo: public while the case is published; the staff see it always."""
    staff = services.is_coordinator(request.user)
    case = TypicalCase.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if case is None or not case.photo or not (case.published or staff):
        raise Http404
    try:
        handle = case.photo.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600" if case.published else "private, no-store"
    return response
