"""Reads of operations data. The money of a project (quote, contract, invoices, payments) is for
operations staff, administrators and the chief editor; newsroom staff see what they deliver
through ``deliverables_for``, which carries no amounts. Writes go through rongmei.business.services."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import BigIntegerField, Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.business import permissions
from rongmei.business.models import Client, Deliverable, Invoice, Milestone, Payment, Project, QuoteLine

OVERDUE_DAYS = 30  # an invoice not covered by payments this many days after issue is overdue
State = Project.State
# The columns of the project board: closed and cancelled projects leave it.
BOARD_STATES = (State.LEAD, State.QUOTED, State.CONTRACTED, State.IN_PROGRESS, State.DELIVERED)
# Projects still being worked on (services.OPEN_STATES: deliverables and milestones may be added).
OPEN_STATES = (State.LEAD, State.QUOTED, State.CONTRACTED, State.IN_PROGRESS)


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    UNPAID = "unpaid", _("Unpaid")
    OVERDUE = "overdue", _("Overdue")


def yuan(fen: int) -> str:
    """Fen as yuan for people: 1234567 → "12,345.67" (integer arithmetic, no float)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


# --- money of one project (no permission check: callers have checked) ----------------------------------


def quote_total(project: Project) -> int:
    """The sum of the quote's lines, in fen."""
    total = project.quote_lines.aggregate(s=Sum(F("quantity") * F("unit_price_fen"), output_field=BigIntegerField()))["s"]
    return total or 0


def invoiced_total(project: Project, *, until: dt.date | None = None) -> int:
    invoices = Invoice.objects.filter(project=project)
    if until is not None:
        invoices = invoices.filter(issued_on__lte=until)
    return invoices.aggregate(s=Sum("amount_fen"))["s"] or 0


def received_total(project: Project, *, until: dt.date | None = None) -> int:
    payments = Payment.objects.filter(project=project)
    if until is not None:
        payments = payments.filter(received_on__lte=until)
    return payments.aggregate(s=Sum("amount_fen"))["s"] or 0


def payment_status(project: Project, *, today: dt.date | None = None) -> PaymentStatus:
    """PaymentStatus on ``today`` (default: the local date), counting the invoices issued and the
    payments received by then.

    Paid: payments cover what is due (the contract amount, or the invoices when they total more).
    Overdue: an invoice issued more than OVERDUE_DAYS ago is not covered. Payments cover the
    invoices oldest first, whichever invoice a payment names: it is the balance that ages
    (receivables ageing counts the same way). Partly paid: some money came, none of it late.
    """
    today = today or timezone.localdate()
    received = received_total(project, until=today)
    invoices = list(Invoice.objects.filter(project=project, issued_on__lte=today).order_by("issued_on", "id"))
    return _status(contract_fen=project.amount_fen, invoices=invoices, received_fen=received, today=today)


def _status(*, contract_fen: int | None, invoices: list[Invoice], received_fen: int, today: dt.date) -> PaymentStatus:
    """payment_status from what it read: the invoices issued by ``today`` (oldest first) and the
    fen received by then. Shared with money_of, which reads many projects at once."""
    due = max(contract_fen or 0, sum(invoice.amount_fen for invoice in invoices))
    if due > 0 and received_fen >= due:
        return PaymentStatus.PAID
    late_before = today - dt.timedelta(days=OVERDUE_DAYS)
    balances = open_balances([(i.issued_on, i.amount_fen) for i in invoices], received_fen)
    if any(issued_on < late_before for issued_on, _open in balances):
        return PaymentStatus.OVERDUE
    return PaymentStatus.PARTLY_PAID if received_fen > 0 else PaymentStatus.UNPAID


def open_balances(invoices, received_fen: int) -> list[tuple[dt.date, int]]:
    """(issued on, fen still open) of each invoice not fully covered, oldest first. Payments cover
    the invoices oldest first, whichever invoice a payment names: it is the balance that ages.
    ``invoices``: (issued_on, amount_fen) pairs, oldest first. The one rule of payment_status
    (overdue) and revenue.ageing (the buckets)."""
    left, open_ones = received_fen, []
    for issued_on, amount in invoices:
        covered = min(amount, left)
        left -= covered
        if amount > covered:
            open_ones.append((issued_on, amount - covered))
    return open_ones


@dataclass(frozen=True)
class ProjectMoney:
    quote_total_fen: int
    contract_fen: int | None
    invoiced_fen: int
    received_fen: int
    status: PaymentStatus

    @property
    def outstanding_fen(self) -> int:
        return max(0, max(self.contract_fen or 0, self.invoiced_fen) - self.received_fen)

    @property
    def status_label(self) -> str:
        return str(PaymentStatus(self.status).label)


# --- reads with a permission check ---------------------------------------------------------------------


def clients(*, actor) -> QuerySet[Client]:
    permissions.require_reader(actor)
    return Client.objects.select_related("unit").order_by("name")


def projects(*, actor, state: str | None = None, client: Client | None = None) -> QuerySet[Project]:
    """Projects newest first (the board groups them by state)."""
    permissions.require_reader(actor)
    qs = Project.objects.select_related("client", "salesperson")
    if state:
        qs = qs.filter(state=state)
    if client is not None:
        qs = qs.filter(client=client)
    return qs.order_by("-created_at", "-id")


def project_money(*, actor, project: Project, today: dt.date | None = None) -> ProjectMoney:
    permissions.require_reader(actor)
    return ProjectMoney(
        quote_total_fen=quote_total(project),
        contract_fen=project.amount_fen,
        invoiced_fen=invoiced_total(project),
        received_fen=received_total(project),
        status=payment_status(project, today=today),
    )


def find_clients(*, actor, query: str = "") -> QuerySet[Client]:
    """Clients whose name or credit code contains ``query`` (all without one), with their number
    of projects (``project_count``)."""
    qs = clients(actor=actor).annotate(project_count=Count("projects"))
    query = " ".join((query or "").split())[:100]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(credit_code__icontains=query.upper()))
    return qs


def client_detail(*, actor, pk: int) -> Client:
    """One client with its contacts; raises Client.DoesNotExist."""
    permissions.require_reader(actor)
    return Client.objects.select_related("unit", "created_by").prefetch_related("contacts").get(pk=pk)


def project_detail(*, actor, pk: int) -> Project:
    """One project with its client and salesperson; raises Project.DoesNotExist."""
    permissions.require_reader(actor)
    return Project.objects.select_related("client", "salesperson").get(pk=pk)


def client_payments(*, actor, client: Client) -> QuerySet[Payment]:
    """The payments of all the client's projects, newest first."""
    permissions.require_reader(actor)
    return Payment.objects.filter(project__client=client).select_related("project", "invoice").order_by("-received_on", "-id")


def money_of(*, actor, projects: Iterable[Project], today: dt.date | None = None) -> dict[int, ProjectMoney]:
    """project_money of many projects at once, by project id, in three queries whatever their
    number (the board, a client's history)."""
    permissions.require_reader(actor)
    projects = list(projects)
    ids = [project.pk for project in projects]
    if not ids:
        return {}
    today = today or timezone.localdate()
    quotes = dict(
        QuoteLine.objects.filter(project_id__in=ids)
        .order_by()
        .values("project_id")
        .annotate(s=Sum(F("quantity") * F("unit_price_fen"), output_field=BigIntegerField()))
        .values_list("project_id", "s")
    )
    invoices: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in Invoice.objects.filter(project_id__in=ids).order_by("issued_on", "id"):
        invoices[invoice.project_id].append(invoice)
    received: dict[int, int] = defaultdict(int)
    received_by_today: dict[int, int] = defaultdict(int)
    for project_id, received_on, amount in Payment.objects.filter(project_id__in=ids).values_list(
        "project_id", "received_on", "amount_fen"
    ):
        received[project_id] += amount
        if received_on <= today:
            received_by_today[project_id] += amount
    return {
        project.pk: ProjectMoney(
            quote_total_fen=quotes.get(project.pk) or 0,
            contract_fen=project.amount_fen,
            invoiced_fen=sum(invoice.amount_fen for invoice in invoices[project.pk]),
            received_fen=received[project.pk],
            status=_status(
                contract_fen=project.amount_fen,
                invoices=[invoice for invoice in invoices[project.pk] if invoice.issued_on <= today],
                received_fen=received_by_today[project.pk],
                today=today,
            ),
        )
        for project in projects
    }


@dataclass
class BoardColumn:
    state: str
    label: str
    projects: list[Project] = field(default_factory=list)


def project_board(*, actor, today: dt.date | None = None) -> list[BoardColumn]:
    """The projects not closed or cancelled, in a column per state, newest first. Each project
    carries ``next_milestone`` (its soonest undone milestone, or None) and ``money``
    (ProjectMoney). A fixed number of queries however many projects."""
    qs = (
        projects(actor=actor)
        .filter(state__in=BOARD_STATES)
        .prefetch_related(
            Prefetch(
                "milestones", queryset=Milestone.objects.filter(done_at__isnull=True).order_by("due_on", "id"), to_attr="open_milestones"
            )
        )
    )
    rows = list(qs)
    money = money_of(actor=actor, projects=rows, today=today)
    columns = {state: BoardColumn(state, str(State(state).label)) for state in BOARD_STATES}
    for project in rows:
        project.next_milestone = project.open_milestones[0] if project.open_milestones else None
        project.money = money[project.pk]
        columns[project.state].projects.append(project)
    return list(columns.values())


def due_milestones(*, actor, within_days: int = 14, today: dt.date | None = None) -> list[Milestone]:
    """Undone milestones of open projects due within ``within_days`` (late ones included),
    soonest first."""
    permissions.require_reader(actor)
    today = today or timezone.localdate()
    qs = Milestone.objects.filter(done_at__isnull=True, project__state__in=OPEN_STATES, due_on__lte=today + dt.timedelta(days=within_days))
    return list(qs.select_related("project", "project__client").order_by("due_on", "id")[:50])


def due_deliverables(*, actor, within_days: int = 14, today: dt.date | None = None) -> list[Deliverable]:
    """Deliverables not done yet of open projects due within ``within_days`` (late ones included),
    soonest first."""
    permissions.require_reader(actor)
    today = today or timezone.localdate()
    qs = Deliverable.objects.filter(
        done_at__isnull=True, project__state__in=OPEN_STATES, due_on__lte=today + dt.timedelta(days=within_days)
    )
    return list(qs.select_related("project", "story", "live_room", "plan").order_by("due_on", "id")[:50])


def waits_for_deliverables(project: Project) -> bool:
    """Whether an open project has a deliverable not done yet (its page refreshes them first)."""
    return project.state in OPEN_STATES and project.deliverables.filter(done_at__isnull=True).exists()


# --- what the newsroom sees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverableView:
    """A deliverable as the newsroom sees it: which project wants it and by when. No client money."""

    project_id: int
    project_title: str
    project_kind: str
    kind: str
    due_on: dt.date | None
    done_at: dt.datetime | None


def deliverables_for(*, actor, story=None, live_room=None, plan=None) -> list[DeliverableView]:
    """The projects a story, live room or plan (give one) is a deliverable of, cancelled ones left
    out, soonest due first."""
    if sum(target is not None for target in (story, live_room, plan)) != 1:
        raise TypeError("deliverables_for() takes exactly one of story, live_room, plan")
    permissions.require_deliverable_reader(actor)
    if story is not None:
        qs = Deliverable.objects.filter(story=story)
    elif live_room is not None:
        qs = Deliverable.objects.filter(live_room=live_room)
    else:
        qs = Deliverable.objects.filter(plan=plan)
    qs = qs.exclude(project__state=Project.State.CANCELLED).select_related("project").order_by(F("due_on").asc(nulls_last=True), "id")
    return [
        DeliverableView(
            project_id=d.project_id,
            project_title=d.project.title,
            project_kind=d.project.get_kind_display(),
            kind=d.kind,
            due_on=d.due_on,
            done_at=d.done_at,
        )
        for d in qs
    ]


def deliverable_notice(*, actor, story=None, live_room=None, plan=None) -> list[DeliverableView]:
    """deliverables_for, or nothing for someone who may not see deliverables: what a newsroom
    page shows above the story, plan or live room."""
    if not permissions.may_see_deliverables(actor):
        return []
    return deliverables_for(actor=actor, story=story, live_room=live_room, plan=plan)
