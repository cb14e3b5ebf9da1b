from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.core import audit
from rongmei.core.forms import call_service
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import selectors, services
from rongmei.newsroom.forms import DiscardForm, LeadFilterForm, LeadForm, PlanForm
from rongmei.newsroom.models import Lead, LeadAttachment
from rongmei.newsroom.views._common import fetch_or_404, staff_view


@staff_view
def lead_list(request):
    filters = LeadFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.leads(status=params.get("status") or None, team=params.get("team"), query=params.get("q") or "").order_by(
        "-created_at", "-id"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "newsroom/lead_list.html", {"filters": filters, "page": page, "leads": page.object_list})


@staff_view
def lead_create(request):
    form = LeadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, lead = call_service(
            form,
            services.create_lead,
            actor=request.user,
            title=data["title"],
            description=data["description"],
            source=data["source"],
            source_contact=data["source_contact"],
            place=data["place"],
            team=data["team"],
            attachments=data["attachments"],
        )
        if ok:
            messages.success(request, _("Lead filed."))
            return redirect("newsroom:lead", pk=lead.pk)
    return render(request, "newsroom/lead_form.html", {"form": form})


def _plan_initial(lead: Lead) -> dict:
    return {"team": lead.team, "planned_date": timezone.localdate(), "title": lead.title, "summary": lead.description}


def _render_detail(request, lead, *, plan_form=None, discard_form=None, status=200):
    user = request.user
    context = {
        "lead": lead,
        "similar": selectors.similar_leads(lead),
        "history": audit.history(lead),
        "plan_form": plan_form or PlanForm(initial=_plan_initial(lead), prefix="plan"),
        "discard_form": discard_form or DiscardForm(prefix="discard"),
        "can_plan": lead.status == Lead.Status.NEW and perms.is_newsroom(user),
        "can_discard": lead.status == Lead.Status.NEW and perms.can_discard_lead(user, lead),
    }
    return render(request, "newsroom/lead_detail.html", context, status=status)


@staff_view
def lead_detail(request, pk):
    return _render_detail(request, fetch_or_404(selectors.lead_detail, pk))


@require_POST
@staff_view
def lead_plan(request, pk):
    lead = get_object_or_404(Lead, pk=pk)
    form = PlanForm(request.POST, prefix="plan")
    if form.is_valid():
        ok, plan = call_service(form, services.plan_from_lead, actor=request.user, lead=lead, **form.plan_fields())
        if ok:
            messages.success(request, _("The lead is now a proposed plan."))
            return redirect("newsroom:plan", pk=plan.pk)
    return _render_detail(request, selectors.lead_detail(pk), plan_form=form, status=400)


@require_POST
@staff_view
def lead_discard(request, pk):
    lead = get_object_or_404(Lead, pk=pk)
    form = DiscardForm(request.POST, prefix="discard")
    if form.is_valid():
        ok, _result = call_service(form, services.discard_lead, actor=request.user, lead=lead, reason=form.cleaned_data["reason"])
        if ok:
            messages.success(request, _("Lead discarded."))
            return redirect("newsroom:lead", pk=lead.pk)
    return _render_detail(request, selectors.lead_detail(pk), discard_form=form, status=400)


@staff_view
def lead_attachment(request, pk, aid):
    """Download an attachment of a lead: newsroom staff only (uploads are not checked, so /media/
    is never served publicly), always as a download and never sniffed into something a browser runs."""
    attachment = get_object_or_404(LeadAttachment, pk=aid, lead_id=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as e:
        raise Http404 from e
    response = FileResponse(handle, as_attachment=True, filename=attachment.name or "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    return response
