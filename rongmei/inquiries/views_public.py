"""The citizens' pages of 问政 at /wenzheng/: the published questions and answers (search, filters,
最新 / 热门), the overdue list (督办), asking a question (an app user logged in with an SMS code: the
phone verified by the code is the login), the receipt with its query code, one question (what the
reader may see, and the author's actions: rate, reopen, 追问, more information; 关注 for anyone
logged in), finding a question by receipt number and query code, and "my questions".

Every change goes through rongmei.inquiries.services; the reads through selectors. Pages that
depend on the reader are never cached; the list pages are the same for everybody."""

from __future__ import annotations

import mimetypes

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from rongmei.core.exceptions import DomainError
from rongmei.core.middleware import request_ip
from rongmei.core.storage import stored_file_response
from rongmei.fans.auth import current_fan
from rongmei.inquiries import selectors, services
from rongmei.inquiries.models import WITH_UNIT, Kind, Rating, State
from rongmei.portal import pages

PAGE_SIZE = 20
MINE_LIMIT = 200
UNLOCKED_KEY = "wenzheng_unlocked"  # receipts whose query code this browser gave (the lookup page)
UNLOCKED_MAX = 20


def _context(**extra) -> dict:
    return {"columns": pages.columns(), **extra}


def _login_redirect(request: HttpRequest, path: str | None = None) -> HttpResponse:
    return redirect(f"{reverse('fans:login')}?{urlencode({'next': path or request.get_full_path()})}")


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _unlocked(request: HttpRequest, receipt: str) -> bool:
    return receipt in request.session.get(UNLOCKED_KEY, [])


def _unlock(request: HttpRequest, receipt: str) -> None:
    kept = [r for r in request.session.get(UNLOCKED_KEY, []) if r != receipt]
    request.session[UNLOCKED_KEY] = [*kept[-(UNLOCKED_MAX - 1) :], receipt]


# --- the published questions ---------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Published questions and answers, newest answer first (最新) or most followed (热门), with filters and search."""
    opts = selectors.options()
    kind = request.GET.get("kind") or ""
    kind = kind if kind in Kind.values else ""
    unit_id = _int_or_none(request.GET.get("unit"))
    category_id = _int_or_none(request.GET.get("category"))
    town = selectors.clean_query(request.GET.get("town"))
    q = selectors.clean_query(request.GET.get("q"))
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "new"
    found = selectors.published(kind=kind, location=town, unit_id=unit_id, category_id=category_id, q=q, sort=sort)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"kind": kind, "unit": unit_id or "", "category": category_id or "", "town": town, "q": q}
    query = urlencode({k: v for k, v in filters.items() if v})
    context = _context(
        page=page,
        sort=sort,
        kinds=opts["kinds"],
        units=opts["units"],
        categories=opts["categories"],
        filters=filters,
        query=query,
        filtering=any(filters.values()),
    )
    return render(request, "inquiries/public/index.html", context)


@require_safe
def overdue(request: HttpRequest) -> HttpResponse:
    """督办: public questions past their deadline, escalated and still with the unit."""
    page = Paginator(selectors.overdue(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inquiries/public/overdue.html", _context(page=page))


# --- asking ---------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        # The files are checked by services.check_uploads (by their first bytes, not their names).
        return data


class AskForm(forms.Form):
    """What the citizen types. Lengths and choices are checked by services.submit, whose messages
    name the limits; the form keeps what was typed and puts each message at its field."""

    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.CONSULT)
    title = forms.CharField(label=gettext_lazy("Title"), required=False)
    body = forms.CharField(
        label=gettext_lazy("Your question"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Say what happened, where and since when, and what you hope for."),
    )
    location = forms.CharField(
        label=gettext_lazy("Town or village"), required=False, help_text=gettext_lazy("e.g. 花园街道 or 官庄镇王庄村")
    )
    category = forms.TypedChoiceField(label=gettext_lazy("Category (optional)"), required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit (optional)"), required=False, coerce=int, empty_value=None)
    files = MultipleFileField(
        label=gettext_lazy("Photos or videos (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,video/*", "multiple": True}),
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who may read it"),
        choices=[
            ("public", gettext_lazy("Public: the question and its answer may be published (your name and number never are)")),
            ("private", gettext_lazy("Private (保密): only you, with the query code, and the staff handling it read it")),
        ],
        widget=forms.RadioSelect,
        initial="public",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opts = selectors.options()
        title_bounds = services.conf("TITLE_LENGTH")
        body_bounds = services.conf("BODY_LENGTH")
        place_bounds = services.conf("LOCATION_LENGTH")
        self.title_bounds = title_bounds
        self.fields["title"].widget.attrs.update(maxlength=title_bounds[1], autocomplete="off")
        self.fields["title"].help_text = _("%(a)s to %(b)s characters: the matter in one line.") % {
            "a": title_bounds[0],
            "b": title_bounds[1],
        }
        self.fields["body"].widget.attrs.update(maxlength=body_bounds[1])
        self.fields["location"].widget.attrs.update(maxlength=place_bounds[1])
        self.fields["category"].choices = [("", _("Not sure")), *[(c.pk, c.name) for c in opts["categories"]]]
        self.fields["unit"].choices = [("", _("Not sure: the media center chooses")), *[(u.pk, u.name) for u in opts["units"]]]
        self.fields["files"].help_text = _("Up to %(n)s files; photos up to %(img)s MB, videos up to %(vid)s MB.") % {
            "n": services.conf("MAX_ATTACHMENTS"),
            "img": services.conf("MAX_IMAGE_BYTES") // 2**20,
            "vid": services.conf("MAX_VIDEO_BYTES") // 2**20,
        }


FIELD_OF = {
    "title": "title",
    "body": "body",
    "location": "location",
    "kind": "kind",
    "category": "category",
    "unit": "unit",
    "files": "files",
}


@never_cache  # per reader
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """我要问政: a logged-in app user's question; on success the receipt page with the query code."""
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    form = AskForm(request.POST or None, request.FILES or None)
    context = _context(form=form, error=None, files_lost=False)
    status = 200
    if request.method == "POST":
        uploads = request.FILES.getlist("files")
        if form.is_valid():
            data = form.cleaned_data
            try:
                inquiry = services.submit(
                    fan=fan,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    location=data["location"],
                    is_public=data["visibility"] == "public",
                    category_id=data["category"],
                    unit_id=data["unit"],
                    uploads=uploads,
                    ip=request_ip(request),
                )
            except DomainError as exc:
                field = FIELD_OF.get(exc.field or "")
                if field:
                    form.add_error(field, exc.message)
                else:
                    context["error"] = exc.message
                status = exc.status
            else:
                return redirect("wenzheng:receipt", receipt=inquiry.receipt)
        else:
            status = 400
        # A browser never sends chosen files again: say so rather than lose them silently.
        context["files_lost"] = bool(uploads)
    return render(request, "inquiries/public/ask.html", context, status=status)


@never_cache
@require_safe
def receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    """After sending: the receipt number and the query code, to the author only."""
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    view = selectors.find(receipt, fan=fan)
    if view is None or not view.can_act:
        raise Http404
    return render(request, "inquiries/public/receipt.html", _context(inquiry=view.inquiry))


# --- one question ---------------------------------------------------------------------------------


ACTIONS = ("rate", "reopen", "follow_up", "info", "follow", "unfollow")


def _act(request: HttpRequest, fan, view: selectors.View, action: str) -> str:
    """Do the author's (or a follower's) action; returns the message to show. Raises DomainError."""
    inquiry = view.inquiry
    if action in ("follow", "unfollow"):
        following = services.set_follow(fan=fan, inquiry=inquiry, keep=action == "follow")
        return _("You follow this question: you will hear when it is answered.") if following else _("You no longer follow this question.")
    if action == "rate":
        services.rate(fan=fan, inquiry=inquiry, rating=request.POST.get("rating", ""), reason=request.POST.get("reason", ""))
        return _("Thank you for rating the answer.")
    if action == "reopen":
        services.reopen(fan=fan, inquiry=inquiry, reason=request.POST.get("reason", ""))
        return _("Your question went back to the unit to be handled again.")
    if action == "follow_up":
        services.follow_up(fan=fan, inquiry=inquiry, text=request.POST.get("text", ""))
        return _("Your follow-up question was sent to the unit.")
    services.give_info(fan=fan, inquiry=inquiry, text=request.POST.get("text", ""), uploads=request.FILES.getlist("files"))
    return _("Thank you: the information was added and the question is being screened again.")


@never_cache  # what it shows depends on who reads
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, receipt: str) -> HttpResponse:
    fan = current_fan(request)
    view = selectors.find(receipt, fan=fan, unlocked=_unlocked(request, receipt))
    if view is None:
        raise Http404
    status, failed, typed = 200, None, {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            return redirect(view.inquiry.get_absolute_url())
        if fan is None:
            return _login_redirect(request, view.inquiry.get_absolute_url())
        try:
            text = _act(request, fan, view, action)
        except DomainError as exc:
            status = exc.status
            failed = {"action": "follow" if action == "unfollow" else action, "field": exc.field, "message": exc.message}
            typed = {k: request.POST.get(k, "")[:5000] for k in ("rating", "reason", "text")}
            view = selectors.find(receipt, fan=fan, unlocked=_unlocked(request, receipt))
            if view is None:
                raise Http404 from None
        else:
            messages.success(request, text)
            return redirect(view.inquiry.get_absolute_url())
    return render(request, "inquiries/public/detail.html", _detail_context(request, view, fan, failed=failed, typed=typed), status=status)


def _detail_context(request, view: selectors.View, fan, *, failed=None, typed=None) -> dict:
    inquiry = view.inquiry
    can_rate = view.can_act and inquiry.state == State.PUBLISHED
    can_reopen = view.can_act and inquiry.state == State.RATED and inquiry.rating == Rating.UNSATISFIED and inquiry.reopened < 1
    follow_ups = sum(1 for m in view.messages if m["kind"] == "follow_up")
    can_follow_up = view.can_act and inquiry.state in (State.PUBLISHED, State.RATED) and follow_ups < services.conf("MAX_FOLLOW_UPS")
    can = {
        "rate": can_rate,
        "reopen": can_reopen,
        "follow_up": can_follow_up,
        "info": view.can_act and inquiry.state == State.NEEDS_INFO,
        "follow": selectors.is_public(inquiry) or view.can_act,
    }
    failed = dict(failed or {})
    if failed:
        # An action whose form is no longer offered (e.g. rated twice in two tabs): say it at the top.
        failed["at_top"] = not can.get(failed["action"], False)
    return _context(
        view=view,
        inquiry=inquiry,
        fan=fan,
        ratings=Rating.choices,
        can_rate=can_rate,
        can_reopen=can_reopen,
        can_follow_up=can_follow_up,
        can_give_info=can["info"],
        can_follow=can["follow"],
        with_unit=inquiry.state in WITH_UNIT,
        merged_public=inquiry.merged_into is not None and selectors.is_public(inquiry.merged_into),
        failed=failed,
        typed=typed or {},
        State=State,
    )


@never_cache
@require_safe
def attachment(request: HttpRequest, receipt: str, pk: int) -> HttpResponse:
    """A photo or video of the question (its author only) or a file of the published reply."""
    found = selectors.attachment(receipt, pk, fan=current_fan(request), unlocked=_unlocked(request, receipt))
    if found is None:
        raise Http404
    return attachment_response(found, cache_control="private, max-age=3600")


def attachment_response(found, *, cache_control: str) -> HttpResponse:
    """A 问政 attachment (from MEDIA_ROOT or the bucket): pictures and videos inline, anything
    else as a download, never sniffed into something a browser runs. The caller checked access."""
    content_type = found.content_type or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    response = stored_file_response(found.file.name, content_type=content_type)
    if not (found.is_image or found.is_video):
        response["Content-Disposition"] = "attachment"
    response["Cache-Control"] = cache_control
    return response


# --- finding one's question -----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Receipt number + query code → the question as its author sees it (the only way to a private one without logging in)."""
    typed = {"receipt": request.POST.get("receipt", "")[:30].strip(), "code": ""}
    error, field, status = None, None, 200
    if request.method == "POST":
        code = request.POST.get("code", "")[:30]
        if not typed["receipt"]:
            error, field, status = _("Enter the receipt number."), "receipt", 400
        elif not code.strip():
            error, field, status = _("Enter the query code."), "code", 400
        else:
            try:
                found = selectors.lookup(typed["receipt"], code, ip=request_ip(request))
            except services.Throttled as exc:
                error, status = exc.message, exc.status
            else:
                if found is None:
                    error, status = _("No question has this receipt number and query code. Check both and try again."), 404
                else:
                    _unlock(request, found.receipt)
                    return redirect(found.get_absolute_url())
    return render(request, "inquiries/public/lookup.html", _context(typed=typed, error=error, field=field), status=status)


@never_cache
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    return render(request, "inquiries/public/mine.html", _context(inquiries=list(selectors.mine(fan)[:MINE_LIMIT])))
