"""The practice center's staff pages at /practice/manage/: who may open them (operators, admins
and the chief editor; newsroom staff get 403, the anonymous log in), and the flows through the
screens: dispatching a request, cancelling it, planning and publishing an activity, asking the
newsroom to cover it (once), the check-in QR code, the statistics and their export."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts.middleware import roles_requiring_two_factor
from rongmei.accounts.models import Team
from rongmei.core.exceptions import NotAllowed, StateConflict
from rongmei.newsroom.models import Lead
from rongmei.practice import coverage, services
from rongmei.practice.models import Activity, ServiceRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def login(client, user):
    """Log ``user`` in; people whose role needs two-factor login get a verified TOTP device."""
    client.force_login(user)
    if user.role in roles_requiring_two_factor():
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def service_request(practice):
    return services.request_service(
        fan=practice["resident"], category="家电维修", description="冰箱不制冷了，请帮忙看看", address="花园社区3号楼2单元"
    )


def _activity(operator, practice, *, starts_in=dt.timedelta(days=2), hours=3, title="敬老院义务理发"):
    start = timezone.now() + starts_in
    return services.create_activity(
        actor=operator,
        title=title,
        description="为敬老院老人理发、剪指甲",
        site=practice["station"],
        team=practice["team"],
        address="花园社区敬老院",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        capacity=10,
    )


@pytest.fixture
def activity(operator, practice):
    return _activity(operator, practice)


def _pages(service_request, activity):
    return [
        reverse("practice:manage_home"),
        reverse("practice:manage_request", args=[service_request.pk]),
        reverse("practice:manage_activities"),
        reverse("practice:manage_activity_new"),
        reverse("practice:manage_activity", args=[activity.pk]),
        reverse("practice:manage_activity_qr", args=[activity.pk]),
        reverse("practice:manage_stats"),
        reverse("practice:manage_stats_export"),
    ]


# --- who may ------------------------------------------------------------------------------------


def test_an_operator_and_the_chief_editor_open_every_page(client, operator, chief, service_request, activity):
    for user in (operator, chief):
        login(client, user)
        for url in _pages(service_request, activity):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["reporter", "editor"])
def test_newsroom_staff_are_refused_every_page(client, request, persona, service_request, activity):
    login(client, request.getfixturevalue(persona))
    for url in _pages(service_request, activity):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "practice center" in response.content.decode()


def test_the_anonymous_are_sent_to_log_in(client, service_request, activity):
    for url in _pages(service_request, activity):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_a_reporter_cannot_dispatch_or_publish_by_posting(client, reporter, practice, service_request, activity):
    login(client, reporter)
    url = reverse("practice:manage_request_dispatch", args=[service_request.pk])
    assert client.post(url, {"team": practice["team"].pk}).status_code == 403
    assert client.post(reverse("practice:manage_activity_publish", args=[activity.pk])).status_code == 403
    service_request.refresh_from_db()
    activity.refresh_from_db()
    assert service_request.state == ServiceRequest.State.REQUESTED and activity.state == Activity.State.DRAFT


# --- requests -------------------------------------------------------------------------------------


def test_the_home_page_lists_the_waiting_request_with_its_age(client, operator, service_request):
    page = login(client, operator).get(reverse("practice:manage_home")).content.decode()
    assert reverse("practice:manage_request", args=[service_request.pk]) in page
    assert "家电维修" in page and "minute" in page


def test_the_center_dispatches_a_request_through_the_page(client, operator, practice, service_request):
    login(client, operator)
    url = reverse("practice:manage_request", args=[service_request.pk])
    assert 'id="dispatch-form"' in client.get(url).content.decode()
    response = client.post(
        reverse("practice:manage_request_dispatch", args=[service_request.pk]), {"team": practice["team"].pk}, follow=True
    )
    service_request.refresh_from_db()
    assert service_request.state == ServiceRequest.State.DISPATCHED
    assert service_request.team == practice["team"] and service_request.dispatched_by == operator
    assert f"Dispatched to {practice['team'].name}." in messages_of(response)
    page = response.content.decode()
    assert timezone.localtime(service_request.dispatched_at).strftime("%Y-%m-%d %H:%M") in page


def test_dispatch_without_a_team_shows_the_form_again(client, operator, service_request):
    response = login(client, operator).post(reverse("practice:manage_request_dispatch", args=[service_request.pk]), {"team": ""})
    assert response.status_code == 400
    assert response.context["dispatch_form"].errors["team"]
    service_request.refresh_from_db()
    assert service_request.state == ServiceRequest.State.REQUESTED


def test_dispatching_a_cancelled_request_is_a_message_not_a_500(client, operator, practice, service_request):
    services.cancel_request(actor=operator, service=service_request, reason="居民已自行解决")
    response = login(client, operator).post(
        reverse("practice:manage_request_dispatch", args=[service_request.pk]), {"team": practice["team"].pk}
    )
    assert response.status_code == 400
    assert "past dispatching" in response.content.decode()


def test_the_center_cancels_with_a_reason_and_an_empty_reason_is_refused(client, operator, service_request):
    login(client, operator)
    url = reverse("practice:manage_request_cancel", args=[service_request.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 400
    response = client.post(url, {"reason": "重复提交"}, follow=True)
    service_request.refresh_from_db()
    assert service_request.state == ServiceRequest.State.CANCELLED and service_request.cancel_reason == "重复提交"
    assert "The request was cancelled." in messages_of(response)


# --- activities -----------------------------------------------------------------------------------


def _form(practice, **changes):
    start = timezone.localtime() + dt.timedelta(days=3)
    data = {
        "title": "周末环境整治",
        "description": "清理花园社区公共区域的垃圾",
        "site": practice["institute"].pk,
        "team": practice["team"].pk,
        "address": "花园社区广场",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "20",
        "points_per_hour": "10",
        "latitude": "",
        "longitude": "",
        "radius_m": "300",
    }
    data.update(changes)
    return data


def test_the_center_plans_and_publishes_an_activity_through_the_pages(client, operator, practice):
    login(client, operator)
    data = _form(practice)
    response = client.post(reverse("practice:manage_activity_new"), data)
    assert response.status_code == 302
    activity = Activity.objects.get(title="周末环境整治")
    assert activity.state == Activity.State.DRAFT and activity.created_by == operator
    assert timezone.localtime(activity.starts_at).strftime("%Y-%m-%dT%H:%M") == data["starts_at"]
    assert activity.ends_at - activity.starts_at == dt.timedelta(hours=2)
    response = client.post(reverse("practice:manage_activity_publish", args=[activity.pk]), follow=True)
    activity.refresh_from_db()
    assert activity.state == Activity.State.PUBLISHED
    assert "The activity is open for sign-up." in messages_of(response)
    # publishing again is refused with a message on the page
    response = client.post(reverse("practice:manage_activity_publish", args=[activity.pk]), follow=True)
    assert response.status_code == 200 and "Only a planned activity can be published." in messages_of(response)


def test_an_activity_ending_before_it_starts_keeps_what_was_typed(client, operator, practice):
    data = _form(practice)
    data["ends_at"] = data["starts_at"]
    response = login(client, operator).post(reverse("practice:manage_activity_new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["ends_at"] == ["The activity must end after it starts."]
    assert 'value="周末环境整治"' in response.content.decode()
    assert not Activity.objects.exists()


def test_finishing_before_the_end_is_a_message(client, operator, activity):
    services.publish_activity(actor=operator, activity=activity)
    response = login(client, operator).post(reverse("practice:manage_activity_finish", args=[activity.pk]), follow=True)
    assert "The activity has not ended yet." in messages_of(response)
    activity.refresh_from_db()
    assert activity.state == Activity.State.PUBLISHED


def test_the_activity_page_shows_the_sign_ups_and_the_check_in_qr_code(client, operator, practice, activity):
    services.publish_activity(actor=operator, activity=activity)
    services.sign_up(fan=practice["volunteer"].fan, activity=activity)
    page = login(client, operator).get(reverse("practice:manage_activity", args=[activity.pk])).content.decode()
    assert practice["volunteer"].real_name in page
    assert f"http://testserver/practice/checkin/{activity.checkin_token}/" in page
    assert re.search(r"<svg[^>]*>", page)
    printable = client.get(reverse("practice:manage_activity_qr", args=[activity.pk])).content.decode()
    assert "<svg" in printable and "data-print" in printable and "js/app.js" in printable and activity.title in printable


def test_the_qr_code_decodes_to_the_public_check_in_page(rf, activity):
    import segno

    from rongmei.practice.views_manage import checkin_qr_svg, checkin_url

    url = checkin_url(rf.get("/", secure=True), activity)
    assert url == f"https://testserver/practice/checkin/{activity.checkin_token}/"
    # the same content, made again, gives the same symbol: the SVG holds this URL
    assert checkin_qr_svg(url) == segno.make(url, error="m").svg_inline(scale=6, dark="#000", light="#fff", title=url)


# --- coverage -------------------------------------------------------------------------------------


def test_coverage_creates_one_lead_for_the_practice_team_and_is_refused_twice(client, operator, activity):
    newsroom_team = Team.objects.create(name="新时代文明实践", slug="practice")
    login(client, operator)
    url = reverse("practice:manage_activity_coverage", args=[activity.pk])
    response = client.post(url, follow=True)
    assert "Coverage requested: the newsroom has a new lead." in messages_of(response)
    lead = Lead.objects.get()
    activity.refresh_from_db()
    assert activity.coverage_lead == lead
    assert lead.team == newsroom_team and lead.reported_by == operator and lead.source == Lead.Source.PRACTICE
    assert activity.title in lead.title and "花园社区敬老院" in lead.description
    assert timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M") in lead.description
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "Coverage of this activity was requested already." in messages_of(response)
    assert Lead.objects.count() == 1


def test_coverage_without_the_newsroom_team_files_a_lead_without_team(operator, activity):
    lead = coverage.request_coverage(actor=operator, activity=activity)
    assert lead.team is None
    with pytest.raises(StateConflict):
        coverage.request_coverage(actor=operator, activity=activity)


def test_only_coordinators_request_coverage(reporter, activity):
    with pytest.raises(NotAllowed):
        coverage.request_coverage(actor=reporter, activity=activity)
    assert not Lead.objects.exists()


# --- statistics -----------------------------------------------------------------------------------


def test_the_stats_page_and_the_export(client, operator, practice):
    login(client, operator)
    year = timezone.localdate().year
    page = client.get(reverse("practice:manage_stats"), {"year": year})
    assert page.status_code == 200 and page.context["year"] == year
    assert client.get(reverse("practice:manage_stats"), {"year": "abc"}).status_code == 200
    response = client.get(reverse("practice:manage_stats_export"), {"year": year})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(response.content)).active.title == str(year)


def test_the_list_pages_do_not_query_per_row(client, operator, practice, activity):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, operator)
    pages = [
        reverse("practice:manage_home"),
        reverse("practice:manage_activities"),
        reverse("practice:manage_activity", args=[activity.pk]),
    ]

    def counts():
        result = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    services.publish_activity(actor=operator, activity=activity)
    services.request_service(fan=practice["resident"], category="理发", description="请上门帮老人理发", address="花园社区1号")
    services.sign_up(fan=practice["volunteer"].fan, activity=activity)
    before = counts()
    for n in range(4):
        services.request_service(fan=practice["resident"], category="理发", description="请上门帮老人理发", address=f"花园社区{n}号")
        _activity(operator, practice, title=f"活动{n}")
    services.sign_up(fan=practice["volunteer2"].fan, activity=activity)
    services.sign_up(fan=practice["leader"].fan, activity=activity)
    assert counts() == before
