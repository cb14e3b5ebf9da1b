"""The public pages: the service directory (/services/) and the councils (/councils/), and the
letter a logged-in app user writes to a deputy or member. These pages are rendered per request
(not published as static files); only the letter pages depend on who reads."""

from __future__ import annotations

import mimetypes
import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from rongmei.civic import selectors, services
from rongmei.civic.forms import LetterForm, ServiceSearchForm
from rongmei.civic.models import CouncilKind, CouncilLetter, Proposal
from rongmei.civic.words import words
from rongmei.core.exceptions import DomainError
from rongmei.core.middleware import request_ip
from rongmei.fans.auth import current_fan
from rongmei.portal import pages

PAGE_SIZE = 20
MEMBERS_ON_COUNCIL_PAGE = 12
MEMBERS_PAGE_SIZE = 48
PHOTO_MAX_AGE = 3600
RECEIPT_RE = re.compile(r"[A-Z]{2}\d{8}-\d{4,6}")


def _context(**extra) -> dict:
    return {"columns": pages.columns(), **extra}


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('fans:login')}?{urlencode({'next': request.get_full_path()})}")


# --- 政务服务 -------------------------------------------------------------------------------------


@require_safe
def service_index(request: HttpRequest) -> HttpResponse:
    """Categories with their items; with a search word or a category, the matching items."""
    categories = list(selectors.public_categories())
    form = ServiceSearchForm(request.GET or None, categories=selectors.public_categories())
    q = (form.value("q") or "").strip() if request.GET else ""
    category = form.value("category") if request.GET else None
    context = _context(form=form, categories=categories, q=q, category=category)
    if q or category:
        found = selectors.search_services(q, category_id=category.pk if category else None)
        page = Paginator(found.items, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(searching=True, page=page, partial=found.partial, total=len(found.items))
    else:
        by_category: dict[int, list] = {c.pk: [] for c in categories}
        for item in selectors.public_items().filter(category__in=categories):
            by_category[item.category_id].append(item)
        context.update(searching=False, groups=[(c, by_category[c.pk]) for c in categories])
    return render(request, "civic/services.html", context)


@require_safe
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.public_items(), pk=pk)
    return render(request, "civic/service_detail.html", _context(item=item))


# --- 智慧人大 / 智慧政协 ------------------------------------------------------------------------------


class ProposalFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    session = forms.ChoiceField(label=gettext_lazy("Session"), required=False)

    def __init__(self, *args, session_choices: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All states")), *Proposal.Status.choices]
        self.fields["session"].choices = [("", _("All sessions")), *[(s, s) for s in session_choices]]


@require_safe
def councils(request: HttpRequest) -> HttpResponse:
    return redirect("civic:council", kind=CouncilKind.RENDA)


@require_safe
def council(request: HttpRequest, kind: str) -> HttpResponse:
    """A council's page: some of its members, and its proposals with filters by status and session."""
    form = ProposalFilterForm(request.GET or None, session_choices=selectors.sessions(kind))
    status = session = None
    if form.is_bound:
        form.is_valid()
        status = form.cleaned_data.get("status") or None
        session = form.cleaned_data.get("session") or None
    members = selectors.public_members(kind)
    proposals = selectors.public_proposals(kind, status=status, session=session)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("status", status), ("session", session)) if v})
    context = _context(
        kind=kind,
        words=words(kind),
        members=list(members[:MEMBERS_ON_COUNCIL_PAGE]),
        member_count=members.count(),
        form=form,
        page=page,
        query=query,
        other_kind=CouncilKind.ZHENGXIE if kind == CouncilKind.RENDA else CouncilKind.RENDA,
    )
    context["other_words"] = words(context["other_kind"])
    return render(request, "civic/council.html", context)


@require_safe
def member_list(request: HttpRequest, kind: str) -> HttpResponse:
    page = Paginator(selectors.public_members(kind), MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "civic/members.html", _context(kind=kind, words=words(kind), page=page))


@require_safe
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(selectors.public_members(), pk=pk)
    context = _context(
        member=member,
        kind=member.kind,
        words=words(member.kind),
        proposals=list(selectors.member_proposals(member)[:50]),
        letters=selectors.public_letters(member),
    )
    return render(request, "civic/member.html", context)


@require_safe
def member_photo(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(selectors.public_members(), pk=pk)
    if not member.photo:
        raise Http404
    try:
        handle = member.photo.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = mimetypes.guess_type(member.photo.name)[0] or "application/octet-stream"
    if not content_type.startswith("image/"):
        raise Http404
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={PHOTO_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.public_proposal(pk)
    if proposal is None:
        raise Http404
    signers = [m for m in proposal.co_signers.all() if m.active]
    return render(
        request,
        "civic/proposal.html",
        _context(proposal=proposal, kind=proposal.kind, words=words(proposal.kind), signers=signers, events=list(proposal.events.all())),
    )


# --- letters --------------------------------------------------------------------------------------


@never_cache  # per reader: no shared or browser cache may keep it
@require_http_methods(["GET", "POST"])
def write_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """给代表/委员写信: a logged-in app user's letter, screened and rate-limited by the service."""
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    member = get_object_or_404(selectors.public_members(), pk=pk)
    context = _context(member=member, kind=member.kind, words=words(member.kind), error=None)
    if not member.accepts_letters:
        context.update(form=None, error=_("%(name)s does not take letters through the app at present.") % {"name": member.name})
        return render(request, "civic/write.html", context, status=409)
    form = LetterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                letter = services.submit_letter(
                    fan=fan,
                    member_id=member.pk,
                    title=data["title"],
                    body=data["body"],
                    location=data["location"],
                    is_public=data["is_public"],
                    ip=request_ip(request),
                )
            except DomainError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    context["error"] = exc.message
                status = exc.status
            else:
                messages.success(request, _("Your letter was received. Receipt number: %(receipt)s") % {"receipt": letter.receipt})
                return redirect("civic:letter", receipt=letter.receipt)
        else:
            status = 400
    context["form"] = form
    return render(request, "civic/write.html", context, status=status)


@never_cache  # per reader: no shared or browser cache may keep it
@require_safe
def my_letters(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    return render(request, "civic/letters.html", _context(letters=list(selectors.fan_letters(fan))))


@never_cache  # per reader: no shared or browser cache may keep it
@require_safe
def letter_detail(request: HttpRequest, receipt: str) -> HttpResponse:
    """One of the logged-in app user's letters, by its receipt number; nobody else's."""
    fan = current_fan(request)
    if fan is None:
        return _login_redirect(request)
    if not RECEIPT_RE.fullmatch(receipt):
        raise Http404
    letter = get_object_or_404(CouncilLetter.objects.select_related("member"), receipt=receipt, fan=fan)
    return render(request, "civic/letter.html", _context(letter=letter, words=words(letter.member.kind)))
