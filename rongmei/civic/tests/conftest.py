import datetime as dt

import pytest
from django.utils import timezone

from rongmei.accounts.models import RoleSecurityPolicy
from rongmei.civic import services
from rongmei.civic.models import CouncilKind, CouncilMember, Proposal, ServiceCategory, ServiceItem
from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan


@pytest.fixture(autouse=True)
def _english(english):
    """These tests read messages by their English msgids."""


@pytest.fixture
def fan(db):
    return Fan.objects.create(phone="+8613800138000", nickname="老李")


@pytest.fixture
def other_fan(db):
    return Fan.objects.create(phone="+8613900139000")


def log_in_fan(client, fan) -> None:
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()


@pytest.fixture
def fan_client(client, fan):
    log_in_fan(client, fan)
    return client


@pytest.fixture
def admin_client(client, operator):
    """钱运营 in the admin (staff); two-factor login is tested in accounts."""
    RoleSecurityPolicy.objects.update_or_create(role="operator", defaults={"require_two_factor": False})
    operator.is_staff = True
    operator.save()
    client.force_login(operator)
    return client


@pytest.fixture
def households(db):
    return ServiceCategory.objects.create(name="户籍办理", sort_order=1)


@pytest.fixture
def id_card(households):
    return ServiceItem.objects.create(
        category=households,
        name="居民身份证补领",
        unit="县公安局户政管理大队",
        keywords="丢失 挂失",
        materials="居民户口簿\n本人到场采集人像",
        address="县政务服务中心一楼",
        phone="0396-7921101、12345",
        hours="工作日 8:30—17:30",
        time_limit="20个工作日",
        fee="20元",
        link="https://www.hnzwfw.gov.cn/",
    )


@pytest.fixture
def deputy(db):
    return CouncilMember.objects.create(kind=CouncilKind.RENDA, name="王秀兰", constituency="泌水街道第3选区", term="第十六届")


@pytest.fixture
def member(db):
    return CouncilMember.objects.create(kind=CouncilKind.ZHENGXIE, name="吴建华", sector="医药卫生界", term="第十一届")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def suggestion(deputy):
    return services.create_proposal(
        actor=None,
        proposal=Proposal(
            kind=CouncilKind.RENDA,
            number="建议第12号",
            title="关于老旧小区加装电梯的建议",
            session="十六届三次会议",
            year=days_ago(30).year,
            lead=deputy,
            submitted_on=days_ago(30),
        ),
    )
