import pytest

from rongmei.core.context import reset_client_ip, set_client_ip
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog, Notification
from rongmei.newsroom import services
from rongmei.newsroom.models import Lead, LeadSimilarity

CATTLE_1 = ("铜山湖夏南牛养殖基地扩建", "铜山湖畔的夏南牛养殖基地今年扩建牛舍，养殖户增收明显，夏南牛存栏量翻番。")
CATTLE_2 = ("铜山湖夏南牛养殖户增收", "铜山湖周边夏南牛养殖户今年增收，养殖基地扩建，夏南牛存栏量大增。")
UNRELATED = ("县医院开通儿科夜间门诊", "县人民医院儿科开通夜间门诊，方便家长晚上带孩子看病，挂号可在手机上完成。")


@pytest.fixture
def client_ip():
    token = set_client_ip("203.0.113.7")
    yield "203.0.113.7"
    reset_client_ip(token)


def lead_of(actor, pair, **kwargs):
    title, description = pair
    return services.create_lead(actor=actor, title=title, description=description, **kwargs)


def test_filing_a_lead_stores_it_with_keywords_and_an_audit_line(reporter, team, client_ip):
    lead = lead_of(reporter, CATTLE_1, team=team, source=Lead.Source.HOTLINE, source_contact=" 13800000000 ")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    assert lead.reported_by == reporter
    assert lead.source == Lead.Source.HOTLINE
    assert lead.source_contact == "13800000000"
    assert lead.keywords
    line = AuditLog.objects.get(action="lead.create", subject_id=str(lead.pk))
    assert line.actor == reporter
    assert line.to_state == Lead.Status.NEW
    assert line.ip_address == client_ip


def test_filing_a_lead_for_a_team_notifies_its_lead_but_not_the_filer(reporter, column_lead, team):
    lead_of(reporter, CATTLE_1, team=team)
    assert Notification.objects.filter(recipient=column_lead, kind="lead").count() == 1
    assert not Notification.objects.filter(recipient=reporter).exists()


def test_a_column_lead_filing_a_lead_for_their_own_team_is_not_notified(column_lead, team):
    lead_of(column_lead, CATTLE_1, team=team)
    assert not Notification.objects.exists()


def test_similar_leads_are_linked_both_ways_and_unrelated_ones_are_not(reporter, reporter2):
    first = lead_of(reporter, CATTLE_1)
    unrelated = lead_of(reporter, UNRELATED)
    second = lead_of(reporter2, CATTLE_2)
    assert LeadSimilarity.objects.filter(lead=first, other=second).exists()
    assert LeadSimilarity.objects.filter(lead=second, other=first).exists()
    score = LeadSimilarity.objects.get(lead=first, other=second).score
    assert score == LeadSimilarity.objects.get(lead=second, other=first).score
    assert 0 < score <= 1
    assert not LeadSimilarity.objects.filter(lead=unrelated).exists()
    assert not LeadSimilarity.objects.filter(other=unrelated).exists()


def test_discarded_leads_are_not_linked_as_similar(reporter, editor):
    first = lead_of(reporter, CATTLE_1)
    services.discard_lead(actor=editor, lead=first, reason="重复线索")
    second = lead_of(reporter, CATTLE_2)
    assert not LeadSimilarity.objects.filter(lead=second).exists()


@pytest.mark.parametrize("name", ["reporter", "photographer", "editor", "column_lead", "chief", "operator"])
def test_staff_may_file_leads(people, name):
    assert lead_of(people[name], CATTLE_1).reported_by == people[name]


def test_an_inactive_person_may_not_file_leads(reporter):
    reporter.is_active = False
    reporter.save()
    with pytest.raises(NotAllowed) as err:
        lead_of(reporter, CATTLE_1)
    assert err.value.message
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "夏南牛", "description": "描述"}, "title"),
        ({"title": "   ", "description": "描述"}, "title"),
        ({"title": "铜" * 81, "description": "描述"}, "title"),
        ({"title": "铜山湖夏南牛", "description": "  "}, "description"),
        ({"title": "铜山湖夏南牛", "description": "描述", "source": "rumour"}, "source"),
    ],
)
def test_bad_lead_input_is_refused_naming_the_field(reporter, kwargs, field):
    with pytest.raises(DomainError) as err:
        services.create_lead(actor=reporter, **kwargs)
    assert err.value.field == field
    assert err.value.message
    assert not Lead.objects.exists()


def test_discarding_a_lead_records_the_reason_and_the_transition(reporter, client_ip):
    lead = lead_of(reporter, CATTLE_1)
    services.discard_lead(actor=reporter, lead=lead, reason=" 已有同类报道 ")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.DISCARDED
    assert lead.discard_reason == "已有同类报道"
    line = AuditLog.objects.get(action="lead.discard", subject_id=str(lead.pk))
    assert (line.actor, line.from_state, line.to_state, line.ip_address) == (reporter, "new", "discarded", client_ip)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("reporter", True),
        ("editor", True),
        ("chief", True),
        ("column_lead", True),
        ("reporter2", False),
        ("photographer", False),
        ("other_lead", False),
        ("operator", False),
        ("outsider", False),
    ],
)
def test_who_may_discard_a_team_lead(people, name, allowed):
    lead = lead_of(people["reporter"], CATTLE_1, team=people["team"])
    if allowed:
        services.discard_lead(actor=people[name], lead=lead, reason="重复")
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.DISCARDED
    else:
        with pytest.raises(NotAllowed) as err:
            services.discard_lead(actor=people[name], lead=lead, reason="重复")
        assert err.value.message
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_discarding_needs_a_reason(reporter):
    lead = lead_of(reporter, CATTLE_1)
    with pytest.raises(DomainError) as err:
        services.discard_lead(actor=reporter, lead=lead, reason="  ")
    assert err.value.field == "reason"
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_a_lead_can_be_discarded_only_once(reporter):
    lead = lead_of(reporter, CATTLE_1)
    services.discard_lead(actor=reporter, lead=lead, reason="重复")
    with pytest.raises(StateConflict) as err:
        services.discard_lead(actor=reporter, lead=lead, reason="再次")
    assert err.value.message
    assert AuditLog.objects.filter(action="lead.discard").count() == 1
