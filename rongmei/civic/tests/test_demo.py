"""The demo directory and councils: realistic, in every proposal state, and safe to seed twice."""

import pytest

from rongmei.civic.demo import seed_demo
from rongmei.civic.models import CouncilMember, Proposal, ProposalEvent, ServiceCategory, ServiceItem
from rongmei.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_everything_once():
    first = seed_demo()
    assert first == {"service_categories": 6, "service_items": 16, "council_members": 11, "proposals": 6}
    audit_lines = AuditLog.objects.count()
    assert seed_demo() == {"service_categories": 0, "service_items": 0, "council_members": 0, "proposals": 0}
    assert (ServiceCategory.objects.count(), ServiceItem.objects.count(), CouncilMember.objects.count(), Proposal.objects.count()) == (
        6,
        16,
        11,
        6,
    )
    assert AuditLog.objects.count() == audit_lines and ProposalEvent.objects.count() == 6 + 9  # submitted, then 3+2+1+0+2+1 steps


def test_the_demo_shows_every_kind_of_progress():
    seed_demo()
    assert CouncilMember.objects.filter(kind="renda").count() == 6 and CouncilMember.objects.filter(kind="zhengxie").count() == 5
    states = sorted(Proposal.objects.values_list("status", flat=True))
    assert states == ["accepted", "answered", "handling", "handling", "not_accepted", "submitted"]
    assert Proposal.objects.exclude(reply="").count() == 1
    for item in ServiceItem.objects.all():
        item.full_clean()  # links and phone numbers pass the operators' validation
