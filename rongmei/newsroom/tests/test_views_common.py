"""Shared helpers of the newsroom view tests, and who may open each page at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts.middleware import roles_requiring_two_factor
from rongmei.newsroom import services
from rongmei.testing import factories
from rongmei.testing.personas import make_user


def login(client, user):
    """Log ``user`` in; people whose role needs two-factor login get a verified TOTP device."""
    client.force_login(user)
    if user.role in roles_requiring_two_factor():
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def as_user(user):
    from django.test import Client

    return login(Client(), user)


def tomorrow_at(hour: int = 18) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(hour)))


def approved_plan_with_assignment(people, *, accept=True):
    plan = factories.approved_plan(people["reporter"], people["column_lead"], people["team"])
    assignment = services.assign(actor=people["column_lead"], coverage=factories.coverage_of(plan), assignee=people["reporter"])
    if accept:
        services.accept_assignment(actor=people["reporter"], assignment=assignment)
    return plan, assignment


@pytest.fixture
def world(people):
    """One of everything, so every page has something to show."""
    p = people
    lead = services.create_lead(actor=p["reporter"], title="铜山湖夏南牛节将开幕", description="夏南牛节下周在铜山湖开幕。", team=p["team"])
    plan, assignment = approved_plan_with_assignment(p)
    story = factories.story_in_review(p["reporter2"], p["team"])
    return {"lead": lead, "plan": plan, "assignment": assignment, "story": story}


def page_urls(world):
    story = world["story"]
    return [
        reverse("newsroom:home"),
        reverse("newsroom:notifications"),
        reverse("newsroom:leads"),
        reverse("newsroom:lead_create"),
        reverse("newsroom:lead", args=[world["lead"].pk]),
        reverse("newsroom:plans"),
        reverse("newsroom:plan_create"),
        reverse("newsroom:plan", args=[world["plan"].pk]),
        reverse("newsroom:calendar"),
        reverse("newsroom:calendar") + "?view=day&date=2026-05-01",
        reverse("newsroom:assignments"),
        reverse("newsroom:assignment", args=[world["assignment"].pk]),
        reverse("newsroom:dispatch"),
        reverse("newsroom:stories"),
        reverse("newsroom:story_create"),
        reverse("newsroom:story", args=[story.pk]),
        reverse("newsroom:story_diff", args=[story.pk]),
        reverse("newsroom:story_audit_csv", args=[story.pk]),
        reverse("newsroom:board"),
    ]


def test_every_newsroom_page_sends_anonymous_visitors_to_the_login_page(client, world):
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url


def test_people_outside_the_newsroom_staff_get_403_on_every_page(client, world):
    citizen = make_user("citizen1", "市民甲", "citizen")
    login(client, citizen)
    for url in page_urls(world):
        assert client.get(url).status_code == 403, url


def test_reporter_opens_every_newsroom_page(client, world, reporter):
    login(client, reporter)
    for url in page_urls(world):
        assert client.get(url).status_code == 200, url


def test_chief_editor_with_two_factor_opens_every_newsroom_page(client, world, chief):
    login(client, chief)
    for url in page_urls(world):
        assert client.get(url).status_code == 200, url


def test_posts_to_actions_need_login(client, world):
    story = world["story"]
    for url in [
        reverse("newsroom:story_approve", args=[story.pk]),
        reverse("newsroom:story_autosave", args=[story.pk]),
        reverse("newsroom:plan_approve", args=[world["plan"].pk]),
        reverse("newsroom:assignment_accept", args=[world["assignment"].pk]),
        reverse("newsroom:notifications_read"),
    ]:
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
