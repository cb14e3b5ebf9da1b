"""The advertising pages under /ops/ads/ (namespace ``ops``): the campaign list, a campaign with its
creatives, the review box and the buttons of its state, and the report (page, PDF, Excel). Open to
operations staff, administrators and the chief editor; what each may do is the services' call
(rongmei.advertising.services), whose NotAllowed becomes the 403 page. Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rongmei.advertising import forms, report, selectors, services
from rongmei.advertising.models import Campaign, Creative
from rongmei.business import permissions
from rongmei.core import audit
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.newsroom.views._common import guarded

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


reader_view = guarded(permissions.may_read, lambda: _("Only operations staff and the chief editor may see this."))
manager_view = guarded(permissions.may_manage, lambda: _("Only operations staff may do this."))


def _campaign_or_404(request, pk: int) -> Campaign:
    try:
        return selectors.campaign(actor=request.user, pk=pk)
    except Campaign.DoesNotExist:
        raise Http404 from None


# --- the list and the campaign's form ----------------------------------------------------------------------


@require_safe
@reader_view
def campaigns(request):
    filters = forms.FilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.campaigns(actor=request.user, state=params.get("state") or None, client=params.get("client"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "advertising/campaigns.html",
        {"filters": filters, "page": page, "now": timezone.now(), "may_manage": permissions.may_manage(request.user)},
    )


def _save_campaign(request, campaign: Campaign | None):
    form = forms.CampaignForm(request.POST) if request.method == "POST" else None
    if form is None:
        form = forms.CampaignForm.for_campaign(campaign) if campaign else forms.CampaignForm()
    elif form.is_valid():
        fields = {name: form.cleaned_data[name] for name in forms.CAMPAIGN_FIELDS}
        if campaign is None:
            ok, saved = call_service(form, services.create_campaign, actor=request.user, **fields)
        else:
            ok, saved = call_service(form, services.update_campaign, actor=request.user, campaign=campaign, **fields)
        if ok:
            messages.success(request, _("Saved."))
            return redirect("ops:campaign", saved.pk)
    return render(
        request,
        "advertising/campaign_form.html",
        {"form": form, "campaign": campaign},
        status=400 if form.is_bound else 200,
    )


@manager_view
def campaign_new(request):
    return _save_campaign(request, None)


@manager_view
def campaign_edit(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    if campaign.state != Campaign.State.DRAFT:
        messages.error(request, _("The campaign changes only as a draft (send it back to draft first)."))
        return redirect("ops:campaign", campaign.pk)
    return _save_campaign(request, campaign)


# --- the campaign's page --------------------------------------------------------------------------------


def _campaign_page(request, campaign: Campaign, *, status: int = 200, **bound):
    """The campaign's page; ``bound`` holds a form that failed, shown with what was typed."""
    actions = services.actions_for(request.user, campaign)
    hits = selectors.hits_by_creative(campaign)
    from rongmei.media import selectors as media

    creatives = [(c, media.thumbnail(c.asset), hits.get(c.pk, [])) for c in campaign.creatives.all()]
    context = {
        "campaign": campaign,
        "creatives": creatives,
        "name_hits": hits.get(None, []),
        "actions": actions,
        "running": campaign.is_running(),
        "columns": list(campaign.columns.all()),
        "history": selectors.history(campaign),
        "images": selectors.recent_images(actor=request.user) if "creatives" in actions else [],
        "creative_form": forms.CreativeForm(),
        "approve_form": forms.ApproveForm(),
        "reason_form": forms.ReasonForm(),
        "note_form": forms.NoteForm(),
        **bound,
    }
    return render(request, "advertising/campaign.html", context, status=status)


@require_safe
@reader_view
def campaign_detail(request, pk: int):
    return _campaign_page(request, _campaign_or_404(request, pk))


def _form_action(request, pk: int, *, form_class, name: str, service, done: str, **extra):
    """A form of the campaign's page: the service with what was typed, then the page again; a
    refusal shows the page with the form and its input kept (status 400)."""
    campaign = _campaign_or_404(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        ok, _result = call_service(form, service, actor=request.user, campaign=campaign, **form.cleaned_data, **extra)
        if ok:
            messages.success(request, done)
            return redirect("ops:campaign", campaign.pk)
    return _campaign_page(request, _campaign_or_404(request, pk), status=400, **{name: form})


def _button(request, pk: int, service, done: str):
    campaign = get_object_or_404(Campaign, pk=pk)
    ok, _result = call_service_or_message(request, service, actor=request.user, campaign=campaign)
    if ok:
        messages.success(request, done)
    return redirect("ops:campaign", campaign.pk)


@require_POST
@manager_view
def creative_add(request, pk: int):
    """A library picture (services.add_creative) or the client's file (services.add_creative_upload)."""
    campaign = _campaign_or_404(request, pk)
    form = forms.CreativeForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        fields = {"actor": request.user, "campaign": campaign, "link": data["link"], "alt_text": data["alt_text"]}
        if data["file"] is not None:
            ok, _result = call_service(form, services.add_creative_upload, uploaded=data["file"], **fields)
            done = _("Creative added. The picture's renditions are being made.")
        else:
            ok, _result = call_service(form, services.add_creative, asset=data["asset"], **fields)
            done = _("Creative added.")
        if ok:
            messages.success(request, done)
            return redirect("ops:campaign", campaign.pk)
    return _campaign_page(request, _campaign_or_404(request, pk), status=400, creative_form=form)


@require_POST
@manager_view
def creative_remove(request, pk: int, cid: int):
    creative = get_object_or_404(Creative, pk=cid, campaign_id=pk)
    ok, _result = call_service_or_message(request, services.remove_creative, actor=request.user, creative=creative)
    if ok:
        messages.success(request, _("Creative removed."))
    return redirect("ops:campaign", pk)


@require_POST
@manager_view
def campaign_submit(request, pk: int):
    return _button(request, pk, services.submit_for_review, _("Sent to review."))


@require_POST
@reader_view
def campaign_approve(request, pk: int):
    return _form_action(request, pk, form_class=forms.ApproveForm, name="approve_form", service=services.approve, done=_("Approved."))


@require_POST
@reader_view
def campaign_send_back(request, pk: int):
    return _form_action(
        request, pk, form_class=forms.ReasonForm, name="reason_form", service=services.send_back, done=_("Sent back to draft.")
    )


@require_POST
@reader_view
def campaign_pause(request, pk: int):
    return _form_action(request, pk, form_class=forms.NoteForm, name="note_form", service=services.pause, done=_("Paused."))


@require_POST
@reader_view  # the chief editor lifts a pause of the chief editor's (services.may_resume decides)
def campaign_resume(request, pk: int):
    return _button(request, pk, services.resume, _("Resumed."))


@require_POST
@reader_view
def campaign_end(request, pk: int):
    return _form_action(request, pk, form_class=forms.NoteForm, name="note_form", service=services.end, done=_("Ended."))


@require_safe
@reader_view
def campaign_picture(request, asset_pk: int):
    """The thumbnail of a media-library picture, for the campaign pages (operations staff cannot
    open the newsroom's media library, whose file view this mirrors)."""
    from rongmei.media import selectors as media
    from rongmei.media.views import serve_file

    thumb = selectors.image_thumbnail(asset_pk)
    found = media.rendition_file(asset_pk, thumb.rel_path) if thumb is not None and thumb.rel_path else None
    if found is None:
        raise Http404
    return serve_file(found)


# --- the report -----------------------------------------------------------------------------------------


@require_safe
@reader_view
def campaign_report(request, pk: int):
    campaign = _campaign_or_404(request, pk)
    data = report.report_data(campaign)
    return render(request, "advertising/report.html", {"data": data, "facts": report.facts(data), "totals": report.total_rows(data)})


def _report_file(request, pk: int, ext: str, make, content_type: str) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    data = report.report_data(campaign)
    audit.record(
        "export.campaign_report",
        actor=request.user,
        subject=campaign,
        summary=_("Downloaded the report of campaign %(n)s (%(ext)s)") % {"n": campaign.name, "ext": ext},
        data={"format": ext},
    )
    response = HttpResponse(make(data), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(data, ext)}"'
    return response


@require_safe
@reader_view
def campaign_report_pdf(request, pk: int):
    return _report_file(request, pk, "pdf", report.to_pdf, "application/pdf")


@require_safe
@reader_view
def campaign_report_xlsx(request, pk: int):
    return _report_file(request, pk, "xlsx", report.to_xlsx, XLSX)
