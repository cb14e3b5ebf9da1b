"""The partner portal at /partners/: a partner's own quota progress, score breakdown and rank,
tasks, contributions to the newsroom, posts and readership, awards. A partner login sees only
its own organization (selectors filter by it; another partner's row is a 404). Operators who open
/partners/ are sent to the management pages, the newsroom desk to the contributions inbox."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.core import notify as core_notify
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.newsroom.views._common import forbidden
from rongmei.partners import forms, scoring, selectors, services
from rongmei.partners import permissions as perms
from rongmei.partners.models import Post, TaskAssignment

POSTS_SHOWN = 200


def partner_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not perms.is_partner_user(user):
            if perms.is_manager(user):
                return redirect("partners:manage")
            if perms.can_screen_contributions(user):
                return redirect("partners:inbox")
            return forbidden(request, _("The partner portal is for the self-media partners of the network."))
        partner = perms.partner_of(user)
        if partner is None:
            return forbidden(request, _("Your login belongs to no partner organization yet. Ask the media center to add it."))
        request.partner = partner
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as e:
            return forbidden(request, e.message)

    return wrapper


@partner_view
def home(request):
    partner = request.partner
    quarter = services.current_quarter()
    line, ranked = selectors.own_line(partner, quarter)
    today = timezone.now()
    assignments = [a for a in selectors.assignments_of(partner)[:50] if a.status != TaskAssignment.Status.DONE and a.task.due_at >= today]
    return render(
        request,
        "partners/portal/home.html",
        {
            "partner": partner,
            "quarter": quarter,
            "line": line,
            "ranked": ranked,
            "progress": selectors.progress(line),
            "assignments": assignments,
            "contributions": selectors.contributions_of(partner)[:5],
            "alerts": partner.alerts.filter(resolved_at=None)[:5],
            "honours": partner.honours.all()[:3],
        },
    )


@partner_view
def contribute(request):
    form = forms.ContributionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, contribution = call_service(
            form,
            services.submit_contribution,
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            place=data["place"],
            files=data["files"],
        )
        if ok:
            messages.success(request, _("Sent to the newsroom. You will be told when it is decided."))
            return redirect("partners:contribution", contribution.pk)
    return render(request, "partners/portal/contribute.html", {"form": form}, status=400 if form.errors else 200)


@partner_view
def contributions(request):
    return render(request, "partners/portal/contributions.html", {"contributions": selectors.contributions_of(request.partner)[:200]})


@partner_view
def contribution(request, pk: int):
    try:
        item = selectors.contribution_for(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    return render(request, "partners/portal/contribution.html", {"item": item})


@partner_view
def tasks(request):
    assignments = list(selectors.assignments_of(request.partner)[:200])
    now = timezone.now()
    for a in assignments:
        a.can_report = a.status != TaskAssignment.Status.DONE and a.task.starts_at <= now <= a.task.due_at
    return render(request, "partners/portal/tasks.html", {"assignments": assignments, "form": forms.ReportForm()})


@partner_view
@require_POST
def report(request, pk: int):
    assignment = get_object_or_404(TaskAssignment, pk=pk, partner=request.partner)
    form = forms.ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the link to your post."))
        return redirect("partners:tasks")
    ok, _a = call_service_or_message(request, services.report_task, actor=request.user, assignment=assignment, **form.cleaned_data)
    if ok:
        messages.success(request, _("Reported. An operator will check it."))
    return redirect("partners:tasks")


def _quarter_from(request):
    code = request.GET.get("q")
    return selectors.quarter_by_code(code) if code else services.current_quarter()


@partner_view
def posts(request):
    partner = request.partner
    quarter = _quarter_from(request)
    form = forms.PostForm(request.POST or None, partner=partner)
    if request.method == "POST" and form.is_valid():
        ok, post = call_service(form, services.record_post, actor=request.user, partner=partner, **form.cleaned_data)
        if ok:
            messages.success(request, _("Recorded: %(t)s") % {"t": post.title})
            return redirect(f"{request.path}?q={quarter.year}-{quarter.number}")
    rows = partner.posts.filter(published_on__range=(quarter.start, quarter.end)).select_related("account")[:POSTS_SHOWN]
    return render(
        request,
        "partners/portal/posts.html",
        {"partner": partner, "quarter": quarter, "posts": rows, "form": form, "upload_form": forms.UploadForm()},
        status=400 if form.errors else 200,
    )


@partner_view
@require_POST
def upload(request):
    return _upload(request, partner=request.partner, back="partners:posts", template="partners/portal/upload_result.html")


def _upload(request, *, partner, back: str, template: str):
    from rongmei.partners import imports

    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an Excel or CSV file."))
        return redirect(back)
    try:
        result = imports.import_posts(actor=request.user, uploaded=form.cleaned_data["file"], partner=partner)
    except NotAllowed:
        raise
    except DomainError as e:
        messages.error(request, e.message)
        return redirect(back)
    return render(request, template, {"result": result, "back": back}, status=200)


@partner_view
@require_POST
def delete_post(request, pk: int):
    post = get_object_or_404(Post, pk=pk, partner=request.partner)
    ok, _r = call_service_or_message(request, services.delete_post, actor=request.user, post=post)
    if ok:
        messages.success(request, _("Removed."))
    return redirect("partners:posts")


@partner_view
def score(request, code: str | None = None):
    partner = request.partner
    quarter = selectors.quarter_by_code(code) if code else services.current_quarter()
    line, ranked = selectors.own_line(partner, quarter)
    rule = quarter.rule if quarter.is_closed else scoring.rule_dict(scoring.current_rule())
    quarters = partner.scores.select_related("quarter").order_by("-quarter__year", "-quarter__number")
    return render(
        request,
        "partners/portal/score.html",
        {
            "partner": partner,
            "quarter": quarter,
            "line": line,
            "ranked": ranked,
            "rule": rule,
            "progress": selectors.progress(line),
            "history": quarters,
            "current": services.current_quarter(),
        },
    )


@partner_view
def awards(request):
    return render(request, "partners/portal/awards.html", {"honours": request.partner.honours.select_related("quarter")})


def certificate_response(request, pk: int) -> HttpResponse:
    from rongmei.partners.certificates import certificate_pdf

    try:
        honour = selectors.honour_for(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    try:
        pdf = certificate_pdf(honour)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("partners:awards" if perms.is_partner_user(request.user) else "partners:manage")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{honour.certificate_no}.pdf"'
    return response


@partner_view
def certificate(request, pk: int):
    return certificate_response(request, pk)


@partner_view
def profile(request):
    partner = request.partner
    return render(request, "partners/portal/profile.html", {"partner": partner, "accounts": partner.accounts.all()})


@partner_view
def notifications(request):
    from rongmei.newsroom.selectors import notifications_for

    if request.method == "POST":
        core_notify.mark_read(request.user)
        return redirect("partners:notifications")
    return render(request, "partners/portal/notifications.html", {"notifications": notifications_for(request.user, limit=200)})
