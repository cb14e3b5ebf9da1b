"""Every change in operations goes through one function here: who may (rongmei.business.permissions),
the change, the audit line in the same transaction.

The project's state machine: ``lead → quoted → contracted → in_progress → delivered → closed``,
``cancelled`` from any state before ``delivered``. A project in progress becomes delivered by itself
when all its deliverables are done (``refresh_deliverables``: a story is done once published on our
site, a live room once it has streamed and ended, a plan once one of its stories is published).
Amounts are integers in fen; invoices and payments never total more than the contract."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rongmei.business import selectors
from rongmei.business.models import (
    Client,
    ClientContact,
    Deliverable,
    Invoice,
    Milestone,
    Payment,
    Project,
    QuoteLine,
    normalize_credit_code,
    validate_credit_code,
)
from rongmei.business.permissions import may_manage, require_manager
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, StateConflict
from rongmei.core.input import clean_text, strip_controls

State = Project.State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.LEAD: frozenset({State.QUOTED, State.CANCELLED}),
    State.QUOTED: frozenset({State.CONTRACTED, State.CANCELLED}),
    State.CONTRACTED: frozenset({State.IN_PROGRESS, State.CANCELLED}),
    State.IN_PROGRESS: frozenset({State.DELIVERED, State.CANCELLED}),
    State.DELIVERED: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
    State.CANCELLED: frozenset(),
}
QUOTE_STATES = (State.LEAD, State.QUOTED)  # the quote may change until the contract is signed
MONEY_STATES = (State.CONTRACTED, State.IN_PROGRESS, State.DELIVERED, State.CLOSED)  # invoices, payments
OPEN_STATES = (State.LEAD, State.QUOTED, State.CONTRACTED, State.IN_PROGRESS)  # deliverables, milestones
MAX_FEN = 10**12  # 100 亿元: more is a typing mistake
MAX_QUANTITY = 100_000
_PHONE = re.compile(r"[0-9+\-()（）\s转]+")


# --- input ------------------------------------------------------------------------------------------


def _fen(value, *, field: str, label: str) -> int:
    """A positive whole number of fen (an int: never a float, which would round)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("%(label)s must be a whole number of fen.") % {"label": label}, field=field)
    if value <= 0:
        raise DomainError(_("%(label)s must be more than zero.") % {"label": label}, field=field)
    if value > MAX_FEN:
        raise DomainError(_("%(label)s is too large.") % {"label": label}, field=field)
    return value


def _date(value: dt.date | None, *, field: str) -> dt.date:
    today = timezone.localdate()
    if value is None:
        return today
    if value > today:
        raise DomainError(_("The date cannot be in the future."), field=field)
    return value


def _choice(value: str, choices, *, field: str, message: str) -> str:
    if value not in choices.values:
        raise DomainError(message, field=field)
    return value


# --- the state machine ----------------------------------------------------------------------------------


def _lock(project: Project) -> Project:
    return Project.objects.select_for_update(of=("self",)).select_related("client").get(pk=project.pk)


def _state_label(state: str) -> str:
    return str(State(state).label)


def _move(project: Project, to: str, *, actor, action: str, summary: str, data: dict | None = None, **changes) -> Project:
    """Call with the project locked (``_lock``), inside the transaction."""
    current = project.state
    if to not in TRANSITIONS[current]:
        raise StateConflict(_("The project is %(state)s; that cannot be done now.") % {"state": _state_label(current)})
    for name, value in changes.items():
        setattr(project, name, value)
    project.state = to
    project.save()
    audit.record(action, actor=actor, subject=project, summary=summary, from_state=current, to_state=to, data=data)
    return project


def _require_state(project: Project, states, message: str) -> None:
    if project.state not in states:
        raise StateConflict(message % {"state": _state_label(project.state)})


# --- clients ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_client(*, actor, kind: str, name: str, credit_code: str = "", unit=None, notes: str = "") -> Client:
    """A client: a government unit (linked to its 承办单位 record when it has one), an enterprise or
    an organization, with its unified social credit code when known."""
    require_manager(actor)
    kind = _choice(kind, Client.Kind, field="kind", message=_("Choose the kind of client."))
    name = clean_text(name, field="name", label=_("Name"), min_len=2, max_len=100)
    if Client.objects.filter(name=name).exists():
        raise DomainError(_("A client named %(n)s exists already.") % {"n": name}, field="name")
    credit_code = normalize_credit_code(credit_code)
    if credit_code:
        try:
            validate_credit_code(credit_code)
        except ValidationError as e:
            raise DomainError(e.messages[0], field="credit_code") from None
        same = Client.objects.filter(credit_code=credit_code).first()
        if same is not None:
            raise DomainError(_("%(n)s has this credit code already.") % {"n": same.name}, field="credit_code")
    if unit is not None and kind != Client.Kind.GOVERNMENT:
        raise DomainError(_("Only a government client is linked to a government unit."), field="unit")
    try:
        with transaction.atomic():  # a savepoint: a twin created meanwhile is a message, not a 500
            client = Client.objects.create(
                kind=kind, name=name, credit_code=credit_code, unit=unit, notes=strip_controls(notes).strip()[:2000], created_by=actor
            )
    except IntegrityError:
        raise DomainError(_("A client with this name or credit code was just recorded by someone else."), field="name") from None
    audit.record(
        "business.create_client", actor=actor, subject=client, summary=_("Client created: %(n)s") % {"n": name}, data={"kind": kind}
    )
    return client


@transaction.atomic
def add_contact(*, actor, client: Client, name: str, phone: str, position: str = "") -> ClientContact:
    require_manager(actor)
    name = clean_text(name, field="name", label=pgettext("person", "Name"), min_len=2, max_len=30)
    phone = strip_controls(phone).strip()
    if not _PHONE.fullmatch(phone) or not 5 <= sum(char.isdigit() for char in phone) <= 20:
        raise DomainError(_("Enter a telephone number (digits and dashes, 转 for an extension)."), field="phone")
    position = clean_text(position, field="position", label=_("Position"), max_len=40, required=False)
    contact = ClientContact.objects.create(client=client, name=name, phone=phone[:30], position=position)
    # By number: the audit log is kept for good and holds no personal data.
    audit.record("business.add_contact", actor=actor, subject=client, summary=_("Contact #%(n)s added") % {"n": contact.pk})
    return contact


# --- projects --------------------------------------------------------------------------------------------


@transaction.atomic
def create_project(*, actor, client: Client, kind: str, title: str, salesperson=None) -> Project:
    """A lead: a project the client may buy. The salesperson is the actor unless named."""
    require_manager(actor)
    kind = _choice(kind, Project.Kind, field="kind", message=_("Choose the kind of project."))
    title = clean_text(title, field="title", label=_("Title"), min_len=2, max_len=100)
    salesperson = salesperson or actor
    if not may_manage(salesperson):
        raise DomainError(
            _("%(p)s is not on the operations staff and cannot be the salesperson.") % {"p": salesperson.display_name},
            field="salesperson",
        )
    project = Project.objects.create(client=client, kind=kind, title=title, salesperson=salesperson)
    audit.record(
        "business.create_project",
        actor=actor,
        subject=project,
        summary=_("Project created: %(t)s for %(c)s") % {"t": title, "c": client.name},
        to_state=project.state,
        data={"client": client.pk, "kind": kind, "salesperson": salesperson.pk},
    )
    return project


@transaction.atomic
def add_quote_line(*, actor, project: Project, description: str, quantity: int, unit_price_fen: int) -> QuoteLine:
    require_manager(actor)
    project = _lock(project)
    _require_state(project, QUOTE_STATES, _("The project is %(state)s; its quote can no longer change."))
    description = clean_text(description, field="description", label=_("Description"), min_len=2, max_len=200)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        raise DomainError(_("Quantity must be a whole number from 1 to %(n)s.") % {"n": MAX_QUANTITY}, field="quantity")
    unit_price_fen = _fen(unit_price_fen, field="unit_price_fen", label=_("Unit price"))
    line = QuoteLine.objects.create(project=project, description=description, quantity=quantity, unit_price_fen=unit_price_fen)
    audit.record(
        "business.add_quote_line",
        actor=actor,
        subject=project,
        summary=_("Quote line added: %(d)s, %(q)s × %(p)s yuan") % {"d": description, "q": quantity, "p": selectors.yuan(unit_price_fen)},
        data={"line": line.pk, "quantity": quantity, "unit_price_fen": unit_price_fen},
    )
    return line


@transaction.atomic
def mark_quoted(*, actor, project: Project) -> Project:
    """The quote went to the client."""
    require_manager(actor)
    project = _lock(project)
    total = selectors.quote_total(project)
    if project.state == State.LEAD and total == 0:
        raise DomainError(_("Add at least one quote line before sending the quote."))
    return _move(
        project,
        State.QUOTED,
        actor=actor,
        action="business.quote",
        summary=_("Quote sent: %(a)s yuan") % {"a": selectors.yuan(total)},
        data={"quote_total_fen": total},
    )


@transaction.atomic
def sign_contract(*, actor, project: Project, amount_fen: int, signed_on: dt.date | None = None) -> Project:
    """The client signed: the contract amount may differ from the quote (negotiated)."""
    require_manager(actor)
    project = _lock(project)
    amount_fen = _fen(amount_fen, field="amount_fen", label=_("Contract amount"))
    signed_on = _date(signed_on, field="signed_on")
    return _move(
        project,
        State.CONTRACTED,
        actor=actor,
        action="business.sign_contract",
        summary=_("Contract signed: %(a)s yuan") % {"a": selectors.yuan(amount_fen)},
        data={"amount_fen": amount_fen, "quote_total_fen": selectors.quote_total(project), "signed_on": signed_on.isoformat()},
        amount_fen=amount_fen,
        signed_on=signed_on,
    )


@transaction.atomic
def start(*, actor, project: Project) -> Project:
    require_manager(actor)
    project = _lock(project)
    project = _move(project, State.IN_PROGRESS, actor=actor, action="business.start", summary=_("Work started"))
    # Deliverables done before the work officially started count.
    return _refresh(project)


@transaction.atomic
def deliver(*, actor, project: Project) -> Project:
    """By hand, for a project with nothing the newsroom tracks (a documentary handed to the
    client); one with deliverables becomes delivered by itself when the last is done."""
    require_manager(actor)
    project = _lock(project)
    open_count = project.deliverables.filter(done_at__isnull=True).count()
    if open_count:
        raise StateConflict(_("%(n)s deliverables are not done yet.") % {"n": open_count})
    return _move(project, State.DELIVERED, actor=actor, action="business.deliver", summary=_("Project delivered"))


@transaction.atomic
def close(*, actor, project: Project) -> Project:
    require_manager(actor)
    project = _lock(project)
    return _move(project, State.CLOSED, actor=actor, action="business.close", summary=_("Project closed"))


@transaction.atomic
def cancel(*, actor, project: Project, reason: str) -> Project:
    require_manager(actor)
    project = _lock(project)
    reason = clean_text(reason, field="reason", label=_("Reason"), min_len=2, max_len=300)
    return _move(
        project,
        State.CANCELLED,
        actor=actor,
        action="business.cancel",
        summary=_("Project cancelled: %(r)s") % {"r": reason},
        cancel_reason=reason,
    )


# --- deliverables and milestones --------------------------------------------------------------------------


def _target_title(deliverable: Deliverable) -> str:
    if deliverable.story_id:
        return deliverable.story.headline
    if deliverable.live_room_id:
        return deliverable.live_room.title
    return deliverable.plan.title


@transaction.atomic
def add_deliverable(*, actor, project: Project, story=None, live_room=None, plan=None, due_on: dt.date | None = None) -> Deliverable:
    """Link a newsroom story, live room or plan (exactly one) to the project. One already done
    counts at once (and may complete a project in progress)."""
    require_manager(actor)
    targets = {Deliverable.Kind.STORY: story, Deliverable.Kind.LIVE_ROOM: live_room, Deliverable.Kind.PLAN: plan}
    given = [(kind, target) for kind, target in targets.items() if target is not None]
    if len(given) != 1:
        raise DomainError(_("Link exactly one story, live room or plan."))
    kind, target = given[0]
    project = _lock(project)
    _require_state(project, OPEN_STATES, _("The project is %(state)s; deliverables can no longer be added."))
    if project.deliverables.filter(**{kind: target}).exists():
        raise DomainError(_("This is a deliverable of the project already."))
    deliverable = Deliverable.objects.create(project=project, kind=kind, due_on=due_on, **{kind: target})
    audit.record(
        "business.add_deliverable",
        actor=actor,
        subject=project,
        summary=_("Deliverable added: %(k)s %(t)s") % {"k": deliverable.get_kind_display(), "t": _target_title(deliverable)},
        data={"deliverable": deliverable.pk, "kind": kind, "target": target.pk},
    )
    _refresh(project)
    deliverable.refresh_from_db()
    return deliverable


def _done_ids(deliverables: list[Deliverable]) -> set[int]:
    """The deliverables among these whose newsroom object is done now."""
    from rongmei.distribution.selectors import published_stories
    from rongmei.live.models import LiveRoom

    story_ids = {d.story_id for d in deliverables if d.story_id}
    plan_ids = {d.plan_id for d in deliverables if d.plan_id}
    published = published_stories().prefetch_related(None).order_by()
    published_ids = set(published.filter(pk__in=story_ids).values_list("pk", flat=True)) if story_ids else set()
    plans_done = set(published.filter(plan_id__in=plan_ids).values_list("plan_id", flat=True)) if plan_ids else set()
    streamed = (LiveRoom.State.ENDED, LiveRoom.State.REPLAY)
    return {
        d.pk
        for d in deliverables
        if (d.story_id in published_ids) or (d.plan_id in plans_done) or (d.live_room_id is not None and d.live_room.state in streamed)
    }


def _refresh(project: Project, now: dt.datetime | None = None) -> Project:
    """Call with the project locked, inside the transaction."""
    if project.state == State.CANCELLED:
        return project
    now = now or timezone.now()
    deliverables = list(project.deliverables.select_related("story", "live_room", "plan"))
    open_ones = [d for d in deliverables if d.done_at is None]
    done = _done_ids(open_ones)
    for deliverable in open_ones:
        if deliverable.pk not in done:
            continue
        deliverable.done_at = now
        deliverable.save(update_fields=["done_at"])
        audit.record(
            "business.deliverable_done",
            actor=None,
            subject=project,
            summary=_("Deliverable done: %(k)s %(t)s") % {"k": deliverable.get_kind_display(), "t": _target_title(deliverable)},
            data={"deliverable": deliverable.pk},
        )
    if project.state == State.IN_PROGRESS and deliverables and all(d.done_at is not None for d in deliverables):
        project = _move(
            project,
            State.DELIVERED,
            actor=None,
            action="business.deliver",
            summary=_("All deliverables are done: the project is delivered"),
        )
    return project


@transaction.atomic
def refresh_deliverables(project: Project, *, now: dt.datetime | None = None) -> Project:
    """Mark the project's deliverables whose story is published or whose live room has streamed as
    done, and deliver a project in progress whose deliverables are all done. Done by the system
    (a listener or task calls it), so no actor; idempotent. A retraction later does not undo it."""
    return _refresh(_lock(project), now)


def refresh_projects_of(kind: str, target_id: int) -> int:
    """Refresh the open projects with this story (or its plan), live room or plan as a not yet
    done deliverable, each in its own transaction. Returns how many were refreshed."""
    from rongmei.newsroom.models import Story

    waiting = Deliverable.objects.filter(done_at__isnull=True, project__state__in=OPEN_STATES)
    if kind == "story":
        plan_id = Story.objects.filter(pk=target_id).values_list("plan_id", flat=True).first()
        match = Q(story_id=target_id) | (Q(plan_id=plan_id) if plan_id else Q(pk__in=[]))
    elif kind in ("live_room", "plan"):
        match = Q(**{f"{kind}_id": target_id})
    else:
        raise ValueError(f"unknown deliverable kind {kind!r}")
    project_ids = sorted(set(waiting.filter(match).values_list("project_id", flat=True)))
    for project in Project.objects.filter(pk__in=project_ids):
        refresh_deliverables(project)
    return len(project_ids)


def refresh_open_projects() -> int:
    """The safety net after a lost task (``manage.py business_refresh``, from cron): refresh every
    open project that still waits for a deliverable."""
    project_ids = sorted(
        set(Deliverable.objects.filter(done_at__isnull=True, project__state__in=OPEN_STATES).values_list("project_id", flat=True))
    )
    for project in Project.objects.filter(pk__in=project_ids):
        refresh_deliverables(project)
    return len(project_ids)


@transaction.atomic
def add_milestone(*, actor, project: Project, title: str, due_on: dt.date) -> Milestone:
    require_manager(actor)
    project = _lock(project)
    _require_state(project, OPEN_STATES, _("The project is %(state)s; milestones can no longer be added."))
    title = clean_text(title, field="title", label=_("Title"), min_len=2, max_len=100)
    if not isinstance(due_on, dt.date):
        raise DomainError(_("Give the date the milestone is due."), field="due_on")
    milestone = Milestone.objects.create(project=project, title=title, due_on=due_on)
    audit.record(
        "business.add_milestone",
        actor=actor,
        subject=project,
        summary=_("Milestone added: %(t)s, due %(d)s") % {"t": title, "d": due_on.isoformat()},
        data={"milestone": milestone.pk},
    )
    return milestone


@transaction.atomic
def complete_milestone(*, actor, milestone: Milestone) -> Milestone:
    require_manager(actor)
    milestone = Milestone.objects.select_for_update(of=("self",)).select_related("project").get(pk=milestone.pk)
    if milestone.done_at is not None:
        raise StateConflict(_("This milestone is done already."))
    milestone.done_at = timezone.now()
    milestone.save(update_fields=["done_at"])
    audit.record(
        "business.complete_milestone",
        actor=actor,
        subject=milestone.project,
        summary=_("Milestone done: %(t)s") % {"t": milestone.title},
        data={"milestone": milestone.pk},
    )
    return milestone


# --- money ------------------------------------------------------------------------------------------------


@transaction.atomic
def issue_invoice(*, actor, project: Project, number: str, amount_fen: int, issued_on: dt.date | None = None) -> Invoice:
    """Record an invoice as issued. Invoices of a project never total more than its contract."""
    require_manager(actor)
    project = _lock(project)
    _require_state(project, MONEY_STATES, _("The project is %(state)s; invoices follow a signed contract."))
    number = clean_text(number, field="number", label=_("Invoice number"), min_len=2, max_len=40)
    amount_fen = _fen(amount_fen, field="amount_fen", label=_("Amount"))
    issued_on = _date(issued_on, field="issued_on")
    if Invoice.objects.filter(number=number).exists():
        raise DomainError(_("Invoice %(n)s is recorded already.") % {"n": number}, field="number")
    total = selectors.invoiced_total(project) + amount_fen
    if total > project.amount_fen:
        raise DomainError(
            _("Invoices would total %(t)s yuan, more than the contract's %(c)s yuan.")
            % {"t": selectors.yuan(total), "c": selectors.yuan(project.amount_fen)},
            field="amount_fen",
        )
    try:
        with transaction.atomic():  # the number is unique across projects, which the project lock does not cover
            invoice = Invoice.objects.create(project=project, number=number, issued_on=issued_on, amount_fen=amount_fen)
    except IntegrityError:
        raise DomainError(_("Invoice %(n)s is recorded already.") % {"n": number}, field="number") from None
    audit.record(
        "business.issue_invoice",
        actor=actor,
        subject=project,
        summary=_("Invoice %(n)s issued: %(a)s yuan") % {"n": number, "a": selectors.yuan(amount_fen)},
        data={"invoice": invoice.pk, "amount_fen": amount_fen, "issued_on": issued_on.isoformat()},
    )
    return invoice


@transaction.atomic
def record_payment(
    *,
    actor,
    project: Project,
    amount_fen: int,
    method: str = Payment.Method.BANK_TRANSFER,
    received_on: dt.date | None = None,
    invoice: Invoice | None = None,
) -> Payment:
    """Money received from the client. Payments of a project never total more than its contract."""
    require_manager(actor)
    project = _lock(project)
    _require_state(project, MONEY_STATES, _("The project is %(state)s; payments follow a signed contract."))
    amount_fen = _fen(amount_fen, field="amount_fen", label=_("Amount"))
    method = _choice(method, Payment.Method, field="method", message=_("Choose how the money was paid."))
    received_on = _date(received_on, field="received_on")
    if invoice is not None and invoice.project_id != project.pk:
        raise DomainError(_("That invoice belongs to another project."), field="invoice")
    total = selectors.received_total(project) + amount_fen
    if total > project.amount_fen:
        raise DomainError(
            _("Payments would total %(t)s yuan, more than the contract's %(c)s yuan.")
            % {"t": selectors.yuan(total), "c": selectors.yuan(project.amount_fen)},
            field="amount_fen",
        )
    payment = Payment.objects.create(project=project, invoice=invoice, received_on=received_on, amount_fen=amount_fen, method=method)
    audit.record(
        "business.record_payment",
        actor=actor,
        subject=project,
        summary=_("Payment received: %(a)s yuan (%(m)s)") % {"a": selectors.yuan(amount_fen), "m": payment.get_method_display()},
        data={"payment": payment.pk, "amount_fen": amount_fen, "invoice": invoice.pk if invoice else None},
    )
    return payment
