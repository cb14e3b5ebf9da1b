import datetime as dt

import pytest
from django.utils import timezone

from rongmei.core.context import reset_client_ip, set_client_ip
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog, Notification
from rongmei.distribution.models import Channel
from rongmei.newsroom import services
from rongmei.newsroom.models import Coverage, Lead, Plan


def soon(days=1):
    return timezone.now() + dt.timedelta(days=days)


def propose(actor, team, **kwargs):
    values = {
        "title": "第十五届中国牛业发展大会筹备",
        "summary": "报道大会筹备进展。",
        "planned_date": timezone.localdate(),
        "coverages": [("text", soon(), "通稿"), ("photo", soon(2), "")],
    }
    values.update(kwargs)
    return services.propose_plan(actor=actor, team=team, **values)


@pytest.fixture
def client_ip():
    token = set_client_ip("198.51.100.4")
    yield "198.51.100.4"
    reset_client_ip(token)


def test_proposing_a_plan_stores_coverages_channels_and_an_audit_line(reporter, column_lead, team, client_ip):
    channels = list(Channel.objects.all()[:2])
    plan = propose(reporter, team, channels=channels)
    assert plan.status == Plan.Status.PROPOSED
    assert plan.proposed_by == reporter
    assert sorted(plan.coverages.values_list("kind", flat=True)) == ["photo", "text"]
    assert set(plan.channels.all()) == set(channels)
    line = AuditLog.objects.get(action="plan.propose", subject_id=str(plan.pk))
    assert (line.actor, line.to_state, line.ip_address) == (reporter, "proposed", client_ip)
    assert Notification.objects.filter(recipient=column_lead, kind="plan").count() == 1
    assert not Notification.objects.filter(recipient=reporter).exists()


def test_the_team_lead_proposing_is_not_notified_of_their_own_plan(column_lead, team):
    propose(column_lead, team)
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("reporter", True),
        ("editor", True),
        ("column_lead", True),
        ("chief", True),
        ("outsider", False),
        ("other_lead", False),
        ("operator", False),
    ],
)
def test_who_may_propose_a_plan_in_the_news_team(people, name, allowed):
    if allowed:
        assert propose(people[name], people["team"]).team == people["team"]
    else:
        with pytest.raises(NotAllowed) as err:
            propose(people[name], people["team"])
        assert err.value.message
        assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "牛业"}, "title"),
        ({"title": ""}, "title"),
        ({"planned_date": None}, "planned_date"),
        ({"coverages": [("podcast", soon(), "")]}, "coverages"),
        ({"coverages": [("text", None, "")]}, "coverages"),
        ({"coverages": [("text", dt.datetime(2030, 1, 1, 9, 0), "")]}, "coverages"),
    ],
)
def test_bad_plan_input_is_refused_naming_the_field(reporter, team, kwargs, field):
    with pytest.raises(DomainError) as err:
        propose(reporter, team, **kwargs)
    assert err.value.field == field
    assert err.value.message
    assert not Plan.objects.exists()
    assert not Coverage.objects.exists()


def test_a_plan_needs_a_team(reporter):
    with pytest.raises(DomainError) as err:
        propose(reporter, None)
    assert err.value.field == "team"


def test_turning_a_lead_into_a_plan_marks_the_lead_planned(reporter, team):
    lead = services.create_lead(actor=reporter, title="盘古山景区新开游步道", description="盘古山景区新修游步道下月开放。")
    plan = services.plan_from_lead(
        actor=reporter, lead=lead, team=team, planned_date=timezone.localdate(), coverages=[("video", soon(), "")]
    )
    lead.refresh_from_db()
    assert lead.status == Lead.Status.PLANNED
    assert plan.lead == lead
    assert plan.title == lead.title
    assert plan.summary == lead.description
    line = AuditLog.objects.get(action="lead.plan", subject_id=str(lead.pk))
    assert (line.from_state, line.to_state, line.data["plan"]) == ("new", "planned", plan.pk)


def test_a_lead_turns_into_a_plan_only_once(reporter, team):
    lead = services.create_lead(actor=reporter, title="盘古山景区新开游步道", description="盘古山景区新修游步道。")
    services.plan_from_lead(actor=reporter, lead=lead, team=team, planned_date=timezone.localdate())
    with pytest.raises(StateConflict):
        services.plan_from_lead(actor=reporter, lead=lead, team=team, planned_date=timezone.localdate())
    assert Plan.objects.count() == 1


def test_a_refused_plan_from_lead_leaves_the_lead_new(outsider, reporter, team):
    lead = services.create_lead(actor=reporter, title="盘古山景区新开游步道", description="盘古山景区新修游步道。")
    with pytest.raises(NotAllowed):
        services.plan_from_lead(actor=outsider, lead=lead, team=team, planned_date=timezone.localdate())
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


@pytest.mark.parametrize("name", ["column_lead", "chief"])
def test_the_team_lead_or_chief_approves_a_plan_and_the_proposer_is_told(people, name, client_ip):
    plan = propose(people["reporter"], people["team"])
    Notification.objects.all().delete()
    services.approve_plan(actor=people[name], plan=plan, note=" 同意 ")
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED
    assert plan.decided_by == people[name]
    assert plan.decided_at is not None
    assert plan.decision_note == "同意"
    line = AuditLog.objects.get(action="plan.approve", subject_id=str(plan.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (people[name], "proposed", "approved", client_ip)
    assert list(Notification.objects.values_list("recipient", flat=True)) == [people["reporter"].pk]


def test_the_proposer_is_not_notified_of_deciding_their_own_plan(column_lead, team):
    plan = propose(column_lead, team)
    services.approve_plan(actor=column_lead, plan=plan)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("name", ["other_lead", "reporter", "editor", "photographer", "operator", "outsider"])
def test_others_may_not_decide_a_plan(people, name):
    plan = propose(people["reporter"], people["team"])
    for decide in (
        lambda: services.approve_plan(actor=people[name], plan=plan),
        lambda: services.reject_plan(actor=people[name], plan=plan, note="不合适"),
    ):
        with pytest.raises(NotAllowed) as err:
            decide()
        assert err.value.message
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.PROPOSED
    assert not AuditLog.objects.filter(action__in=["plan.approve", "plan.reject"]).exists()


def test_rejecting_a_plan_needs_a_reason(column_lead, reporter, team):
    plan = propose(reporter, team)
    with pytest.raises(DomainError) as err:
        services.reject_plan(actor=column_lead, plan=plan, note=" ")
    assert err.value.field == "note"
    services.reject_plan(actor=column_lead, plan=plan, note="角度重复")
    plan.refresh_from_db()
    assert (plan.status, plan.decision_note) == (Plan.Status.REJECTED, "角度重复")
    line = AuditLog.objects.get(action="plan.reject", subject_id=str(plan.pk))
    assert (line.from_state, line.to_state) == ("proposed", "rejected")


def test_a_plan_is_decided_only_once(column_lead, chief, reporter, team):
    plan = propose(reporter, team)
    services.approve_plan(actor=column_lead, plan=plan)
    with pytest.raises(StateConflict):
        services.reject_plan(actor=chief, plan=plan, note="改主意")
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.APPROVED


def test_the_proposer_and_the_team_lead_may_add_coverages(reporter, column_lead, team):
    plan = propose(reporter, team, coverages=[])
    services.add_coverage(actor=reporter, plan=plan, kind="live", deadline=soon())
    coverage = services.add_coverage(actor=column_lead, plan=plan, kind="short_video", deadline=soon(), note="竖屏")
    assert coverage.note == "竖屏"
    assert sorted(plan.coverages.values_list("kind", flat=True)) == ["live", "short_video"]
    assert AuditLog.objects.filter(action="plan.add_coverage", subject_id=str(plan.pk)).count() == 2


@pytest.mark.parametrize("name", ["reporter2", "other_lead", "outsider", "editor"])
def test_others_may_not_add_coverages(people, name):
    plan = propose(people["reporter"], people["team"], coverages=[])
    with pytest.raises(NotAllowed):
        services.add_coverage(actor=people[name], plan=plan, kind="text", deadline=soon())
    assert not plan.coverages.exists()


def test_no_coverages_are_added_to_a_rejected_plan(reporter, column_lead, team):
    plan = propose(reporter, team, coverages=[])
    services.reject_plan(actor=column_lead, plan=plan, note="不做")
    with pytest.raises(StateConflict):
        services.add_coverage(actor=reporter, plan=plan, kind="text", deadline=soon())


@pytest.mark.parametrize(("kind", "deadline"), [("hologram", soon()), ("text", dt.datetime(2030, 5, 1, 8, 0))])
def test_a_bad_coverage_is_refused_naming_the_field(reporter, team, kind, deadline):
    plan = propose(reporter, team, coverages=[])
    with pytest.raises(DomainError) as err:
        services.add_coverage(actor=reporter, plan=plan, kind=kind, deadline=deadline)
    assert err.value.field == "coverages"
