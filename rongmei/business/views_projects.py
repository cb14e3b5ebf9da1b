"""The operations pages of clients and projects under /ops/: the overview, clients (list, search,
detail with contacts and history), the project board and a project's page with its actions.

Operations staff and administrators change (``may_manage``); the chief editor reads the same
pages without their forms (``may_read``); anyone else gets the 403 page. Thin views: every change
goes through rongmei.business.services, every read through rongmei.business.selectors; a refused
action shows the page again with the service's message and what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.business import forms, selectors, services
from rongmei.business.models import Milestone, Project
from rongmei.business.permissions import may_manage, may_read
from rongmei.core import audit
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.newsroom.permissions import is_staff_member
from rongmei.newsroom.views._common import guarded

State = Project.State


reader_view = guarded(may_read, lambda: _("Only operations staff and the chief editor may see this."))
manager_view = guarded(may_manage, lambda: _("Only operations staff may do this."))


def _fetch(getter, **kwargs):
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist as e:
        raise Http404 from e


# --- the overview and the board ------------------------------------------------------------------------


@reader_view
def home(request):
    """Where operations staff start: the open projects by state, milestones and deliverables due."""
    columns = selectors.project_board(actor=request.user)
    return render(
        request,
        "business/home.html",
        {
            "columns": columns,
            "milestones": selectors.due_milestones(actor=request.user),
            "deliverables": selectors.due_deliverables(actor=request.user),
            "today": timezone.localdate(),
            "can_manage": may_manage(request.user),
        },
    )


@reader_view
def project_board(request):
    return render(
        request,
        "business/project_board.html",
        {"columns": selectors.project_board(actor=request.user), "today": timezone.localdate(), "can_manage": may_manage(request.user)},
    )


# --- clients -------------------------------------------------------------------------------------------


@reader_view
def client_list(request):
    query = request.GET.get("q", "")
    page = Paginator(selectors.find_clients(actor=request.user, query=query), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "business/client_list.html",
        {"page": page, "clients": page.object_list, "query": query, "can_manage": may_manage(request.user)},
    )


@manager_view
def client_new(request):
    form = forms.ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, client = call_service(form, services.create_client, actor=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("Client %(n)s recorded.") % {"n": client.name})
            return redirect("ops:client", client.pk)
    return render(request, "business/client_form.html", {"form": form}, status=400 if form.errors else 200)


def _client_page(request, client, *, status: int = 200, contact_form=None):
    user = request.user
    projects = list(selectors.projects(actor=user, client=client))
    money = selectors.money_of(actor=user, projects=projects)
    for project in projects:
        project.money = money[project.pk]
    context = {
        "client": client,
        "projects": projects,
        "payments": selectors.client_payments(actor=user, client=client)[:100],
        "history": audit.history(client),
        "can_manage": may_manage(user),
        "contact_form": contact_form or forms.ContactForm(prefix="contact"),
    }
    return render(request, "business/client_detail.html", context, status=status)


@reader_view
def client_detail(request, pk: int):
    return _client_page(request, _fetch(selectors.client_detail, actor=request.user, pk=pk))


@manager_view
@require_POST
def client_contact_add(request, pk: int):
    client = _fetch(selectors.client_detail, actor=request.user, pk=pk)
    form = forms.ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        ok, _contact = call_service(form, services.add_contact, actor=request.user, client=client, **form.cleaned_data)
        if ok:
            messages.success(request, _("Contact added."))
            return redirect("ops:client", client.pk)
    return _client_page(request, client, status=400, contact_form=form)


# --- projects ------------------------------------------------------------------------------------------


@manager_view
def project_new(request):
    initial = {}
    if request.GET.get("client", "").isdigit():
        initial["client"] = int(request.GET["client"])
    form = forms.ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, project = call_service(form, services.create_project, actor=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("Project %(t)s recorded as a lead.") % {"t": project.title})
            return redirect("ops:project", project.pk)
    return render(request, "business/project_form.html", {"form": form}, status=400 if form.errors else 200)


# The forms of a project's page, by prefix; each is shown in the states its service accepts.
PROJECT_FORMS = {
    "quote": forms.QuoteLineForm,
    "contract": forms.ContractForm,
    "deliverable": forms.DeliverableForm,
    "milestone": forms.MilestoneForm,
    "invoice": forms.InvoiceForm,
    "payment": forms.PaymentForm,
    "cancel": forms.CancelForm,
}


def _form(name: str, project: Project, data=None, **kwargs):
    extra = {"project": project} if name == "payment" else {}
    return PROJECT_FORMS[name](data, prefix=name, **extra, **kwargs)


def _project_page(request, project: Project, *, status: int = 200, bound=None):
    """The project's page; ``bound`` is a form that failed, shown open with what was typed."""
    user = request.user
    can_manage = may_manage(user)
    money = selectors.project_money(actor=user, project=project)
    quote_lines = list(project.quote_lines.all())
    for line in quote_lines:
        line.total_fen = line.quantity * line.unit_price_fen
    state = project.state
    shown = {
        "quote": state in services.QUOTE_STATES,
        "contract": state == State.QUOTED,
        "deliverable": state in services.OPEN_STATES,
        "milestone": state in services.OPEN_STATES,
        "invoice": state in services.MONEY_STATES,
        "payment": state in services.MONEY_STATES,
        "cancel": State.CANCELLED in services.TRANSITIONS[state],
    }
    page_forms = {}
    if can_manage:
        initial = {"contract": {"amount_fen": selectors.yuan(money.quote_total_fen)} if money.quote_total_fen else {}}
        for name, show in shown.items():
            if show:
                page_forms[name] = _form(name, project, initial=initial.get(name))
        if bound is not None:
            page_forms[bound.prefix] = bound
    context = {
        "project": project,
        "money": money,
        "quote_lines": quote_lines,
        "deliverables": project.deliverables.select_related("story", "live_room", "plan"),
        "milestones": project.milestones.all(),
        "invoices": project.invoices.all(),
        "payments": project.payments.select_related("invoice"),
        "history": audit.history(project),
        "can_manage": can_manage,
        "forms": page_forms,
        "bound": bound.prefix if bound is not None else "",
        "can_send_quote": can_manage and state == State.LEAD,
        "can_start": can_manage and state == State.CONTRACTED,
        "can_deliver": can_manage and state == State.IN_PROGRESS,
        "can_close": can_manage and state == State.DELIVERED,
        "today": timezone.localdate(),
        # The newsroom's own pages are for its staff; operations staff follow the public ones.
        "newsroom_links": is_staff_member(request.user),
    }
    return render(request, "business/project_detail.html", context, status=status)


def _project(request, pk: int) -> Project:
    return _fetch(selectors.project_detail, actor=request.user, pk=pk)


@reader_view
def project_detail(request, pk: int):
    project = _project(request, pk)
    if selectors.waits_for_deliverables(project):
        # A safety net for a lost task (rongmei.business.signals): cheap, and idempotent.
        services.refresh_deliverables(project)
        project = _project(request, pk)
    return _project_page(request, project)


def _act_with_form(request, pk: int, name: str, service, done, arguments=None):
    """A form of the project's page: the service with what was typed, then the page again; a
    refusal shows the page with the form open, its input kept and the message on it."""
    project = _project(request, pk)
    form = _form(name, project, request.POST)
    if form.is_valid():
        kwargs = arguments(form.cleaned_data) if arguments else form.cleaned_data
        ok, result = call_service(form, service, actor=request.user, project=project, **kwargs)
        if ok:
            messages.success(request, done(result))
            return redirect("ops:project", project.pk)
    messages.error(request, _("That did not succeed; see the form below. What you typed is kept."))
    return _project_page(request, project, status=400, bound=form)


def _act(request, pk: int, service, done: str):
    """A button of the project's page (nothing typed): a refusal comes back as a message."""
    project = _project(request, pk)
    ok, _result = call_service_or_message(request, service, actor=request.user, project=project)
    if ok:
        messages.success(request, done)
    return redirect("ops:project", project.pk)


@manager_view
@require_POST
def project_quote_line(request, pk: int):
    return _act_with_form(
        request, pk, "quote", services.add_quote_line, lambda line: _("Quote line added: %(d)s.") % {"d": line.description}
    )


@manager_view
@require_POST
def project_send_quote(request, pk: int):
    return _act(request, pk, services.mark_quoted, _("The quote is marked as sent."))


@manager_view
@require_POST
def project_sign(request, pk: int):
    return _act_with_form(
        request,
        pk,
        "contract",
        services.sign_contract,
        lambda project: _("Contract signed: %(a)s yuan.") % {"a": selectors.yuan(project.amount_fen)},
    )


@manager_view
@require_POST
def project_start(request, pk: int):
    return _act(request, pk, services.start, _("Work on the project has started."))


@manager_view
@require_POST
def project_deliverable(request, pk: int):
    return _act_with_form(
        request,
        pk,
        "deliverable",
        services.add_deliverable,
        lambda deliverable: _("Deliverable added: %(k)s.") % {"k": deliverable.get_kind_display()},
        arguments=lambda data: {**data["link"], "due_on": data["due_on"]},
    )


@manager_view
@require_POST
def project_milestone(request, pk: int):
    return _act_with_form(
        request, pk, "milestone", services.add_milestone, lambda milestone: _("Milestone added: %(t)s.") % {"t": milestone.title}
    )


@manager_view
@require_POST
def milestone_done(request, pk: int):
    milestone = get_object_or_404(Milestone, pk=pk)
    ok, _result = call_service_or_message(request, services.complete_milestone, actor=request.user, milestone=milestone)
    if ok:
        messages.success(request, _("Milestone done: %(t)s.") % {"t": milestone.title})
    return redirect("ops:project", milestone.project_id)


@manager_view
@require_POST
def project_invoice(request, pk: int):
    return _act_with_form(
        request,
        pk,
        "invoice",
        services.issue_invoice,
        lambda invoice: _("Invoice %(n)s recorded: %(a)s yuan.") % {"n": invoice.number, "a": selectors.yuan(invoice.amount_fen)},
    )


@manager_view
@require_POST
def project_payment(request, pk: int):
    return _act_with_form(
        request,
        pk,
        "payment",
        services.record_payment,
        lambda payment: _("Payment recorded: %(a)s yuan.") % {"a": selectors.yuan(payment.amount_fen)},
    )


@manager_view
@require_POST
def project_deliver(request, pk: int):
    return _act(request, pk, services.deliver, _("The project is delivered."))


@manager_view
@require_POST
def project_close(request, pk: int):
    return _act(request, pk, services.close, _("The project is closed."))


@manager_view
@require_POST
def project_cancel(request, pk: int):
    return _act_with_form(request, pk, "cancel", services.cancel, lambda _p: _("The project is cancelled."))
