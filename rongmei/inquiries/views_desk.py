"""The screening desk at /newsroom/wenzheng/: the queue in tabs and one question's page with its actions.

Media-center staff only (``services.is_desk``: editors, column leads, the chief editor, operators,
administrators; reporters are not the desk). Each action is a POST form on the question's page that
calls ONE service function; success redirects back to the page (POST, redirect, GET) with a message,
a refusal shows the page again with the service's message on the form and what was typed kept
(status 400, or the error's own status).
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

from rongmei.core import audit
from rongmei.inquiries import forms, masking, services, workdays
from rongmei.inquiries import selectors_staff as selectors
from rongmei.inquiries.models import Attachment, Extension, Inquiry, Reply, State
from rongmei.inquiries.views_public import attachment_response
from rongmei.newsroom.views._common import forbidden

PAGE_SIZE = 30
NEEDS_INFO_SHOWN = 50


def desk_view(view):
    """Logged-in desk staff only; anyone else logged in reads why (403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.is_desk(request.user):
            return forbidden(request, _("Only the media center's screening desk may open this page."))
        return view(request, *args, **kwargs)

    return wrapper


# --- the queue --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@desk_view
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "screen")
    if tab not in selectors.DESK_TAB_KEYS:
        tab = "screen"
    search_form = forms.QueueSearchForm(request.GET or None)
    search = search_form.cleaned_data.get("q", "") if search_form.is_valid() else ""
    now = timezone.now()
    page = Paginator(selectors.desk_queue(tab, search=search, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.decorate_for_desk(list(page.object_list), now=now)
    needs_info = []
    if tab == "screen" and not search:
        needs_info = selectors.decorate_for_desk(list(selectors.desk_queue("needs_info", now=now)[:NEEDS_INFO_SHOWN]), now=now)
    context = {
        "tab": tab,
        "tabs": selectors.DESK_TABS,
        "counts": selectors.desk_counts(now=now),
        "page": page,
        "rows": rows,
        "needs_info": needs_info,
        "search_form": search_form,
        "search": search,
        "now": now,
        "calendar_warnings": workdays.calendar_warnings(),
        "screen_within": services.conf("SCREEN_WITHIN_DAYS"),
    }
    return render(request, "inquiries/desk/queue.html", context)


# --- one question -------------------------------------------------------------------------------------


def _load(pk: int) -> Inquiry:
    try:
        return selectors.desk_question(pk)
    except Inquiry.DoesNotExist as e:
        raise Http404 from e


def _pending_reply(inquiry: Inquiry) -> Reply | None:
    return next((r for r in reversed(list(inquiry.replies.all())) if r.status == Reply.Status.SUBMITTED), None)


def _pending_extension(inquiry: Inquiry) -> Extension | None:
    return next((e for e in inquiry.extensions.all() if e.status == Extension.Status.PENDING), None)


def _blank_forms(inquiry: Inquiry, similar: list[dict]) -> dict:
    route = (inquiry.suggestions or {}).get("route") or {}
    reply = _pending_reply(inquiry)
    extension = _pending_extension(inquiry)
    return {
        "public": forms.PublicVersionForm(prefix="public", initial={"title": inquiry.public_title, "body": inquiry.public_body}),
        "forward": forms.ForwardForm(
            prefix="forward",
            initial={
                "unit": route.get("unit_id") or inquiry.asked_unit_id or inquiry.lead_unit_id,
                "category": route.get("category_id") or inquiry.category_id or inquiry.asked_category_id,
                "co_units": [u.pk for u in inquiry.co_units.all()],
            },
        ),
        "reject": forms.ReasonForm(prefix="reject"),
        "merge": forms.MergeForm(prefix="merge", similar=similar),
        "helpdesk": forms.NoteForm(prefix="helpdesk"),
        "ask": forms.AskInfoForm(prefix="ask"),
        "extension": forms.ExtensionDecisionForm(prefix="extension", initial={"extension": extension.pk} if extension else None),
        "approve": forms.ApproveReplyForm(
            prefix="approve", initial={"reply": reply.pk, "public_body": reply.public_body or masking.mask(reply.body)} if reply else None
        ),
        "send_back": forms.SendBackForm(prefix="send_back", initial={"reply": reply.pk} if reply else None),
        "close": forms.NoteForm(prefix="close"),
        "hide": forms.ReasonForm(prefix="hide"),
    }


def _call(form, service, /, **kwargs) -> bool:
    return forms.run_service(form, service, **kwargs)[0]


def _bound(request, action: str, form_class, **kwargs):
    form = form_class(request.POST, prefix=action, **kwargs)
    form.is_valid()
    return form


def _act(request: HttpRequest, inquiry: Inquiry, action: str, similar: list[dict]):
    """Run one action; returns (form or None, notice). A form with errors means it was refused."""
    user = request.user
    if action == "screen":
        form = forms.NoteForm(request.POST, prefix="screen")
        form.is_valid()
        return form, _("You are screening this question.") if _call(form, services.start_screening, actor=user, inquiry=inquiry) else ""
    if action == "refresh":
        services.refresh_suggestions(inquiry)
        return None, _("The suggestions were computed again.")
    if action == "public":
        form = _bound(request, action, forms.PublicVersionForm)
        if form.is_valid():
            _call(
                form,
                services.edit_public_version,
                actor=user,
                inquiry=inquiry,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        return form, _("The public version was saved; the original is kept as written.")
    if action == "forward":
        form = _bound(request, action, forms.ForwardForm)
        if form.is_valid():
            data = form.cleaned_data
            _call(
                form,
                services.forward,
                actor=user,
                inquiry=inquiry,
                unit=data["unit"],
                co_units=list(data["co_units"]),
                category=data["category"],
                note=data["note"],
            )
        return form, _("Forwarded; the unit has been told and the deadline runs.")
    if action == "reject":
        form = _bound(request, action, forms.ReasonForm)
        if form.is_valid():
            _call(form, services.reject, actor=user, inquiry=inquiry, reason=form.cleaned_data["reason"])
        return form, _("Not accepted; the citizen reads your reason.")
    if action == "merge":
        form = _bound(request, action, forms.MergeForm, similar=similar)
        if form.is_valid():
            into = None
            if form.cleaned_data["receipt"].strip():
                into = selectors.find_by_receipt(form.cleaned_data["receipt"])
                if into is None:
                    form.add_error("receipt", _("No question has this receipt number."))
            elif form.cleaned_data["into"]:
                into = Inquiry.objects.filter(pk=form.cleaned_data["into"]).first()
            else:
                form.add_error("receipt", _("Choose a similar question or type its receipt number."))
            if into is not None:
                _call(form, services.merge, actor=user, inquiry=inquiry, into=into, note=form.cleaned_data["note"])
        return form, _("Merged; the citizen will hear the answer of the other question.")
    if action == "helpdesk":
        form = _bound(request, action, forms.NoteForm)
        if form.is_valid():
            _call(form, services.hand_to_helpdesk, actor=user, inquiry=inquiry, note=form.cleaned_data["note"])
        return form, _("Handed to 融媒帮: it is a newsroom lead now.")
    if action == "ask":
        form = _bound(request, action, forms.AskInfoForm)
        if form.is_valid():
            _call(form, services.ask_for_info, actor=user, inquiry=inquiry, question=form.cleaned_data["question"])
        return form, _("The citizen has been asked for more information.")
    if action == "extension":
        form = _bound(request, action, forms.ExtensionDecisionForm)
        if form.is_valid():
            extension = inquiry.extensions.filter(pk=form.cleaned_data["extension"]).first()
            if extension is None:
                form.add_error(None, _("This extension request was not found."))
            else:
                grant = form.cleaned_data["decision"] == "grant"
                ok = _call(form, services.decide_extension, actor=user, extension=extension, grant=grant, note=form.cleaned_data["note"])
                return form, (_("Extension granted; the deadline moved.") if grant else _("Extension refused.")) if ok else ""
        return form, ""
    if action in ("approve", "send_back"):
        form = _bound(request, action, forms.ApproveReplyForm if action == "approve" else forms.SendBackForm)
        if form.is_valid():
            reply = inquiry.replies.filter(pk=form.cleaned_data["reply"]).first()
            if reply is None:
                form.add_error(None, _("This reply was not found."))
            elif action == "approve":
                text = form.cleaned_data["public_body"]
                _call(form, services.approve_reply, actor=user, reply=reply, public_body=text if text.strip() else None)
            else:
                _call(form, services.send_back_reply, actor=user, reply=reply, note=form.cleaned_data["note"])
        return form, _("Reply approved; publish it when ready.") if action == "approve" else _("Reply sent back to the unit.")
    if action == "publish":
        form = forms.NoteForm(request.POST, prefix="publish")
        form.is_valid()
        _call(form, services.publish, actor=user, inquiry=inquiry)
        return form, _("The answer is published.")
    if action == "close":
        form = _bound(request, action, forms.NoteForm)
        if form.is_valid():
            _call(form, services.close, actor=user, inquiry=inquiry, note=form.cleaned_data["note"])
        return form, _("Closed.")
    if action in ("hide", "show"):
        form = _bound(request, "hide", forms.ReasonForm)
        if form.is_valid():
            _call(form, services.hide, actor=user, inquiry=inquiry, hidden=action == "hide", reason=form.cleaned_data["reason"])
        return form, _("Hidden from the public.") if action == "hide" else _("Shown to the public again.")
    return None, ""


FORM_OF_ACTION = {"show": "hide", "screen": "screen", "publish": "publish"}


@require_http_methods(["GET", "POST"])
@desk_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = _load(pk)
    similar = selectors.decorate_for_desk([inquiry])[0].open_similar
    action_forms = _blank_forms(inquiry, similar)
    failed, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form, notice = _act(request, inquiry, action, similar)
        if form is None and not notice:
            messages.error(request, _("Unknown action."))
            return redirect(reverse("desk:detail", args=[inquiry.pk]))
        if form is None or not form.errors:
            messages.success(request, notice)
            return redirect(reverse("desk:detail", args=[inquiry.pk]))
        failed = FORM_OF_ACTION.get(action, action)
        action_forms[failed] = form
        status = getattr(form, "error_status", 400)
        inquiry = _load(pk)
        similar = selectors.decorate_for_desk([inquiry])[0].open_similar
    return render(request, "inquiries/desk/detail.html", _detail_context(inquiry, action_forms, failed), status=status)


def _history(inquiry: Inquiry) -> list:
    labels = dict(State.choices)
    lines = list(audit.history(inquiry))
    for line in lines:
        line.from_label, line.to_label = labels.get(line.from_state, line.from_state), labels.get(line.to_state, line.to_state)
    return lines


def _detail_context(inquiry: Inquiry, action_forms: dict, failed: str) -> dict:
    title_runs, public_title_runs = selectors.masked_runs(inquiry.title, inquiry.mask_spans, "title")
    body_runs, public_body_runs = selectors.masked_runs(inquiry.body, inquiry.mask_spans, "body")
    public_edited = (
        "".join(t for t, _k in public_body_runs) != inquiry.public_body or "".join(t for t, _k in public_title_runs) != inquiry.public_title
    )
    replies = list(inquiry.replies.all())
    failed_form = action_forms.get(failed)
    return {
        "q": inquiry,
        "forms": action_forms,
        "failed": failed,
        "failed_errors": failed_form.non_field_errors() if failed_form is not None else [],
        "title_runs": title_runs,
        "body_runs": body_runs,
        "public_title_runs": public_title_runs,
        "public_body_runs": public_body_runs,
        "public_edited": public_edited,
        "spans": [s for s in inquiry.mask_spans or [] if isinstance(s, dict)],
        "replies": replies,
        "pending_reply": _pending_reply(inquiry),
        "pending_extension": _pending_extension(inquiry),
        "extension_room": selectors.extension_room(inquiry),
        "history": _history(inquiry),
        "can_screen": inquiry.state in (State.SUBMITTED, State.SCREENING, State.NEEDS_INFO),
        "can_close": inquiry.state in (State.PUBLISHED, State.RATED),
        "State": State,
        "now": timezone.now(),
    }


@require_safe
@desk_view
def attachment(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    """A file of the question or of a reply, for those who may open the question."""
    inquiry = _load(pk)
    found = get_object_or_404(Attachment, pk=aid, inquiry=inquiry)
    return attachment_response(found, cache_control="private, no-store")
