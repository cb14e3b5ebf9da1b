"""The operators' pages of the partner network under /partners/manage/: the registry, quotas,
tasks, readership, scoring rule, the quarter's ranking (close, export, certificates) and the
contributions inbox (also open to the newsroom desk). Thin views over services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.accounts.stepup import require_recent_second_factor
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.newsroom.views._common import guarded
from rongmei.partners import forms, scoring, selectors, services
from rongmei.partners import permissions as perms
from rongmei.partners.models import Account, Partner, Post, Quota, Task, TaskAssignment
from rongmei.partners.views_portal import _upload, certificate_response

manager_view = guarded(perms.is_manager, lambda: _("Only operators, administrators and the chief editor manage the partner network."))
desk_view = guarded(perms.can_screen_contributions, lambda: _("Only the newsroom desk and operators screen contributions."))


@manager_view
def overview(request):
    quarter = services.current_quarter()
    return render(
        request,
        "partners/manage/overview.html",
        {
            "quarter": quarter,
            "lines": scoring.ranking(quarter),
            "alerts": selectors.open_alerts()[:20],
            "waiting": selectors.waiting_contributions()[:20],
            "reported": selectors.reported_assignments()[:20],
        },
    )


# --- registry --------------------------------------------------------------------------------


@manager_view
def registry(request):
    return render(request, "partners/manage/registry.html", {"partners": selectors.registry()})


@manager_view
def partner_edit(request, pk: int | None = None):
    partner = get_object_or_404(Partner, pk=pk) if pk else None
    form = forms.PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        ok, saved = call_service(form, services.save_partner, actor=request.user, partner=partner, **fields)
        if ok:
            messages.success(request, _("Saved."))
            return redirect("partners:partner", saved.pk)
    return render(request, "partners/manage/partner_form.html", {"form": form, "partner": partner}, status=400 if form.errors else 200)


@manager_view
def partner_detail(request, pk: int):
    return _partner_page(request, get_object_or_404(Partner.objects.select_related("place"), pk=pk))


def _partner_page(request, partner: Partner, *, status: int = 200, **bound):
    """The partner's page; ``bound`` holds a form that failed, shown open with what was typed."""
    quarter = services.current_quarter()
    line = next((x for x in scoring.ranking(quarter) if x.partner_id == partner.pk), None)
    context = {
        "partner": partner,
        "quarter": quarter,
        "line": line,
        "progress": selectors.progress(line),
        "accounts": _with_adapters(partner.accounts.all()),
        "logins": partner.members.all(),
        "honours": partner.honours.select_related("quarter"),
        "quotas": partner.quotas.select_related("quarter").order_by("-quarter__year", "-quarter__number"),
        "alerts": partner.alerts.all()[:20],
        "posts": partner.posts.select_related("account")[:20],
        "account_form": forms.AccountForm(),
        "login_form": forms.LoginCreateForm(),
        "honour_form": forms.HonourForm(),
        **bound,
    }
    return render(request, "partners/manage/partner.html", context, status=status)


def _add_to_partner(request, pk: int, *, form_class, name: str, service, done):
    """A small form of the partner's page (account, login, honour): the service with what was
    typed, then the page again; a refusal shows the page with the form open and its input kept."""
    partner = get_object_or_404(Partner, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        ok, result = call_service(form, service, actor=request.user, partner=partner, **form.cleaned_data)
        if ok:
            messages.success(request, done(result))
            return redirect("partners:partner", partner.pk)
    return _partner_page(request, partner, status=400, **{name: form})


@manager_view
@require_POST
def account_add(request, pk: int):
    return _add_to_partner(
        request, pk, form_class=forms.AccountForm, name="account_form", service=services.save_account, done=lambda _a: _("Account added.")
    )


@manager_view
@require_POST
def account_remove(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    partner_pk = account.partner_id
    call_service_or_message(request, services.remove_account, actor=request.user, account=account)
    return redirect("partners:partner", partner_pk)


@manager_view
@require_POST
def account_fetch_settings(request, pk: int):
    """The credentials a platform's readership adapter needs (stored encrypted); empty: off."""
    from rongmei.partners import readership

    account = get_object_or_404(Account, pk=pk)
    adapter = readership.adapters.for_platform(account.platform)
    names = [name for name, _required, _secret in (adapter.fields if adapter else ())]
    values = {name: request.POST.get(name, "") for name in names}
    if request.POST.get("off"):
        values = {}
    ok, _a = call_service_or_message(request, readership.configure_fetch, actor=request.user, account=account, settings=values)
    if ok:
        messages.success(request, _("Fetch settings saved.") if values else _("Fetching turned off."))
    return redirect("partners:partner", account.partner_id)


@manager_view
@require_POST
def account_fetch(request, pk: int):
    """Fetch the last week's figures now, in the task worker."""
    from rongmei.partners import tasks as partner_tasks

    account = get_object_or_404(Account, pk=pk)
    if not account.fetch_settings:
        messages.error(request, _("Enter the account's fetch settings first."))
    else:
        partner_tasks.fetch_readership.enqueue(account.pk)
        messages.success(request, _("Fetching the last week's figures of %(a)s; they appear in a minute.") % {"a": account})
    return redirect("partners:partner", account.partner_id)


@manager_view
@require_POST
@require_recent_second_factor  # makes an account that can log in
def login_create(request, pk: int):
    return _add_to_partner(
        request,
        pk,
        form_class=forms.LoginCreateForm,
        name="login_form",
        service=services.create_login,
        done=lambda user: _("Login %(u)s created.") % {"u": user.username},
    )


@manager_view
@require_POST
def honour_add(request, pk: int):
    return _add_to_partner(
        request, pk, form_class=forms.HonourForm, name="honour_form", service=services.add_honour, done=lambda _h: _("Honour recorded.")
    )


# --- quotas ----------------------------------------------------------------------------------


@manager_view
def quotas(request, code: str | None = None):
    quarter = selectors.quarter_by_code(code) if code else services.current_quarter()
    partners = list(Partner.objects.exclude(status=Partner.Status.ENDED).order_by("name"))
    existing = {q.partner_id: q for q in Quota.objects.filter(quarter=quarter)}
    errors: dict[int, str] = {}
    if request.method == "POST":
        saved = 0
        for partner in partners:
            values = {m: request.POST.get(f"{m}-{partner.pk}", "").strip() for m in Quota.METRICS}
            if not any(values.values()):
                continue
            values = {m: v or 0 for m, v in values.items()}
            try:
                ok, quota = True, services.set_quota(actor=request.user, partner=partner, quarter=quarter, **values)
            except NotAllowed:
                raise
            except DomainError as e:
                ok, quota = False, None
                messages.error(request, f"{partner.name}：{e.message}")
            if ok:
                existing[partner.pk] = quota
                saved += 1
            else:
                errors[partner.pk] = "x"
        if not errors:
            messages.success(request, _("Quotas saved for %(n)s partners.") % {"n": saved})
            return redirect("partners:quotas_for", quarter.code)
    rows = []
    for partner in partners:
        quota = existing.get(partner.pk)
        values = {
            m: (request.POST.get(f"{m}-{partner.pk}") if request.method == "POST" else (getattr(quota, m) if quota else ""))
            for m in Quota.METRICS
        }
        cells = [(m, scoring.METRIC_LABELS[m], values[m]) for m in Quota.METRICS]
        rows.append({"partner": partner, "cells": cells, "error": partner.pk in errors})
    return render(
        request,
        "partners/manage/quotas.html",
        {"quarter": quarter, "rows": rows, "metrics": [(m, scoring.METRIC_LABELS[m]) for m in Quota.METRICS]},
        status=400 if errors else 200,
    )


# --- tasks -----------------------------------------------------------------------------------


@manager_view
def task_list(request):
    tasks_ = Task.objects.annotate(
        n_partners=Count("assignments"), n_done=Count("assignments", filter=Q(assignments__status=TaskAssignment.Status.DONE))
    ).order_by("-due_at")[:200]
    return render(request, "partners/manage/tasks.html", {"tasks": tasks_})


@manager_view
def task_new(request):
    form = forms.TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, task = call_service(form, services.create_task, actor=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("Task created and sent to %(n)s partners.") % {"n": task.assignments.count()})
            return redirect("partners:task", task.pk)
    return render(request, "partners/manage/task_form.html", {"form": form}, status=400 if form.errors else 200)


@manager_view
def task_detail(request, pk: int):
    task = get_object_or_404(Task.objects.prefetch_related("stories"), pk=pk)
    assignments = task.assignments.select_related("partner", "checked_by").order_by("partner__name")
    return render(request, "partners/manage/task.html", {"task": task, "assignments": assignments})


@manager_view
@require_POST
def task_check(request, pk: int):
    assignment = get_object_or_404(TaskAssignment, pk=pk)
    accept = request.POST.get("decision") == "accept"
    ok, _a = call_service_or_message(
        request, services.check_task, actor=request.user, assignment=assignment, accept=accept, note=request.POST.get("note", "")
    )
    if ok:
        messages.success(request, _("Accepted.") if accept else _("Sent back to the partner."))
    return redirect("partners:task", assignment.task_id)


# --- readership ------------------------------------------------------------------------------


@manager_view
def post_list(request):
    quarter = selectors.quarter_by_code(request.GET["q"]) if request.GET.get("q") else services.current_quarter()
    rows = Post.objects.filter(published_on__range=(quarter.start, quarter.end)).select_related("partner", "account")[:500]
    return render(request, "partners/manage/posts.html", {"quarter": quarter, "posts": rows, "upload_form": forms.UploadForm()})


@manager_view
@require_POST
def post_upload(request):
    return _upload(request, partner=None, back="partners:posts_all", template="partners/manage/upload_result.html")


# --- contributions (the desk too) -------------------------------------------------------------


@desk_view
def inbox(request):
    status = request.GET.get("status", "submitted")
    qs = selectors.contributions_for_desk(status)
    return render(request, "partners/manage/inbox.html", {"contributions": qs[:200], "status": status})


@desk_view
def contribution_detail(request, pk: int):
    try:
        item = selectors.contribution_for(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    return render(
        request,
        "partners/manage/contribution.html",
        {
            "item": item,
            "adopt_form": forms.AdoptForm(user=request.user),
            "decline_form": forms.DeclineForm(),
            "can_adopt": perms.can_adopt(request.user),
        },
    )


@desk_view
@require_POST
def contribution_decide(request, pk: int):
    try:
        item = selectors.contribution_for(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    action = request.POST.get("action")
    if action == "decline":
        ok, _c = call_service_or_message(
            request, services.decline_contribution, actor=request.user, contribution=item, reason=request.POST.get("reason", "")
        )
    elif action in ("story", "lead"):
        form = forms.AdoptForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Choose one of your teams."))
            return redirect("partners:contribution_manage", item.pk)
        team = form.cleaned_data["team"]
        if action == "story" and team is None:
            messages.error(request, _("Choose the team the story goes to."))
            return redirect("partners:contribution_manage", item.pk)
        service = services.adopt_as_story if action == "story" else services.adopt_as_lead
        ok, _c = call_service_or_message(request, service, actor=request.user, contribution=item, team=team)
    else:
        return HttpResponseBadRequest(_("Say what to do: adopt as a story, as a lead, or decline."))
    if ok:
        item.refresh_from_db()
        messages.success(request, item.get_status_display())
        if item.story_id:
            return redirect("newsroom:story", item.story_id)
        if item.lead_id:
            return redirect("newsroom:lead", item.lead_id)
    return redirect("partners:contribution_manage", item.pk)


# --- scoring and the quarter --------------------------------------------------------------------


@manager_view
def rule(request):
    current = scoring.current_rule()
    form = forms.RuleForm(request.POST or None, initial=forms.RuleForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("weight_quota", "weight_reads", "weight_adopted", "weight_tasks", "adopted_full")}
        ok, _r = call_service(form, services.save_rule, actor=request.user, tiers=form.tiers(), **data)
        if ok:
            messages.success(request, _("Scoring rule saved. Open quarters are scored with it from now on."))
            return redirect("partners:rule")
    return render(request, "partners/manage/rule.html", {"form": form, "rule": current}, status=400 if form.errors else 200)


@manager_view
def quarter_view(request, code: str | None = None):
    quarter = selectors.quarter_by_code(code) if code else services.current_quarter()
    lines = scoring.ranking(quarter)
    rule_ = quarter.rule if quarter.is_closed else scoring.rule_dict(scoring.current_rule())
    honours = {h.partner_id: h for h in quarter.honours.all()} if quarter.is_closed else {}
    for line in lines:
        line.honour = honours.get(line.partner_id)
    return render(
        request,
        "partners/manage/quarter.html",
        {
            "quarter": quarter,
            "lines": lines,
            "rule": rule_,
            "close_form": forms.CloseForm(),
            "previous": _neighbour(quarter, -1),
            "next": _neighbour(quarter, 1),
        },
    )


def _with_adapters(accounts):
    from rongmei.partners import adapters

    rows = list(accounts)
    for account in rows:
        adapter = adapters.for_platform(account.platform)
        account.adapter_fields = [(name, required, secret) for name, required, secret in (adapter.fields if adapter else ())]
    return rows


def _neighbour(quarter, step: int) -> str:
    index = quarter.year * 4 + quarter.number - 1 + step
    return f"{index // 4}-{index % 4 + 1}"


@manager_view
@require_POST
def quarter_close(request, code: str):
    quarter = selectors.quarter_by_code(code)
    form = forms.CloseForm(request.POST)
    issuer = form.cleaned_data["issuer"] if form.is_valid() else ""
    ok, scores = call_service_or_message(request, services.close_quarter, actor=request.user, quarter=quarter, issuer=issuer)
    if ok:
        messages.success(request, _("%(q)s closed: %(n)s partners ranked.") % {"q": quarter, "n": len(scores)})
    return redirect("partners:quarter_for", code)


@manager_view
def quarter_export(request, code: str):
    from rongmei.partners.exports import quarter_workbook

    quarter = selectors.quarter_by_code(code)
    response = HttpResponse(quarter_workbook(quarter), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="partners-{quarter.year}Q{quarter.number}.xlsx"'
    return response


@manager_view
def certificate(request, pk: int):
    return certificate_response(request, pk)
