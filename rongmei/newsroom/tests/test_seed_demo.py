"""seed_demo builds the demo county center through the services; demo_otp prints a TOTP code in DEBUG only.

These tests make their own people (the seed's), not the persona fixtures.
"""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts.models import Role, Team, User
from rongmei.core.models import AuditLog, Notification, Place, SensitiveWord
from rongmei.newsroom import demo_data
from rongmei.newsroom.models import Assignment, Lead, LeadSimilarity, Plan, ReviewComment, SafetyOverride, Story, StoryVersion


def seed() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    models = {
        "users": User,
        "teams": Team,
        "places": Place,
        "words": SensitiveWord,
        "devices": TOTPDevice,
        "leads": Lead,
        "plans": Plan,
        "assignments": Assignment,
        "stories": Story,
        "versions": StoryVersion,
        "comments": ReviewComment,
        "notifications": Notification,
        "audit": AuditLog,
    }
    return {name: model.objects.count() for name, model in models.items()}


@pytest.fixture
def seeded(db):
    _out, err = seed()
    assert err == ""


def test_running_seed_demo_twice_adds_nothing_the_second_time(db):
    _out, err = seed()
    assert err == ""
    first = counts()
    _out, err = seed()
    assert err == ""
    assert counts() == first
    from rongmei.partners import demo as partners_demo

    # the staff, and the partner logins (partner is both in STAFF and 泌阳微帮's login)
    assert first["users"] == len({u for u, _n, _r in demo_data.STAFF} | set(partners_demo.LOGINS))


def test_a_second_run_does_not_reset_a_changed_password(seeded):
    reporter = User.objects.get(username="reporter")
    reporter.set_password("a-new-secret-of-mine")
    reporter.save()
    seed()
    reporter.refresh_from_db()
    assert reporter.check_password("a-new-secret-of-mine")


def test_the_demo_has_thirteen_teams_and_the_fixed_demo_logins(seeded):
    assert Team.objects.count() == 13
    assert {"新闻组", "融媒帮", "智慧人大", "智慧政协", "法治在线", "美丽乡村", "行在泌阳"} <= set(
        Team.objects.values_list("name", flat=True)
    )
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["reporter"] == Role.REPORTER
    assert roles["editor"] == Role.EDITOR
    assert roles["lead"] == Role.COLUMN_LEAD
    assert roles["chief"] == roles["deputy"] == Role.CHIEF_EDITOR
    assert roles["operator"] == Role.OPERATOR
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(username="reporter").check_password(demo_data.DEMO_PASSWORD)
    assert Team.objects.get(slug="news").lead.username == "lead"


def test_chief_editors_and_the_admin_have_a_confirmed_authenticator(seeded):
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert with_device == {"chief", "deputy", "admin"}
    for device in TOTPDevice.objects.all():
        assert len(device.bin_key) == 20


def test_there_are_stories_in_draft_in_each_review_level_and_signed_off(seeded):
    states = set(Story.objects.values_list("state", flat=True))
    assert {Story.State.DRAFT, Story.State.IN_REVIEW, Story.State.APPROVED, Story.State.PUBLISHED} <= states
    levels = set(Story.objects.filter(state=Story.State.IN_REVIEW).values_list("review_level", flat=True))
    assert levels == {1, 2, 3}
    returned = Story.objects.filter(state=Story.State.DRAFT, comments__anchor_start__isnull=False).distinct()
    assert returned.exists()
    assert SafetyOverride.objects.exists()
    assert StoryVersion.objects.filter(number=2).exists()


def test_every_signed_off_story_has_three_approvals_by_distinct_people_on_its_current_version(seeded):
    signed_off = Story.objects.filter(state__in=(Story.State.APPROVED, Story.State.PUBLISHED))
    assert signed_off.count() >= 3
    for story in signed_off:
        approvals = list(story.current_version.approvals.all())
        assert sorted(a.level for a in approvals) == [1, 2, 3]
        reviewers = {a.reviewer_id for a in approvals}
        assert len(reviewers) == 3
        assert not reviewers & set(story.authors.values_list("pk", flat=True))
        assert User.objects.get(pk=next(a.reviewer_id for a in approvals if a.level == 3)).role == Role.CHIEF_EDITOR


def test_the_demo_has_the_columns_of_the_app_linked_to_their_teams(seeded, client):
    from rongmei.portal.models import Column

    names = list(Column.objects.values_list("name", flat=True))
    assert names[:3] == ["头条", "魅力泌阳", "政务服务"] and "短视频" in names
    assert set(Column.objects.get(slug="toutiao").teams.values_list("slug", flat=True)) == {"news", "features"}
    assert "/column/toutiao/" in client.get("/").content.decode()


def test_published_demo_stories_are_on_the_public_site_and_the_signed_off_one_is_not(seeded, client):
    html = client.get("/").content.decode()
    for story in Story.objects.filter(state=Story.State.PUBLISHED):
        assert story.current_version.headline in html
    for story in Story.objects.filter(state=Story.State.APPROVED):
        assert story.current_version.headline not in html


def test_leads_plans_and_assignments_cover_every_status(seeded):
    assert set(Lead.objects.values_list("status", flat=True)) == set(Lead.Status.values)
    assert set(Plan.objects.values_list("status", flat=True)) == set(Plan.Status.values)
    assert set(Assignment.objects.values_list("status", flat=True)) == set(Assignment.Status.values)
    assert LeadSimilarity.objects.count() >= 6
    assert any(a.is_overdue for a in Assignment.objects.all())


def test_every_state_change_of_the_demo_is_in_the_audit_log(seeded):
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"lead.create", "lead.discard", "plan.approve", "plan.reject", "assignment.decline", "story.return", "story.sign_off"} <= actions
    assert AuditLog.objects.filter(action="story.safety_override").exists()


def test_seed_demo_prints_the_logins_with_the_totp_hint(db):
    out, _err = seed()
    assert demo_data.DEMO_PASSWORD in out
    assert "python manage.py demo_otp chief" in out
    assert TOTPDevice.objects.get(user__username="chief").config_url.split("secret=")[1].split("&")[0] in out


def test_demo_otp_refuses_without_debug(seeded, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_otp", "chief", stdout=StringIO())


def test_demo_otp_prints_the_current_six_digit_code_with_debug(seeded, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_otp", "chief", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert TOTPDevice.objects.get(user__username="chief").verify_token(code)


def test_demo_otp_refuses_a_user_without_an_authenticator(seeded, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command("demo_otp", "reporter", stdout=StringIO())


def test_the_demo_has_clients_projects_and_a_running_banner_for_the_operations_login(seeded, client):
    from rongmei.advertising.models import Campaign
    from rongmei.business.models import Client, Project

    assert User.objects.get(username="jingying").role == "operations"
    assert Client.objects.count() == 3
    assert set(Project.objects.values_list("state", flat=True)) == {"lead", "quoted", "in_progress"}
    from rongmei.media.models import Rendition
    from rongmei.media.tasks import make_rendition

    banner = Campaign.objects.get(slot__code="banner")
    assert banner.is_running() and banner.creatives.count() == 1
    assert client.get("/api/v1/public/ads?slot=banner").json()["ads"] == []  # its picture is not made yet
    for rendition in Rendition.objects.filter(asset__in=banner.creatives.values("asset")):
        make_rendition.call(rendition.pk)  # what the task worker does next
    answer = client.get("/api/v1/public/ads?slot=banner").json()
    assert [ad["campaign"] for ad in answer["ads"]] == [banner.pk]
