"""Alerts (services.check_alerts): a partner silent for two weeks, a quota at risk near the end of
the quarter. Each situation raises one alert, however often the check runs, and tells the
operators and the partner's logins. Dates are in Q1 2025, passed as ``today``."""

import datetime as dt

import pytest

from rongmei.core.models import Notification
from rongmei.partners import services
from rongmei.partners.models import Alert, Partner

pytestmark = pytest.mark.django_db

Q1_END = dt.date(2025, 3, 31)


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are read by their English msgids."""


@pytest.fixture(autouse=True)
def _joined(operator, partner, other_partner):
    """Both partners joined at the start of 2025 (the fixtures make them join today)."""
    for p in (partner, other_partner):
        services.save_partner(actor=operator, partner=p, joined_on=dt.date(2025, 1, 1))


def post(login, partner, day: dt.date, n: int = 1) -> None:
    for _i in range(n):
        services.record_post(
            actor=login,
            partner=partner,
            title="铜山湖的春天",
            url=f"https://mp.example.com/{partner.pk}/{Partner.objects.get(pk=partner.pk).posts.count()}",
            published_on=day,
            reads=10,
        )


def alerts(partner, kind) -> list[Alert]:
    return list(Alert.objects.filter(partner=partner, kind=kind).order_by("id"))


def texts(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("text", flat=True))


def quota(operator, partner, posts: int) -> None:
    services.set_quota(actor=operator, partner=partner, quarter=services.quarter_for(dt.date(2025, 1, 1)), posts=posts)


# --- silent -------------------------------------------------------------------------------------


def test_a_partner_silent_for_two_weeks_gets_one_alert(partner, partner_login, other_partner, other_partner_login):
    post(partner_login, partner, dt.date(2025, 2, 6))
    post(other_partner_login, other_partner, dt.date(2025, 2, 19))
    raised = services.check_alerts(today=dt.date(2025, 2, 20))
    [alert] = alerts(partner, Alert.Kind.SILENT)
    assert raised == [alert]
    assert alert.resolved_at is None
    assert alert.message == "泌阳微帮 has published nothing for 14 days (last on 2025-02-06)."
    assert not alerts(other_partner, Alert.Kind.SILENT)

    assert services.check_alerts(today=dt.date(2025, 2, 20)) == []
    assert services.check_alerts(today=dt.date(2025, 2, 25)) == []
    assert len(alerts(partner, Alert.Kind.SILENT)) == 1


def test_thirteen_days_of_silence_raise_nothing(partner, partner_login, other_partner, other_partner_login):
    post(partner_login, partner, dt.date(2025, 2, 7))
    post(other_partner_login, other_partner, dt.date(2025, 2, 19))
    assert services.check_alerts(today=dt.date(2025, 2, 20)) == []
    assert not Alert.objects.exists()


def test_a_partner_that_never_published_is_silent_since_joining(partner, other_partner, other_partner_login):
    post(other_partner_login, other_partner, dt.date(2025, 1, 14))
    services.check_alerts(today=dt.date(2025, 1, 15))
    [alert] = alerts(partner, Alert.Kind.SILENT)
    assert alert.message == "泌阳微帮 has published nothing since joining on 2025-01-01."


def test_a_post_resolves_the_silent_alert(partner, partner_login, other_partner, other_partner_login):
    post(partner_login, partner, dt.date(2025, 2, 1))
    post(other_partner_login, other_partner, dt.date(2025, 2, 19))
    services.check_alerts(today=dt.date(2025, 2, 20))
    [alert] = alerts(partner, Alert.Kind.SILENT)

    post(partner_login, partner, dt.date(2025, 2, 21))
    assert services.check_alerts(today=dt.date(2025, 2, 22)) == []
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert len(alerts(partner, Alert.Kind.SILENT)) == 1


def test_a_suspended_partner_raises_no_alert(operator, partner, other_partner, other_partner_login):
    services.save_partner(actor=operator, partner=partner, status=Partner.Status.SUSPENDED)
    post(other_partner_login, other_partner, dt.date(2025, 2, 19))
    assert services.check_alerts(today=dt.date(2025, 2, 20)) == []


def test_the_silent_alert_goes_to_operators_and_the_partners_logins(
    operator, editor, partner, partner_login, other_partner, other_partner_login
):
    post(other_partner_login, other_partner, dt.date(2025, 2, 19))
    services.check_alerts(today=dt.date(2025, 2, 20))
    message = "泌阳微帮 has published nothing since joining on 2025-01-01."
    assert texts(operator)[-1] == message
    assert texts(partner_login) == [message]
    assert message not in texts(other_partner_login)
    assert message not in texts(editor)
    assert Notification.objects.filter(text=message).get(recipient=partner_login).url == "/partners/"
    assert Notification.objects.filter(text=message).get(recipient=operator).url == f"/partners/manage/partners/{partner.pk}/"


def test_a_late_recorded_old_post_leaves_one_open_silent_alert(partner, partner_login, other_partner, other_partner_login):
    post(other_partner_login, other_partner, dt.date(2025, 2, 27))
    services.check_alerts(today=dt.date(2025, 2, 28))  # silent since joining
    post(partner_login, partner, dt.date(2025, 2, 1))  # entered late, still 27 days ago
    services.check_alerts(today=dt.date(2025, 2, 28))
    assert Alert.objects.filter(partner=partner, kind=Alert.Kind.SILENT, resolved_at=None).count() == 1


# --- quota at risk ------------------------------------------------------------------------------


@pytest.fixture
def quotas(operator, partner, partner_login, other_partner, other_partner_login):
    """泌阳微帮: 2 of 10 posts, far behind. 泌阳在线: 9 of 10 by 20 March, on track (9 × 90 / 79 ≥ 10)."""
    quota(operator, partner, 10)
    quota(operator, other_partner, 10)
    post(partner_login, partner, dt.date(2025, 2, 10), 2)
    post(other_partner_login, other_partner, dt.date(2025, 2, 10), 9)


def test_a_quota_at_risk_raises_an_alert_near_the_end_and_on_track_does_not(quotas, partner, other_partner):
    services.check_alerts(today=dt.date(2025, 3, 20))
    [alert] = alerts(partner, Alert.Kind.QUOTA_RISK)
    assert alert.key == "2025Q1:posts"
    assert alert.message == "泌阳微帮: Posts at 2 of 10 with 11 days of 2025 Q1 left."
    assert not alerts(other_partner, Alert.Kind.QUOTA_RISK)

    assert services.check_alerts(today=dt.date(2025, 3, 20)) == []
    assert len(alerts(partner, Alert.Kind.QUOTA_RISK)) == 1


def test_a_quota_is_judged_only_in_the_last_three_weeks(quotas, partner):
    assert (Q1_END - dt.date(2025, 3, 10)).days == services.RISK_DAYS
    services.check_alerts(today=dt.date(2025, 2, 15))
    services.check_alerts(today=dt.date(2025, 3, 10))
    assert not Alert.objects.filter(kind=Alert.Kind.QUOTA_RISK).exists()
    services.check_alerts(today=dt.date(2025, 3, 11))
    assert [a.key for a in alerts(partner, Alert.Kind.QUOTA_RISK)] == ["2025Q1:posts"]


def test_reaching_the_target_resolves_the_risk(quotas, partner, partner_login):
    services.check_alerts(today=dt.date(2025, 3, 20))
    [alert] = alerts(partner, Alert.Kind.QUOTA_RISK)
    post(partner_login, partner, dt.date(2025, 3, 20), 8)
    services.check_alerts(today=dt.date(2025, 3, 21))
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_a_target_of_zero_is_never_at_risk(operator, partner, partner_login):
    services.set_quota(actor=operator, partner=partner, quarter=services.quarter_for(dt.date(2025, 1, 1)), posts=0, reposts=0, tasks=0)
    post(partner_login, partner, dt.date(2025, 3, 19))
    services.check_alerts(today=dt.date(2025, 3, 20))
    assert not Alert.objects.filter(kind=Alert.Kind.QUOTA_RISK).exists()


def test_the_risk_alert_goes_to_operators_and_the_partners_logins(quotas, operator, partner_login, other_partner_login):
    services.check_alerts(today=dt.date(2025, 3, 20))
    message = "泌阳微帮: Posts at 2 of 10 with 11 days of 2025 Q1 left."
    assert message in texts(operator)
    assert message in texts(partner_login)
    assert message not in texts(other_partner_login)


def test_the_daily_command_raises_each_alert_once(operator, partner):
    from io import StringIO

    from django.core.management import call_command

    from rongmei.partners.models import Alert

    day = (partner.joined_on + dt.timedelta(days=20)).isoformat()
    out = StringIO()
    call_command("partner_alerts", "--today", day, stdout=out)
    call_command("partner_alerts", "--today", day, stdout=StringIO())
    assert Alert.objects.filter(partner=partner, kind=Alert.Kind.SILENT).count() == 1
    assert Alert.objects.filter(kind=Alert.Kind.SILENT).count() == 2  # both partners of the fixture
    assert "2 alert(s) raised." in out.getvalue()
