import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.context import reset_client_ip, set_client_ip
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog, Notification
from rongmei.newsroom import services
from rongmei.newsroom.models import Assignment, Plan, Story
from rongmei.testing import factories


@pytest.fixture
def client_ip():
    token = set_client_ip("192.0.2.33")
    yield "192.0.2.33"
    reset_client_ip(token)


@pytest.fixture
def plan(reporter, column_lead, team):
    return factories.approved_plan(reporter, column_lead, team, kinds=("text", "photo"))


@pytest.fixture
def coverage(plan):
    return factories.coverage_of(plan, "text")


@pytest.fixture
def offered(column_lead, coverage, reporter):
    assignment = services.assign(actor=column_lead, coverage=coverage, assignee=reporter)
    Notification.objects.all().delete()
    return assignment


def test_dispatching_offers_the_coverage_and_notifies_only_the_assignee(column_lead, coverage, reporter2, client_ip):
    Notification.objects.all().delete()
    assignment = services.assign(actor=column_lead, coverage=coverage, assignee=reporter2, note=" 带上无人机 ")
    assert assignment.status == Assignment.Status.OFFERED
    assert assignment.assigned_by == column_lead
    assert assignment.deadline == coverage.deadline
    assert assignment.note == "带上无人机"
    line = AuditLog.objects.get(action="assignment.create", subject_id=str(assignment.pk))
    assert (line.actor, line.to_state, line.ip_address) == (column_lead, "offered", client_ip)
    assert list(Notification.objects.values_list("recipient", "kind")) == [(reporter2.pk, "assignment")]


def test_a_dispatch_may_set_its_own_deadline(chief, coverage, photographer):
    deadline = timezone.now() + dt.timedelta(hours=5)
    assignment = services.assign(actor=chief, coverage=coverage, assignee=photographer, deadline=deadline)
    assert assignment.deadline == deadline


@pytest.mark.parametrize("name", ["other_lead", "reporter", "editor", "operator", "outsider"])
def test_only_the_team_lead_or_chief_may_dispatch(people, coverage, name):
    with pytest.raises(NotAllowed) as err:
        services.assign(actor=people[name], coverage=coverage, assignee=people["reporter2"])
    assert err.value.message
    assert not Assignment.objects.exists()


def test_coverages_of_a_plan_not_yet_approved_cannot_be_dispatched(reporter, column_lead, team):
    plan = services.propose_plan(
        actor=reporter,
        team=team,
        title="泌阳花菇丰收",
        planned_date=timezone.localdate(),
        coverages=[("text", timezone.now() + dt.timedelta(days=1), "")],
    )
    with pytest.raises(StateConflict):
        services.assign(actor=column_lead, coverage=plan.coverages.get(), assignee=reporter)
    services.reject_plan(actor=column_lead, plan=plan, note="不做")
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.REJECTED
    with pytest.raises(StateConflict):
        services.assign(actor=column_lead, coverage=plan.coverages.get(), assignee=reporter)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("name", ["operator"])
def test_people_outside_the_newsroom_cannot_be_dispatched(people, coverage, name):
    with pytest.raises(DomainError) as err:
        services.assign(actor=people["column_lead"], coverage=coverage, assignee=people[name])
    assert err.value.field == "assignee"


def test_an_inactive_person_cannot_be_dispatched(column_lead, coverage, reporter2):
    reporter2.is_active = False
    reporter2.save()
    with pytest.raises(DomainError) as err:
        services.assign(actor=column_lead, coverage=coverage, assignee=reporter2)
    assert err.value.field == "assignee"


def test_the_same_person_is_not_dispatched_twice_to_an_open_coverage(column_lead, coverage, offered, reporter):
    with pytest.raises(StateConflict):
        services.assign(actor=column_lead, coverage=coverage, assignee=reporter)
    services.decline_assignment(actor=reporter, assignment=offered, reason="在外地采访")
    assert services.assign(actor=column_lead, coverage=coverage, assignee=reporter).status == Assignment.Status.OFFERED


def test_accepting_opens_a_draft_story_authored_by_the_assignee(offered, reporter, column_lead, team, client_ip):
    services.accept_assignment(actor=reporter, assignment=offered)
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.ACCEPTED
    assert offered.responded_at is not None
    story = Story.objects.get(assignment=offered)
    assert story.state == Story.State.DRAFT
    assert story.team == team
    assert story.plan == offered.coverage.plan
    assert story.headline == offered.coverage.plan.title
    assert list(story.authors.all()) == [reporter]
    assert story.created_by == reporter
    line = AuditLog.objects.get(action="assignment.accept", subject_id=str(offered.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (reporter, "offered", "accepted", client_ip)
    assert line.data["story"] == story.pk
    assert AuditLog.objects.filter(action="story.create", subject_id=str(story.pk), to_state="draft").exists()
    assert list(Notification.objects.values_list("recipient", flat=True)) == [column_lead.pk]


@pytest.mark.parametrize("name", ["reporter2", "column_lead", "chief"])
def test_only_the_assignee_answers(people, offered, name):
    with pytest.raises(NotAllowed):
        services.accept_assignment(actor=people[name], assignment=offered)
    with pytest.raises(NotAllowed):
        services.decline_assignment(actor=people[name], assignment=offered, reason="不去")
    assert Assignment.objects.get(pk=offered.pk).status == Assignment.Status.OFFERED
    assert not Story.objects.exists()


def test_declining_needs_a_reason(offered, reporter):
    with pytest.raises(DomainError) as err:
        services.decline_assignment(actor=reporter, assignment=offered, reason="   ")
    assert err.value.field == "reason"
    assert Assignment.objects.get(pk=offered.pk).status == Assignment.Status.OFFERED


def test_declining_records_the_reason_and_tells_the_dispatcher(offered, reporter, column_lead, client_ip):
    services.decline_assignment(actor=reporter, assignment=offered, reason=" 当天在盘古山采访 ")
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.DECLINED
    assert offered.decline_reason == "当天在盘古山采访"
    assert offered.responded_at is not None
    assert not Story.objects.exists()
    line = AuditLog.objects.get(action="assignment.decline", subject_id=str(offered.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (reporter, "offered", "declined", client_ip)
    notes = list(Notification.objects.all())
    assert [n.recipient for n in notes] == [column_lead]
    assert "当天在盘古山采访" in notes[0].text


def test_an_assignment_is_answered_only_once(offered, reporter):
    services.accept_assignment(actor=reporter, assignment=offered)
    with pytest.raises(StateConflict):
        services.accept_assignment(actor=reporter, assignment=offered)
    with pytest.raises(StateConflict):
        services.decline_assignment(actor=reporter, assignment=offered, reason="改主意")
    assert Story.objects.count() == 1


@pytest.mark.parametrize("accept_first", [False, True])
def test_the_lead_may_cancel_an_open_assignment_and_the_assignee_is_told(offered, reporter, column_lead, accept_first):
    if accept_first:
        services.accept_assignment(actor=reporter, assignment=offered)
        Notification.objects.all().delete()
    services.cancel_assignment(actor=column_lead, assignment=offered, reason="活动取消")
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.CANCELLED
    line = AuditLog.objects.get(action="assignment.cancel", subject_id=str(offered.pk))
    assert line.from_state == ("accepted" if accept_first else "offered")
    assert line.to_state == "cancelled"
    assert list(Notification.objects.values_list("recipient", flat=True)) == [reporter.pk]


@pytest.mark.parametrize("name", ["reporter", "other_lead", "editor"])
def test_others_may_not_cancel(people, offered, name):
    with pytest.raises(NotAllowed):
        services.cancel_assignment(actor=people[name], assignment=offered)
    assert Assignment.objects.get(pk=offered.pk).status == Assignment.Status.OFFERED


def test_a_closed_assignment_cannot_be_cancelled(offered, reporter, column_lead):
    services.decline_assignment(actor=reporter, assignment=offered, reason="生病")
    with pytest.raises(StateConflict):
        services.cancel_assignment(actor=column_lead, assignment=offered)


def test_submitting_the_story_marks_the_assignment_done(offered, reporter):
    services.accept_assignment(actor=reporter, assignment=offered)
    story = Story.objects.get(assignment=offered)
    services.submit_story(actor=reporter, story=story, body=factories.BODY)
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.DONE
    assert offered.completed_at is not None
    line = AuditLog.objects.get(action="assignment.done", subject_id=str(offered.pk))
    assert (line.from_state, line.to_state, line.data["story"]) == ("accepted", "done", story.pk)


def test_an_open_assignment_past_its_deadline_is_overdue(column_lead, coverage, reporter2):
    assignment = services.assign(actor=column_lead, coverage=coverage, assignee=reporter2, deadline=timezone.now() - dt.timedelta(hours=1))
    assert assignment.is_overdue
    services.decline_assignment(actor=reporter2, assignment=assignment, reason="来不及")
    assignment.refresh_from_db()
    assert not assignment.is_overdue
