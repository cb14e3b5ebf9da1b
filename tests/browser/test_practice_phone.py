"""新时代文明实践 on the phone, in a real browser: a resident requests a service (点单), the center
dispatches it (派单), a volunteer of the team takes it (接单), scans the resident's code on arrival
and when done, and the resident rates it (评单); the volunteer's hours and points are credited once.
The volunteer also signs up for an activity and checks in at it with the phone's location.

Elements are found by ids, form field names and URLs, never by visible text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from rongmei.practice import services
from rongmei.practice.models import LedgerEntry, ServiceRequest, SignUp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def test_a_resident_orders_a_service_and_a_volunteer_serves_it(fan_context, operator, practice):
    resident, volunteer = practice["resident"], practice["volunteer"]

    # 点单: the resident on the phone site.
    home = fan_context(resident).new_page()
    home.set_viewport_size(PHONE)
    home.goto(reverse("practice:request"))
    home.locator("input[name=category][value='家电维修']").check()
    home.locator("textarea[name=description]").fill("家里的电视机没有声音了，想请志愿者帮忙看看。")
    home.locator("input[name=address]").fill("花园社区5号楼2单元")
    home.locator("main form button[type=submit]").click()
    home.wait_for_url(re.compile(r"/practice/requests/\d+/$"))
    service = ServiceRequest.objects.get()
    expect(home.locator("#practice-state")).to_be_visible()

    # 派单: the practice center gives it to the team.
    services.dispatch(actor=operator, service=service, team=practice["team"])

    # 接单: a member of the team takes it on their phone.
    phone = fan_context(volunteer.fan).new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(reverse("practice:request_detail", args=[service.pk]))
    phone.locator("#practice-take-button").click()
    expect(phone.locator("#practice-scan-form")).to_be_visible()
    assert ServiceRequest.objects.get(pk=service.pk).state == ServiceRequest.State.TAKEN

    # The resident's phone shows the code; the volunteer's camera opens what it encodes.
    home.reload()
    expect(home.locator("#practice-qr svg")).to_be_visible()
    token = home.locator("#practice-token-text").inner_text().strip()
    phone.goto(reverse("practice:request_detail", args=[service.pk]) + f"?token={token}")
    expect(phone.locator("#practice-token")).to_have_value(token)
    phone.locator("#practice-scan-submit").click()
    expect(phone.locator("#practice-scan-submit")).to_be_visible()
    assert ServiceRequest.objects.get(pk=service.pk).state == ServiceRequest.State.SERVING
    # An hour and a half of work passes.
    ServiceRequest.objects.filter(pk=service.pk).update(started_at=F("started_at") - dt.timedelta(minutes=90))
    phone.goto(reverse("practice:request_detail", args=[service.pk]) + f"?token={token}")
    phone.locator("#practice-scan-submit").click()
    expect(phone.locator("#practice-scan-form")).to_have_count(0)
    assert ServiceRequest.objects.get(pk=service.pk).state == ServiceRequest.State.DONE

    # 评单: the resident rates skill, attitude and effect.
    home.reload()
    for name in ("skill", "attitude", "effect"):
        home.locator(f"#practice-rate-form input[name={name}][value='5']").check()
    home.locator("#practice-rate-submit").click()
    expect(home.locator("#practice-rating")).to_be_visible()
    rated = ServiceRequest.objects.get(pk=service.pk)
    assert (rated.state, rated.rating_skill, rated.rating_attitude, rated.rating_effect) == ("rated", 5, 5, 5)
    assert all((rated.taken_at, rated.started_at, rated.finished_at, rated.rated_at, rated.dispatched_at))

    # Hours and points, credited once: 1.5 hours, 10 points for the service and 5 for full marks.
    assert services.balance(volunteer, LedgerEntry.Kind.HOURS) == Decimal("1.5")
    assert services.balance(volunteer, LedgerEntry.Kind.POINTS) == Decimal("15")
    phone.goto(reverse("practice:me"))
    expect(phone.locator("main")).to_contain_text("1.5")


def test_a_volunteer_signs_up_and_checks_in_by_the_activitys_code_on_the_spot(fan_context, operator, practice):
    volunteer = practice["volunteer"]
    now = timezone.now()
    activity = services.create_activity(
        actor=operator,
        title="社区环境整治志愿服务",
        description="清理小区卫生死角。",
        site=practice["institute"],
        address="花园社区广场",
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=2),
        capacity=5,
        latitude=32.7192,
        longitude=113.3431,
    )
    services.publish_activity(actor=operator, activity=activity)
    context = fan_context(volunteer.fan)
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": 32.7195, "longitude": 113.3433})  # about 40 m away
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(reverse("practice:activity", args=[activity.pk]))
    phone.locator("#practice-sign-up").click()
    expect(phone.locator("#practice-withdraw")).to_be_visible()
    # The code printed at the activity opens the check-in page; the phone sends where it is.
    phone.goto(reverse("practice:checkin", args=[activity.checkin_token]))
    phone.locator("#practice-checkin-submit").click()
    expect(phone.locator("#practice-result")).to_be_visible()
    signup = SignUp.objects.get(activity=activity, volunteer=volunteer)
    assert signup.checked_in_at is not None and signup.checked_out_at is None
