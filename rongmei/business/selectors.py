"""Reads of operations data. The money of a project (quote, contract, invoices, payments) is for
operations staff, administrators and the chief editor; newsroom staff see what they deliver
through ``deliverables_for``, which carries no amounts. Writes go through rongmei.business.services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import BigIntegerField, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.business import permissions
from rongmei.business.models import Client, Deliverable, Invoice, Payment, Project

OVERDUE_DAYS = 30  # an invoice not covered by payments this many days after issue is overdue


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
    due = max(project.amount_fen or 0, sum(invoice.amount_fen for invoice in invoices))
    if due > 0 and received >= due:
        return PaymentStatus.PAID
    late_before = today - dt.timedelta(days=OVERDUE_DAYS)
    cumulative = 0
    for invoice in invoices:
        cumulative += invoice.amount_fen
        if cumulative > received and invoice.issued_on < late_before:
            return PaymentStatus.OVERDUE
    return PaymentStatus.PARTLY_PAID if received > 0 else PaymentStatus.UNPAID


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
