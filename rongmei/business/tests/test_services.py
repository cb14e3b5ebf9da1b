"""Operations (rongmei.business.services): clients with a checked credit code, the project's state
machine with an audit line per step, deliverables done when the newsroom publishes or a live room
streams, invoices and payments with their status, and who may do what."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rongmei.accounts.models import Role
from rongmei.business import selectors, services
from rongmei.business.models import ClientContact, Deliverable, Payment, Project, validate_credit_code
from rongmei.business.selectors import PaymentStatus
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel
from rongmei.live import services as live
from rongmei.live.models import LiveRoom
from rongmei.newsroom import services as newsroom
from rongmei.testing import factories
from rongmei.testing.personas import make_user

pytestmark = pytest.mark.django_db

State = Project.State
VALID_CODE = "91350100M000100Y43"  # the example of GB 32100-2015
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are compared by their English msgids."""


@pytest.fixture
def client_(sales):
    return services.create_client(actor=sales, kind="enterprise", name="泌阳县夏南牛业有限公司", credit_code=VALID_CODE)


@pytest.fixture
def project(sales, client_):
    return services.create_project(actor=sales, client=client_, kind="live_broadcast", title="第十五届中国牛业发展大会直播")


def _quoted(sales, project) -> Project:
    services.add_quote_line(actor=sales, project=project, description="直播技术服务", quantity=2, unit_price_fen=4_000_000)
    services.add_quote_line(actor=sales, project=project, description="宣传片剪辑", quantity=1, unit_price_fen=2_500_000)
    return services.mark_quoted(actor=sales, project=project)


def _contracted(sales, project, amount_fen=10_000_000) -> Project:
    return services.sign_contract(actor=sales, project=_quoted(sales, project), amount_fen=amount_fen)


def _in_progress(sales, project) -> Project:
    return services.start(actor=sales, project=_contracted(sales, project))


def _publish(story, reviewers):
    """The rest of factories.published_story for a story already in review."""
    for reviewer in reviewers:
        newsroom.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    for pub in distribution.publish(actor=reviewers[-1], story=story, channels=list(Channel.objects.filter(code="website"))):
        distribution.send(pub)


def _room(operator) -> LiveRoom:
    return live.create_room(actor=operator, title="牛业大会开幕式", scheduled_at=timezone.now() + dt.timedelta(hours=1))


def _actions(project) -> list[tuple[str, str]]:
    lines = AuditLog.objects.filter(subject_type="business.project", subject_id=str(project.pk)).order_by("id")
    return list(lines.values_list("action", "to_state"))


# --- clients ------------------------------------------------------------------------------------------


def test_a_valid_credit_code_passes_the_check_character():
    validate_credit_code(VALID_CODE)
    validate_credit_code("911100007109250324")
    validate_credit_code(" 91350100m000100y43 ")  # spaces and lower case as typed


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "check character does not match"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100I43", "18 characters"),  # I is not used
        ("9135AB00M000100Y43", "18 characters"),  # the division code is digits
    ],
)
def test_a_mistyped_credit_code_is_refused(sales, code, message):
    with pytest.raises(DomainError) as e:
        services.create_client(actor=sales, kind="enterprise", name="泌阳县某公司", credit_code=code)
    assert e.value.field == "credit_code" and message in e.value.message


def test_a_client_is_created_once_with_its_normalized_code_and_audited(sales, client_):
    assert client_.credit_code == VALID_CODE
    with pytest.raises(DomainError, match="exists already"):
        services.create_client(actor=sales, kind="enterprise", name="泌阳县夏南牛业有限公司")
    with pytest.raises(DomainError, match="has this credit code already"):
        services.create_client(actor=sales, kind="enterprise", name="另一家公司", credit_code=VALID_CODE.lower())
    line = AuditLog.objects.get(action="business.create_client")
    assert line.actor == sales and line.subject_id == str(client_.pk)


def test_only_a_government_client_links_a_unit(sales, unit):
    government = services.create_client(actor=sales, kind="government", name="泌阳县农业农村局", unit=unit)
    assert government.unit == unit
    with pytest.raises(DomainError) as e:
        services.create_client(actor=sales, kind="enterprise", name="泌阳县某公司", unit=unit)
    assert e.value.field == "unit"


def test_a_contacts_phone_is_encrypted_at_rest_and_kept_out_of_the_audit_log(sales, client_):
    contact = services.add_contact(actor=sales, client=client_, name="马经理", phone="0396-7922345", position="办公室主任")
    assert ClientContact.objects.get(pk=contact.pk).phone == "0396-7922345"
    raw = ClientContact.objects.filter(pk=contact.pk).values_list("phone", flat=True).query
    with connection.cursor() as cursor:
        cursor.execute(*raw.sql_with_params())
        assert cursor.fetchone()[0].startswith("gAAAAA")
    line = AuditLog.objects.get(action="business.add_contact")
    assert "7922345" not in line.summary and "马经理" not in line.summary
    with pytest.raises(DomainError) as e:
        services.add_contact(actor=sales, client=client_, name="马经理", phone="call me")
    assert e.value.field == "phone"


# --- the project's lifecycle ----------------------------------------------------------------------------


def test_the_full_lifecycle_writes_an_audit_line_per_step(sales, project, reporter, team, reviewers):
    assert project.state == State.LEAD and project.salesperson == sales
    project = _contracted(sales, project, amount_fen=10_000_000)
    assert selectors.quote_total(project) == 2 * 4_000_000 + 2_500_000
    assert project.state == State.CONTRACTED and project.amount_fen == 10_000_000 and project.signed_on == TODAY
    project = services.start(actor=sales, project=project)
    assert project.state == State.IN_PROGRESS

    story = factories.story_in_review(reporter, team)
    deliverable = services.add_deliverable(actor=sales, project=project, story=story, due_on=TODAY + dt.timedelta(days=7))
    assert deliverable.done_at is None
    _publish(story, reviewers)
    project = services.refresh_deliverables(project)
    assert project.state == State.DELIVERED

    invoice = services.issue_invoice(actor=sales, project=project, number="No.41000001", amount_fen=10_000_000)
    services.record_payment(actor=sales, project=project, amount_fen=10_000_000, invoice=invoice)
    assert selectors.payment_status(project) == PaymentStatus.PAID
    project = services.close(actor=sales, project=project)
    assert project.state == State.CLOSED

    assert _actions(project) == [
        ("business.create_project", "lead"),
        ("business.add_quote_line", ""),
        ("business.add_quote_line", ""),
        ("business.quote", "quoted"),
        ("business.sign_contract", "contracted"),
        ("business.start", "in_progress"),
        ("business.add_deliverable", ""),
        ("business.deliverable_done", ""),
        ("business.deliver", "delivered"),
        ("business.issue_invoice", ""),
        ("business.record_payment", ""),
        ("business.close", "closed"),
    ]
    signed = AuditLog.objects.get(action="business.sign_contract")
    assert signed.actor == sales and signed.from_state == "quoted" and signed.data["amount_fen"] == 10_000_000
    assert signed.summary == "Contract signed: 100,000.00 yuan"
    delivered = AuditLog.objects.get(action="business.deliver")
    assert delivered.actor is None and delivered.actor_name == "System"


def test_steps_out_of_order_are_refused(sales, project):
    with pytest.raises(DomainError, match="at least one quote line"):
        services.mark_quoted(actor=sales, project=project)
    with pytest.raises(StateConflict, match="The project is Lead"):
        services.sign_contract(actor=sales, project=project, amount_fen=100)
    with pytest.raises(StateConflict):
        services.start(actor=sales, project=project)
    with pytest.raises(StateConflict, match="invoices follow a signed contract"):
        services.issue_invoice(actor=sales, project=project, number="No.1", amount_fen=100)
    project = _contracted(sales, project)
    with pytest.raises(StateConflict, match="its quote can no longer change"):
        services.add_quote_line(actor=sales, project=project, description="追加", quantity=1, unit_price_fen=100)


def test_amounts_are_whole_positive_fen(sales, project):
    for bad in (12.5, "100", 0, -1, True):
        with pytest.raises(DomainError) as e:
            services.add_quote_line(actor=sales, project=project, description="直播", quantity=1, unit_price_fen=bad)
        assert e.value.field == "unit_price_fen"
    with pytest.raises(DomainError) as e:
        services.add_quote_line(actor=sales, project=project, description="直播", quantity=0, unit_price_fen=100)
    assert e.value.field == "quantity"


@pytest.mark.parametrize("state", [State.LEAD, State.QUOTED, State.CONTRACTED, State.IN_PROGRESS])
def test_a_project_is_cancelled_from_any_state_before_delivery(sales, project, state):
    steps = {State.QUOTED: _quoted, State.CONTRACTED: _contracted, State.IN_PROGRESS: _in_progress}
    if state in steps:
        project = steps[state](sales, project)
    assert project.state == state
    project = services.cancel(actor=sales, project=project, reason="客户预算取消")
    assert project.state == State.CANCELLED and project.cancel_reason == "客户预算取消"
    assert _actions(project)[-1] == ("business.cancel", "cancelled")


def test_a_delivered_project_cannot_be_cancelled(sales, project):
    project = services.deliver(actor=sales, project=_in_progress(sales, project))
    with pytest.raises(StateConflict, match="The project is Delivered"):
        services.cancel(actor=sales, project=project, reason="太晚了")


# --- deliverables ---------------------------------------------------------------------------------------


def test_a_deliverable_links_exactly_one_newsroom_object(sales, project, reporter, team, operator):
    story = factories.draft_story(reporter, team)
    with pytest.raises(DomainError, match="exactly one"):
        services.add_deliverable(actor=sales, project=project)
    with pytest.raises(DomainError, match="exactly one"):
        services.add_deliverable(actor=sales, project=project, story=story, live_room=_room(operator))
    services.add_deliverable(actor=sales, project=project, story=story)
    with pytest.raises(DomainError, match="already"):
        services.add_deliverable(actor=sales, project=project, story=story)


def test_the_database_refuses_a_deliverable_with_no_or_two_targets_or_the_wrong_kind(project, reporter, team, operator):
    story = factories.draft_story(reporter, team)
    room = _room(operator)
    for fields in (
        {"kind": "story"},
        {"kind": "story", "story": story, "live_room": room},
        {"kind": "live_room", "story": story},
        {"kind": "plan", "live_room": room},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Deliverable.objects.create(project=project, **fields)
    assert Deliverable.objects.create(project=project, kind="live_room", live_room=room).pk


def test_a_story_deliverable_is_done_when_the_story_is_published(sales, project, reporter, team, reviewers):
    project = _in_progress(sales, project)
    story = factories.story_in_review(reporter, team)
    deliverable = services.add_deliverable(actor=sales, project=project, story=story)
    services.refresh_deliverables(project)
    deliverable.refresh_from_db()
    assert deliverable.done_at is None
    _publish(story, reviewers)
    assert services.refresh_deliverables(project).state == State.DELIVERED
    deliverable.refresh_from_db()
    assert deliverable.done_at is not None
    services.refresh_deliverables(project)  # again: nothing more happens
    assert [a for a, _ in _actions(project)].count("business.deliverable_done") == 1


def test_an_already_published_story_counts_at_once(sales, project, reporter, team, reviewers):
    story = factories.published_story(reporter, team, reviewers)
    project = _in_progress(sales, project)
    deliverable = services.add_deliverable(actor=sales, project=project, story=story)
    assert deliverable.done_at is not None
    project.refresh_from_db()
    assert project.state == State.DELIVERED


def test_a_live_room_deliverable_is_done_when_the_room_ends_and_the_project_waits_for_all(
    sales, project, operator, reporter, team, reviewers
):
    project = _in_progress(sales, project)
    room = _room(operator)
    story = factories.story_in_review(reporter, team)
    room_deliverable = services.add_deliverable(actor=sales, project=project, live_room=room)
    services.add_deliverable(actor=sales, project=project, story=story)

    live.authorize_publish(key=room.stream_key)
    assert services.refresh_deliverables(project).state == State.IN_PROGRESS
    room_deliverable.refresh_from_db()
    assert room_deliverable.done_at is None  # live, not ended

    live.publish_done(key=room.stream_key)
    project = services.refresh_deliverables(project)
    room_deliverable.refresh_from_db()
    assert room_deliverable.done_at is not None
    assert project.state == State.IN_PROGRESS  # the story is not published yet

    _publish(story, reviewers)
    assert services.refresh_deliverables(project).state == State.DELIVERED


def test_a_plan_deliverable_is_done_when_one_of_its_stories_is_published(sales, project, reporter, column_lead, team, reviewers):
    plan = factories.approved_plan(reporter, column_lead, team)
    project = _in_progress(sales, project)
    deliverable = services.add_deliverable(actor=sales, project=project, plan=plan)
    story = factories.story_in_review(reporter, team)
    story.plan = plan
    story.save(update_fields=["plan"])
    services.refresh_deliverables(project)
    deliverable.refresh_from_db()
    assert deliverable.done_at is None
    _publish(story, reviewers)
    assert services.refresh_deliverables(project).state == State.DELIVERED


def test_deliverables_done_before_the_start_do_not_deliver_a_project_not_in_progress(sales, project, reporter, team, reviewers):
    story = factories.published_story(reporter, team, reviewers)
    services.add_deliverable(actor=sales, project=project, story=story)
    project.refresh_from_db()
    assert project.state == State.LEAD
    assert _in_progress(sales, project).state == State.DELIVERED  # counted when the work starts


def test_the_newsroom_sees_deliverables_without_money(sales, project, reporter, team, editor, photographer, chief, operator):
    project = _contracted(sales, project)
    story = factories.draft_story(reporter, team)
    services.add_deliverable(actor=sales, project=project, story=story, due_on=TODAY + dt.timedelta(days=3))
    for person in (reporter, editor, photographer, chief, operator, sales):
        (view,) = selectors.deliverables_for(actor=person, story=story)
        assert view.project_title == "第十五届中国牛业发展大会直播" and view.due_on == TODAY + dt.timedelta(days=3)
    names = [field.name for field in dataclasses.fields(view)]
    assert not [name for name in names if "amount" in name or "fen" in name or "price" in name or "client" in name]
    assert "10000000" not in repr(view) and "100,000" not in repr(view)


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.PARTNER])
def test_people_outside_the_house_do_not_see_deliverables(project, reporter, team, role):
    story = factories.draft_story(reporter, team)
    with pytest.raises(NotAllowed):
        selectors.deliverables_for(actor=make_user("outside", "外部", role), story=story)


# --- money -------------------------------------------------------------------------------------------------


def test_payment_status_goes_unpaid_overdue_partly_paid_paid(sales, project):
    project = _contracted(sales, project, amount_fen=100_000)
    issued = TODAY - dt.timedelta(days=60)
    assert selectors.payment_status(project) == PaymentStatus.UNPAID
    services.issue_invoice(actor=sales, project=project, number="No.1", amount_fen=60_000, issued_on=issued)
    assert selectors.payment_status(project, today=issued + dt.timedelta(days=30)) == PaymentStatus.UNPAID
    assert selectors.payment_status(project, today=issued + dt.timedelta(days=31)) == PaymentStatus.OVERDUE

    services.record_payment(actor=sales, project=project, amount_fen=50_000, received_on=issued + dt.timedelta(days=40))
    assert selectors.payment_status(project, today=issued + dt.timedelta(days=35)) == PaymentStatus.OVERDUE  # not received yet
    assert selectors.payment_status(project) == PaymentStatus.OVERDUE  # 10,000 fen of the invoice still open
    services.record_payment(actor=sales, project=project, amount_fen=10_000, method=Payment.Method.CHEQUE)
    assert selectors.payment_status(project) == PaymentStatus.PARTLY_PAID  # the invoice is covered, the contract not

    services.issue_invoice(actor=sales, project=project, number="No.2", amount_fen=40_000)
    assert selectors.payment_status(project, today=TODAY + dt.timedelta(days=31)) == PaymentStatus.OVERDUE
    services.record_payment(actor=sales, project=project, amount_fen=40_000)
    assert selectors.payment_status(project, today=TODAY + dt.timedelta(days=365)) == PaymentStatus.PAID

    money = selectors.project_money(actor=sales, project=project)
    assert (money.contract_fen, money.invoiced_fen, money.received_fen, money.outstanding_fen) == (100_000, 100_000, 100_000, 0)
    assert money.status_label == "Paid"


def test_invoices_and_payments_never_exceed_the_contract(sales, project, client_):
    project = _contracted(sales, project, amount_fen=100_000)
    invoice = services.issue_invoice(actor=sales, project=project, number="No.1", amount_fen=100_000)
    with pytest.raises(DomainError, match="more than the contract's 1,000.00 yuan"):
        services.issue_invoice(actor=sales, project=project, number="No.2", amount_fen=1)
    with pytest.raises(DomainError, match="recorded already"):
        services.issue_invoice(actor=sales, project=project, number="No.1", amount_fen=1)
    with pytest.raises(DomainError, match="Payments would total"):
        services.record_payment(actor=sales, project=project, amount_fen=100_001)
    with pytest.raises(DomainError, match="cannot be in the future"):
        services.record_payment(actor=sales, project=project, amount_fen=1, received_on=TODAY + dt.timedelta(days=1))
    other = services.create_project(actor=sales, client=client_, kind="event", title="泌阳花菇节")
    other = _contracted(sales, other)
    with pytest.raises(DomainError, match="belongs to another project"):
        services.record_payment(actor=sales, project=other, amount_fen=1, invoice=invoice)


def test_milestones_are_added_and_done_once(sales, project):
    milestone = services.add_milestone(actor=sales, project=project, title="脚本定稿", due_on=TODAY + dt.timedelta(days=5))
    assert services.complete_milestone(actor=sales, milestone=milestone).done_at is not None
    with pytest.raises(StateConflict):
        services.complete_milestone(actor=sales, milestone=milestone)
    assert [a for a, _ in _actions(project)][-2:] == ["business.add_milestone", "business.complete_milestone"]


# --- who may ---------------------------------------------------------------------------------------------------

ROLES = [
    (Role.OPERATIONS, True, True),
    (Role.ADMIN, True, True),
    (Role.CHIEF_EDITOR, False, True),
    (Role.REPORTER, False, False),
    (Role.PHOTOGRAPHER, False, False),
    (Role.EDITOR, False, False),
    (Role.COLUMN_LEAD, False, False),
    (Role.OPERATOR, False, False),
    (Role.UNIT_STAFF, False, False),
    (Role.PARTNER, False, False),
]


@pytest.mark.parametrize(("role", "may_change", "may_read"), ROLES)
def test_who_may_change_and_who_may_read(role, may_change, may_read, sales, client_, project):
    person = make_user(f"person_{role}", "某人", role)
    project = _contracted(sales, project)
    changes = [
        lambda: services.create_client(actor=person, kind="organization", name="泌阳县慈善总会"),
        lambda: services.add_contact(actor=person, client=client_, name="马经理", phone="13800000000"),
        lambda: services.create_project(actor=person, client=client_, kind="campaign", title="夏南牛品牌宣传"),
        lambda: services.issue_invoice(actor=person, project=project, number=f"No.{role}", amount_fen=1),
        lambda: services.record_payment(actor=person, project=project, amount_fen=1),
        lambda: services.start(actor=person, project=project),
    ]
    reads = [
        lambda: list(selectors.clients(actor=person)),
        lambda: list(selectors.projects(actor=person)),
        lambda: selectors.project_money(actor=person, project=project),
    ]
    for change in changes:
        if may_change:
            change()
        else:
            with pytest.raises(NotAllowed, match="Only operations staff may do this"):
                change()
    for read in reads:
        if may_read:
            read()
        else:
            with pytest.raises(NotAllowed):
                read()


def test_an_inactive_operations_user_may_do_nothing(sales, client_):
    sales.is_active = False
    sales.save()
    with pytest.raises(NotAllowed):
        services.create_project(actor=sales, client=client_, kind="event", title="泌阳花菇节")
    with pytest.raises(NotAllowed):
        selectors.clients(actor=sales)


def test_the_salesperson_is_on_the_operations_staff(sales, client_, reporter, admin_user):
    with pytest.raises(DomainError) as e:
        services.create_project(actor=sales, client=client_, kind="event", title="泌阳花菇节", salesperson=reporter)
    assert e.value.field == "salesperson"
    assert (
        services.create_project(actor=admin_user, client=client_, kind="event", title="泌阳花菇节", salesperson=sales).salesperson == sales
    )


# --- the listeners: the newsroom's publish and the room's end refresh projects by themselves ----------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


def test_publishing_the_story_and_ending_the_room_deliver_the_project_without_a_call(
    sales, project, operator, reporter, team, reviewers, immediate_tasks, django_capture_on_commit_callbacks
):
    project = _in_progress(sales, project)
    room = _room(operator)
    story = factories.story_in_review(reporter, team)
    services.add_deliverable(actor=sales, project=project, live_room=room)
    services.add_deliverable(actor=sales, project=project, story=story)
    live.authorize_publish(key=room.stream_key)

    with django_capture_on_commit_callbacks(execute=True):
        live.publish_done(key=room.stream_key)
    project.refresh_from_db()
    assert project.state == State.IN_PROGRESS
    assert project.deliverables.get(kind="live_room").done_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        _publish(story, reviewers)
    project.refresh_from_db()
    assert project.state == State.DELIVERED
    assert ("business.deliver", State.DELIVERED) in _actions(project)


def test_a_lost_task_is_caught_up_by_the_refresh_command(sales, project, reporter, team, reviewers, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    project = _in_progress(sales, project)
    story = factories.story_in_review(reporter, team)
    services.add_deliverable(actor=sales, project=project, story=story)
    with django_capture_on_commit_callbacks(execute=False):  # the task is never run
        _publish(story, reviewers)
    project.refresh_from_db()
    assert project.state == State.IN_PROGRESS
    call_command("business_refresh", stdout=open("/dev/null", "w"))  # noqa: SIM115
    project.refresh_from_db()
    assert project.state == State.DELIVERED


def test_stories_outside_any_project_enqueue_nothing(reporter, team, reviewers, django_capture_on_commit_callbacks):
    story = factories.story_in_review(reporter, team)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _publish(story, reviewers)
    assert not any("business" in getattr(cb, "__module__", "") for cb in callbacks)


def test_a_twin_recorded_meanwhile_is_a_message_not_an_error(sales, client_, project, monkeypatch):
    """The existence checks run before the insert; a twin committed in between (another person,
    another machine) hits the unique constraint, which the services turn into the same message."""
    from rongmei.business.models import Client, Invoice

    monkeypatch.setattr(Client.objects, "filter", lambda *a, **k: Client.objects.none())
    with pytest.raises(DomainError) as refused:
        services.create_client(actor=sales, kind="enterprise", name=client_.name)
    assert refused.value.field == "name"
    monkeypatch.undo()

    project = _contracted(sales, project)
    services.issue_invoice(actor=sales, project=project, number="No.00012345", amount_fen=1_000_000)
    other = _contracted(sales, services.create_project(actor=sales, client=client_, kind="event", title="夏南牛文化节"))
    monkeypatch.setattr(Invoice.objects, "filter", lambda *a, **k: Invoice.objects.none())
    with pytest.raises(DomainError) as refused:
        services.issue_invoice(actor=sales, project=other, number="No.00012345", amount_fen=1_000_000)
    assert refused.value.field == "number"
    assert Invoice.objects.all().count() == 1
