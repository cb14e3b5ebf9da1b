"""The units portal at /units/: a unit's inbox and one question's page with the unit's actions.

Unit staff only (``services.is_unit_staff``); they see the questions of their own units, those
they lead and, read-only and marked 协办, those they help with as a co-unit. A question of another
unit is a 404. Desk staff are sent to the desk; anyone else logged in reads why (403); the anonymous
go to the login page. Each action is a POST form calling ONE service.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from rongmei.core import notify as core_notify
from rongmei.inquiries import forms, services, workdays
from rongmei.inquiries import selectors_staff as selectors
from rongmei.inquiries.models import WITH_UNIT, Attachment, Extension, Inquiry, Message, Reply, State
from rongmei.inquiries.views_public import attachment_response
from rongmei.newsroom.views._common import forbidden

PAGE_SIZE = 30


def unit_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if services.is_desk(user):
            return redirect("desk:detail", kwargs["pk"]) if "pk" in kwargs else redirect("desk:queue")
        if not services.is_unit_staff(user):
            return forbidden(request, _("Only the staff of government units may open the units portal."))
        unit_ids = [u.pk for u in services.units_of(user)]
        if not unit_ids:
            return forbidden(request, _("Your account belongs to no unit yet. Ask the media center to add you to your unit."))
        request.unit_ids = unit_ids
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@unit_view
def inbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "read_notices":
            core_notify.mark_read(request.user, ids=[int(v) for v in request.POST.getlist("ids") if v.isdigit()][:100] or None)
        return redirect(request.get_full_path())
    tab = request.GET.get("tab", "new")
    if tab not in selectors.UNIT_TAB_KEYS:
        tab = "new"
    now = timezone.now()
    unit_ids = request.unit_ids
    page = Paginator(selectors.unit_inbox(unit_ids, tab, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.decorate_for_unit(list(page.object_list), unit_ids, now=now)
    context = {
        "tab": tab,
        "tabs": selectors.UNIT_TABS,
        "counts": selectors.unit_counts(unit_ids, now=now),
        "page": page,
        "rows": rows,
        "units": services.units_of(request.user),
        "notices": selectors.unread_notices(request.user),
        "now": now,
        "calendar_warnings": workdays.calendar_warnings(),
    }
    return render(request, "inquiries/units/inbox.html", context)


def _load(pk: int, unit_ids: list[int]) -> Inquiry:
    try:
        inquiry = selectors.unit_question(pk, unit_ids)
    except Inquiry.DoesNotExist as e:
        raise Http404 from e
    selectors.decorate_for_unit([inquiry], unit_ids)
    return inquiry


def _blank_forms() -> dict:
    return {
        "return": forms.ReasonForm(prefix="return"),
        "extension": forms.ExtensionRequestForm(prefix="extension"),
        "reply": forms.ReplyForm(prefix="reply"),
        "follow_up": forms.FollowUpAnswerForm(prefix="follow_up"),
    }


_call = forms.run_service


def _act(request: HttpRequest, inquiry: Inquiry, action: str):
    user = request.user
    if action == "accept":
        form = forms.NoteForm(request.POST, prefix="accept")
        form.is_valid()
        _call(form, services.accept, actor=user, inquiry=inquiry)
        return form, _("Accepted: the question is yours to answer by the deadline.")
    if action == "return":
        form = forms.ReasonForm(request.POST, prefix="return")
        if form.is_valid():
            _call(form, services.return_to_desk, actor=user, inquiry=inquiry, reason=form.cleaned_data["reason"])
        return form, _("Returned to the media center with your reason.")
    if action == "extension":
        form = forms.ExtensionRequestForm(request.POST, prefix="extension")
        if form.is_valid():
            _call(
                form,
                services.request_extension,
                actor=user,
                inquiry=inquiry,
                days=form.cleaned_data["days"],
                reason=form.cleaned_data["reason"],
            )
        return form, _("Your request for more time went to the media center.")
    if action == "reply":
        form = forms.ReplyForm(request.POST, prefix="reply")
        if form.is_valid():
            ok, reply = _call(
                form,
                services.submit_reply,
                actor=user,
                inquiry=inquiry,
                body=form.cleaned_data["body"],
                uploads=request.FILES.getlist("reply-files"),
            )
            if ok:
                form.reply = reply
            elif request.FILES:
                form.add_error(None, _("Choose the files again: a browser cannot keep them when the page comes back."))
        return form, _("Your reply went to the media center, which checks it before it is published.")
    if action == "follow_up":
        form = forms.FollowUpAnswerForm(request.POST, prefix="follow_up")
        if form.is_valid():
            message = inquiry.messages.filter(pk=form.cleaned_data["message"], kind=Message.Kind.FOLLOW_UP).first()
            if message is None:
                form.add_error(None, _("This follow-up question was not found."))
            else:
                _call(form, services.answer_follow_up, actor=user, message=message, text=form.cleaned_data["text"])
        return form, _("Your answer went to the citizen.")
    return None, ""


@require_http_methods(["GET", "POST"])
@unit_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = _load(pk, request.unit_ids)
    action_forms = _blank_forms()
    failed, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form, notice = _act(request, inquiry, action)
        if form is None:
            messages.error(request, _("Unknown action."))
            return redirect(reverse("units:detail", args=[inquiry.pk]))
        if not form.errors:
            messages.success(request, notice)
            if action == "return":  # no longer this unit's question
                return redirect("units:inbox")
            return redirect(reverse("units:detail", args=[inquiry.pk]))
        failed, status = action, getattr(form, "error_status", 400)
        action_forms[action] = form
        inquiry = _load(pk, request.unit_ids)
    return render(request, "inquiries/units/detail.html", _context(request, inquiry, action_forms, failed), status=status)


def _context(request, inquiry: Inquiry, action_forms: dict, failed: str) -> dict:
    leads = not inquiry.is_co
    replies = list(inquiry.replies.all())
    extensions = list(inquiry.extensions.all())
    pending_extension = next((e for e in extensions if e.status == Extension.Status.PENDING), None)
    granted_since_forward = any(
        e.status == Extension.Status.GRANTED and e.created_at >= (inquiry.forwarded_at or inquiry.submitted_at) for e in extensions
    )
    room = selectors.extension_room(inquiry)
    with_unit = inquiry.state in WITH_UNIT
    failed_form = action_forms.get(failed)
    return {
        "q": inquiry,
        "forms": action_forms,
        "failed": failed,
        "failed_errors": failed_form.non_field_errors() if failed_form is not None else [],
        "leads": leads,
        "sees_original": services.sees_original(request.user, inquiry),
        "replies": replies,
        "sent_back": [r for r in replies if r.status == Reply.Status.SENT_BACK],
        "extensions": extensions,
        "pending_extension": pending_extension,
        "extension_room": room,
        "may_accept": leads and inquiry.state == State.FORWARDED,
        "may_return": leads and with_unit,
        "may_extend": leads and with_unit and room >= 1 and pending_extension is None and not granted_since_forward,
        "may_reply": leads and with_unit,
        "open_follow_ups": [m for m in inquiry.messages.all() if m.kind == Message.Kind.FOLLOW_UP and not m.answered] if leads else [],
        "public_events": [e for e in inquiry.events.all()],
        "now": timezone.now(),
    }


@require_safe
@unit_view
def attachment(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    """A file of the question or of a reply, for those who may open the question."""
    inquiry = _load(pk, request.unit_ids)
    found = get_object_or_404(Attachment, pk=aid, inquiry=inquiry)
    return attachment_response(found, cache_control="private, no-store")
