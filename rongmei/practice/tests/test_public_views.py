"""The phone pages of 新时代文明实践 at /practice/: each page renders; the fans' login; who may see a
service request; the whole loop (request → dispatch → take → scan start and finish → rate) through
the views, with the hours and points in the ledger; sign-up to capacity then the waiting list;
check-in and check-out by the activity's QR code with the phone's location, credited once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan
from rongmei.practice import services
from rongmei.practice.models import Exchange, LedgerEntry, ServiceRequest, SignUp, StoreItem, Volunteer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HERE = (32.7245, 113.3265)  # the practice center in the fixtures
NEAR = (32.7250, 113.3265)  # about 55 m north
FAR = (32.7400, 113.3265)  # about 1.7 km north


@pytest.fixture(autouse=True)
def _urls_loaded():
    # The URLconf builds the API's pydantic schemas on first use; not under freezegun's fake datetime.
    reverse("practice:home")


def login(client, fan):
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()
    return client


def make_activity(operator, practice, *, capacity=2, starts_in=dt.timedelta(hours=1), hours=3):
    starts = timezone.now().replace(microsecond=0) + starts_in
    activity = services.create_activity(
        actor=operator,
        title="重阳节敬老志愿服务",
        description="为花园社区老人义务理发、测血压。",
        site=practice["center"],
        address="花园社区文化广场",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        capacity=capacity,
        team=practice["team"],
        latitude=HERE[0],
        longitude=HERE[1],
        radius_m=300,
    )
    return services.publish_activity(actor=operator, activity=activity)


def ask(practice, **extra) -> ServiceRequest:
    data = {"category": "家电维修", "description": "家里的洗衣机不转了，请帮忙看看。", "address": "花园社区3号楼2单元"}
    data.update(extra)
    return services.request_service(fan=practice["resident"], **data)


def page(response) -> str:
    return response.content.decode()


# --- the practice center's page -------------------------------------------------------------------


def test_home_shows_open_activities_teams_rankings_and_the_buttons(client, operator, practice):
    activity = make_activity(operator, practice)
    services.credit(practice["volunteer"], kind=LedgerEntry.Kind.HOURS, amount=Decimal("3"), key="t:1", note="test")
    services.credit(practice["leader"], kind=LedgerEntry.Kind.HOURS, amount=Decimal("1.5"), key="t:2", note="test")
    response = client.get("/practice/")
    assert response.status_code == 200
    html = page(response)
    assert activity.title in html and reverse("practice:activity", args=[activity.pk]) in html
    assert practice["team"].name in html and practice["other_team"].name in html
    ranking = html[html.index('id="practice-volunteer-ranking"') :]
    assert ranking.index("王志愿") < ranking.index("李队长")  # most hours first
    assert "孙志愿" not in ranking  # no hours, not ranked
    assert 'id="practice-team-ranking"' in html and "4.50 hours" in html  # the team: its members' hours
    assert reverse("practice:request") in html and reverse("practice:me") in html
    assert 'id="practice-cases"' not in html  # no typical case published
    assert 'id="practice-stories"' not in html  # no 新时代文明实践 column in the portal


def test_home_shows_the_live_stories_of_the_practice_column(client, practice, reporter, team, reviewers):
    from rongmei.portal.models import Column
    from rongmei.testing import factories

    column = Column.objects.create(name="新时代文明实践", slug="wenming")
    column.teams.add(team)  # ``team`` here is the newsroom team the column lists
    story = factories.published_story(reporter, team, reviewers, headline="志愿者上门为独居老人修好冰箱")
    factories.signed_off_story(reporter, team, reviewers, headline="还没发布的稿件")
    html = page(client.get("/practice/"))
    assert 'id="practice-stories"' in html and "志愿者上门为独居老人修好冰箱" in html
    assert reverse("portal:story", args=[story.pk]) in html and "还没发布的稿件" not in html
    assert reverse("portal:column", args=["wenming"]) in html


def test_a_planned_activity_is_not_shown(client, operator, practice):
    draft = services.create_activity(
        actor=operator,
        title="尚在筹备的活动",
        description="筹备中",
        site=practice["center"],
        address="广场",
        starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1, hours=2),
        capacity=5,
    )
    assert draft.title not in page(client.get("/practice/"))
    assert client.get(f"/practice/activities/{draft.pk}/").status_code == 404


# --- log-in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/practice/request/", "/practice/me/", "/practice/requests/1/"])
def test_pages_of_an_app_user_send_a_visitor_to_the_sms_login(client, practice, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("fans:login")) and "next=" in response["Location"]


def test_the_checkin_code_sends_a_visitor_to_the_login_and_a_wrong_code_is_404(client, operator, practice):
    activity = make_activity(operator, practice)
    assert client.get(f"/practice/checkin/{activity.checkin_token}/").status_code == 302
    login(client, practice["volunteer"].fan)
    assert client.get("/practice/checkin/not-a-code/").status_code == 404


# --- 点单 ------------------------------------------------------------------------------------------


def test_a_resident_requests_a_service_and_lands_on_its_page(client, practice):
    login(client, practice["resident"])
    assert client.get("/practice/request/").status_code == 200
    response = client.post(
        "/practice/request/",
        {"category": "other", "other": "修自行车", "description": "自行车链条掉了，骑不了。", "address": "花园社区5号楼"},
    )
    service = ServiceRequest.objects.get(resident=practice["resident"])
    assert response.status_code == 302 and response["Location"] == reverse("practice:request_detail", args=[service.pk])
    assert service.category == "修自行车" and service.state == ServiceRequest.State.REQUESTED
    html = page(client.get(response["Location"]))
    assert "修自行车" in html and 'data-step="requested"' in html


def test_a_refused_request_shows_the_message_and_keeps_what_was_typed(client, practice):
    login(client, practice["resident"])
    past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = client.post(
        "/practice/request/",
        {"category": "理发", "description": "老人行动不便，需上门理发。", "address": "花园社区7号楼", "wanted_on": past},
    )
    assert response.status_code == 400
    html = page(response)
    assert "The day wanted cannot be in the past." in html
    assert "老人行动不便，需上门理发。" in html and "花园社区7号楼" in html
    assert not ServiceRequest.objects.exists()


# --- who may see a request ------------------------------------------------------------------------


def test_a_request_is_seen_by_its_resident_the_taker_and_the_team_only(client, operator, practice):
    service = ask(practice)
    services.dispatch(actor=operator, service=service, team=practice["team"])
    services.take(fan=practice["volunteer"].fan, service=service)
    path = f"/practice/requests/{service.pk}/"
    for fan in (practice["resident"], practice["volunteer"].fan, practice["volunteer2"].fan, practice["leader"].fan):
        assert login(client, fan).get(path).status_code == 200
    stranger = Fan.objects.create(phone="+8613700000088", nickname="路人")
    for fan in (stranger, practice["outsider_volunteer"].fan):
        assert login(client, fan).get(path).status_code == 404


def test_a_request_not_yet_dispatched_is_the_residents_only(client, practice):
    service = ask(practice)
    assert login(client, practice["volunteer"].fan).get(f"/practice/requests/{service.pk}/").status_code == 404
    assert login(client, practice["resident"]).get(f"/practice/requests/{service.pk}/").status_code == 200


# --- the whole loop through the views ------------------------------------------------------------


def test_the_service_loop_through_the_pages_credits_hours_and_points(client, operator, practice):
    resident, volunteer = practice["resident"], practice["volunteer"]
    start = timezone.now().replace(microsecond=0)
    with freeze_time(start) as clock:
        login(client, resident)
        client.post("/practice/request/", {"category": "家电维修", "description": "冰箱不制冷了，请帮忙修理。", "address": "花园社区1号楼"})
        service = ServiceRequest.objects.get()
        path = f"/practice/requests/{service.pk}/"
        services.dispatch(actor=operator, service=service, team=practice["team"])

        login(client, volunteer.fan)
        assert 'id="practice-take-button"' in page(client.get(path))
        assert client.post(path, {"action": "take"}).status_code == 302
        service.refresh_from_db()
        assert service.state == ServiceRequest.State.TAKEN and service.volunteer == volunteer

        # The resident's phone shows the QR code (an SVG made on the server) of the token.
        html = page(login(client, resident).get(path))
        assert "<svg" in html and service.token in html and 'id="practice-rate"' not in html

        login(client, volunteer.fan)
        wrong = client.post(path, {"action": "scan", "token": "not-the-code"})
        assert wrong.status_code == 400 and "does not belong to the request" in page(wrong) and "not-the-code" in page(wrong)
        # The phone's camera opens the page with the token: the scan form is filled in.
        assert f'value="{service.token}"' in page(client.get(path, {"token": service.token}))
        assert client.post(path, {"action": "scan", "token": service.token}).status_code == 302
        service.refresh_from_db()
        assert service.state == ServiceRequest.State.SERVING

        clock.tick(dt.timedelta(hours=1, minutes=40))
        assert client.post(path, {"action": "scan", "token": service.token}).status_code == 302
        service.refresh_from_db()
        assert service.state == ServiceRequest.State.DONE

        login(client, resident)
        html = page(client.get(path))
        assert 'id="practice-rate"' in html and "<svg" not in html
        missing = client.post(path, {"action": "rate", "skill": "5", "attitude": "5", "comment": "很好"})
        assert missing.status_code == 400 and "Give 1 to 5 stars." in page(missing)
        response = client.post(path, {"action": "rate", "skill": "5", "attitude": "5", "effect": "5", "comment": "师傅很耐心"})
        assert response.status_code == 302

    service.refresh_from_db()
    assert service.state == ServiceRequest.State.RATED and service.rating_comment == "师傅很耐心"
    html = page(client.get(path))
    for step in ("requested", "dispatched", "taken", "started", "finished", "rated"):
        assert f'data-step="{step}"><time' in html
    assert services.balance(volunteer, LedgerEntry.Kind.HOURS) == Decimal("1.50")
    assert services.balance(volunteer, LedgerEntry.Kind.POINTS) == services.SERVICE_POINTS + services.RATING_BONUS
    me = page(login(client, volunteer.fan).get("/practice/me/"))
    assert 'id="practice-hours">1.50<' in me and "家电维修" in me


def test_only_the_team_may_take_and_only_the_taker_may_scan(client, operator, practice):
    service = ask(practice)
    services.dispatch(actor=operator, service=service, team=practice["team"])
    path = f"/practice/requests/{service.pk}/"
    login(client, practice["volunteer"].fan).post(path, {"action": "take"})
    response = login(client, practice["volunteer2"].fan).post(path, {"action": "take"})
    assert response.status_code == 409 and "not open to take" in page(response)
    assert 'id="practice-scan"' not in page(response)
    response = client.post(path, {"action": "scan", "token": service.token})
    assert response.status_code == 403 and "another volunteer" in page(response)


# --- activities: sign-up ---------------------------------------------------------------------------


def test_sign_up_to_capacity_then_the_waiting_list_and_withdrawing_frees_a_place(client, operator, practice):
    activity = make_activity(operator, practice, capacity=2)
    path = f"/practice/activities/{activity.pk}/"
    html = page(client.get(path))
    assert "2 / 2" in html and 'id="practice-login"' in html
    for key in ("leader", "volunteer"):
        assert login(client, practice[key].fan).post(path, {"action": "sign_up"}).status_code == 302
    html = page(login(client, practice["volunteer2"].fan).get(path))
    assert 'id="practice-places-left">0 / 2' in html and "Join the waiting list" in html
    response = client.post(path, {"action": "sign_up"}, follow=True)
    assert "waiting list" in page(response)
    states = dict(SignUp.objects.values_list("volunteer__real_name", "state"))
    assert states == {"李队长": "registered", "王志愿": "registered", "赵志愿": "waiting"}

    login(client, practice["volunteer"].fan).post(path, {"action": "withdraw"})
    assert SignUp.objects.get(volunteer=practice["volunteer2"]).state == SignUp.State.REGISTERED


def test_an_app_user_who_is_no_volunteer_is_told_to_register(client, operator, practice):
    activity = make_activity(operator, practice)
    login(client, practice["resident"])
    html = page(client.get(f"/practice/activities/{activity.pk}/"))
    assert "Register as a volunteer to sign up" in html
    response = client.post(f"/practice/activities/{activity.pk}/", {"action": "sign_up"})
    assert response.status_code == 403 and "Register as a volunteer first." in page(response)


def test_the_activity_links_to_its_topic_and_chat_room(client, operator, practice):
    from rongmei.community.models import ChatRoom, Topic

    activity = make_activity(operator, practice)
    activity.topic = Topic.objects.create(slug="chongyang-2026", name="重阳节敬老")
    activity.chat_room = ChatRoom.objects.create(name="重阳节志愿者群")
    activity.save()
    html = page(client.get(f"/practice/activities/{activity.pk}/"))
    assert reverse("huati:topic", args=["chongyang-2026"]) in html
    assert reverse("huati:room", args=[activity.chat_room.pk]) in html


def test_the_home_page_reads_the_same_number_of_queries_however_many_activities(client, operator, practice, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_activity(operator, practice)
    client.get("/practice/")  # sessions, caches and the like warmed
    with CaptureQueriesContext(connection) as one:
        client.get("/practice/")
    for _ in range(3):
        make_activity(operator, practice)
    with django_assert_num_queries(len(one)):
        client.get("/practice/")


# --- check-in by the activity's QR code -------------------------------------------------------------


def test_check_in_then_out_by_the_code_with_the_location_credits_once(client, operator, practice):
    activity = make_activity(operator, practice)
    volunteer = practice["volunteer"]
    services.sign_up(fan=volunteer.fan, activity=activity)
    path = f"/practice/checkin/{activity.checkin_token}/"
    login(client, volunteer.fan)
    with freeze_time(activity.starts_at + dt.timedelta(minutes=5)) as clock:
        html = page(client.get(path))
        assert 'name="latitude"' in html and "practice/practice.js" in html and "Check in" in html

        far = client.post(path, {"token": activity.checkin_token, "latitude": FAR[0], "longitude": FAR[1]})
        assert far.status_code == 400 and "check in within 300 m" in page(far)
        response = client.post(path, {"token": activity.checkin_token, "latitude": NEAR[0], "longitude": NEAR[1]})
        assert response.status_code == 200 and 'id="practice-result"' in page(response) and "Checked in" in page(response)
        signup = SignUp.objects.get(activity=activity, volunteer=volunteer)
        assert signup.checked_in_at is not None and signup.checked_out_at is None

        # The same scan again (a double tap, the page sent twice) checks in again: nothing changes.
        again = client.post(path, {"token": activity.checkin_token, "action": "in", "latitude": NEAR[0], "longitude": NEAR[1]})
        assert again.status_code == 200 and 'value="out"' in page(again)
        assert SignUp.objects.get(pk=signup.pk).checked_out_at is None

        clock.tick(dt.timedelta(hours=2))
        response = client.post(path, {"token": activity.checkin_token, "action": "out", "latitude": HERE[0], "longitude": HERE[1]})
        assert "Checked out" in page(response) and "2 hours credited" in page(response)
        clock.tick(dt.timedelta(minutes=10))
        client.post(path, {"token": activity.checkin_token, "action": "out", "latitude": HERE[0], "longitude": HERE[1]})

    signup.refresh_from_db()
    assert signup.checked_out_at is not None
    hours = LedgerEntry.objects.filter(volunteer=volunteer, kind=LedgerEntry.Kind.HOURS)
    assert [e.amount for e in hours] == [Decimal("2.00")]
    assert LedgerEntry.objects.filter(volunteer=volunteer, kind=LedgerEntry.Kind.POINTS).count() == 1


def test_a_check_in_without_the_location_says_so(client, operator, practice):
    activity = make_activity(operator, practice)
    services.sign_up(fan=practice["volunteer"].fan, activity=activity)
    login(client, practice["volunteer"].fan)
    with freeze_time(activity.starts_at):
        response = client.post(f"/practice/checkin/{activity.checkin_token}/", {"token": activity.checkin_token})
    assert response.status_code == 400 and "Allow the phone to share its location" in page(response)
    assert SignUp.objects.get(volunteer=practice["volunteer"]).checked_in_at is None


# --- the volunteer's own page -----------------------------------------------------------------------


def test_a_resident_registers_as_a_volunteer_with_consent(client, practice):
    login(client, practice["resident"])
    html = page(client.get("/practice/me/"))
    assert services.CONSENT_VERSION in html and 'name="consent"' in html
    refused = client.post("/practice/me/", {"real_name": "张秀英", "skills": "陪伴，理发"})
    assert refused.status_code == 400 and "Agree to how your personal information is handled" in page(refused)
    assert "张秀英" in page(refused)
    response = client.post(
        "/practice/me/", {"real_name": "张秀英", "skills": "陪伴，理发", "consent": "on", "site": practice["station"].pk}
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(fan=practice["resident"])
    assert volunteer.skills == ["陪伴", "理发"] and volunteer.consent_version == services.CONSENT_VERSION
    assert 'id="practice-hours"' in page(client.get("/practice/me/"))


def test_a_volunteer_exchanges_points_in_the_store(client, practice):
    volunteer = practice["volunteer"]
    services.credit(volunteer, kind=LedgerEntry.Kind.POINTS, amount=Decimal("30"), key="t:p", note="test")
    cup = StoreItem.objects.create(name="保温杯", points=20, stock=1)
    StoreItem.objects.create(name="下架的伞", points=5, stock=3, active=False)
    login(client, volunteer.fan)
    html = page(client.get("/practice/me/"))
    assert "保温杯" in html and "下架的伞" not in html and 'id="practice-points">30<' in html
    assert client.post("/practice/me/", {"item": cup.pk}).status_code == 302
    assert Exchange.objects.get().item == cup
    cup.refresh_from_db()
    assert cup.stock == 0 and services.balance(volunteer, LedgerEntry.Kind.POINTS) == 10
    response = client.post("/practice/me/", {"item": cup.pk})
    assert response.status_code == 409 and "not in stock" in page(response)
