"""Step-up (再次验证): publishing, retracting, role changes and personal-data exports need a second
factor verified within RONGMEI_STEP_UP_SECONDS (rongmei/accounts/stepup.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts.models import Role, User
from rongmei.accounts.stepup import CODE_FIELD
from rongmei.api.tests.conftest import Caller
from rongmei.core.models import AuditLog
from rongmei.distribution.models import Channel, Publication
from rongmei.testing import factories
from rongmei.testing.personas import PASSWORD, make_user
from rongmei.testing.stepup import forget_verification, verified_minutes_ago

STEP_UP = "/accounts/step-up/"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # django-otp makes you wait 1 s, 2 s, 4 s … after each wrong code; tests must not sleep.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def story(reporter, team, editor, column_lead, chief):
    return factories.signed_off_story(reporter, team, [editor, column_lead, chief])


@pytest.fixture
def website(db):
    channel, _made = Channel.objects.get_or_create(code="website", defaults={"name": "网站"})
    return channel


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    right = {f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + s):06d}" for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in right)


def logged_in(user, *, minutes_ago: float | None = 20) -> tuple[Client, TOTPDevice]:
    """A client of ``user`` with an authenticator, its second factor verified ``minutes_ago``
    (None: never in this session)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # the login's own two-factor check (chief, admin)
    session.save()
    if minutes_ago is None:
        forget_verification(client)
    else:
        verified_minutes_ago(client, minutes_ago)
    return client, device


def publish_url(story) -> str:
    return f"/newsroom/publish/stories/{story.pk}/"


def actions(name: str, user) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=name, actor=user))


# --- publishing from the screen -------------------------------------------------------------------


def test_an_editor_verified_20_minutes_ago_is_asked_again_and_nothing_is_published(english, story, editor, website):
    client, _device = logged_in(editor, minutes_ago=20)
    response = client.post(publish_url(story), {"channels": [website.pk]})
    assert response.status_code == 403
    html = response.content.decode()
    assert _("Verify your second factor again before submitting.") in html
    # What was submitted rides along in the step-up form, which posts back to the same page.
    assert f'action="{publish_url(story)}"' in html
    assert f'name="channels" value="{website.pk}"' in html
    assert f'name="{CODE_FIELD}"' in html
    assert Publication.objects.count() == 0


def test_after_a_valid_code_the_same_submission_publishes(story, editor, website):
    client, device = logged_in(editor, minutes_ago=20)
    client.post(publish_url(story), {"channels": [website.pk]})
    response = client.post(publish_url(story), {"channels": [website.pk], CODE_FIELD: code_for(device)})
    assert response.status_code == 302
    assert response.url == publish_url(story)
    assert Publication.objects.get().channel == website
    assert len(actions("accounts.step_up", editor)) == 1
    assert AuditLog.objects.filter(action="publication.pending", actor=editor).exists()
    # Verified now: the next privileged action within the window asks nothing.
    retry = client.post(publish_url(story), {"channels": [website.pk]})
    assert retry.status_code == 302


def test_a_wrong_code_is_refused_audited_and_publishes_nothing(english, story, editor, website):
    client, device = logged_in(editor, minutes_ago=20)
    response = client.post(publish_url(story), {"channels": [website.pk], CODE_FIELD: wrong_code(device)})
    assert response.status_code == 403
    assert _("That code is not right.") in response.content.decode()
    assert f'name="channels" value="{website.pk}"' in response.content.decode()  # still kept
    assert Publication.objects.count() == 0
    (failure,) = actions("accounts.step_up_failed", editor)
    assert failure.data["path"] == publish_url(story)
    assert not actions("accounts.step_up", editor)


def test_a_verification_within_the_window_is_enough(story, editor, website):
    client, _device = logged_in(editor, minutes_ago=10)
    assert client.post(publish_url(story), {"channels": [website.pk]}).status_code == 302
    assert Publication.objects.count() == 1


def test_the_window_is_a_setting(settings, story, editor, website):
    settings.RONGMEI_STEP_UP_SECONDS = 5 * 60
    client, _device = logged_in(editor, minutes_ago=10)
    assert client.post(publish_url(story), {"channels": [website.pk]}).status_code == 403
    assert Publication.objects.count() == 0


def test_showing_the_publish_page_needs_no_step_up(story, editor):
    client, _device = logged_in(editor, minutes_ago=None)
    assert client.get(publish_url(story)).status_code == 200


def test_a_password_login_alone_never_counts_as_a_recent_second_factor(story, editor, website):
    client = Client()
    TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    assert client.post("/accounts/login/", {"username": editor.username, "password": PASSWORD}).status_code == 302
    assert client.post(publish_url(story), {"channels": [website.pk]}).status_code == 403
    assert Publication.objects.count() == 0


def test_the_code_at_login_counts_so_the_chief_publishes_right_after_logging_in(story, chief, website):
    device = TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    client = Client()
    login = client.post("/accounts/login/", {"username": chief.username, "password": PASSWORD})
    assert login.url.startswith("/accounts/2fa/")
    assert client.post("/accounts/2fa/", {"code": code_for(device), "next": "/newsroom/"}).status_code == 302
    assert client.post(publish_url(story), {"channels": [website.pk]}).status_code == 302
    assert Publication.objects.count() == 1


def test_someone_without_an_authenticator_is_told_to_set_one_up_first(english, story, editor, website):
    client = Client()
    client.force_login(editor)
    forget_verification(client)
    response = client.post(publish_url(story), {"channels": [website.pk], CODE_FIELD: "123456"})
    assert response.status_code == 403
    html = response.content.decode()
    assert _("You have no authenticator app set up yet.") in html
    assert "/accounts/2fa/?next=" in html
    assert Publication.objects.count() == 0
    assert not actions("accounts.step_up_failed", editor)  # no code was checked


def test_setting_up_an_authenticator_counts_as_a_fresh_verification(story, editor, website):
    client = Client()
    client.force_login(editor)
    forget_verification(client)
    client.get(f"/accounts/2fa/?next={publish_url(story)}")
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    done = client.post("/accounts/2fa/", {"code": code_for(device), "next": publish_url(story)})
    assert done.status_code == 302 and done.url == publish_url(story)
    assert client.post(publish_url(story), {"channels": [website.pk]}).status_code == 302
    assert Publication.objects.count() == 1


def test_a_session_logged_in_long_ago_cannot_enrol_an_authenticator_without_the_password(story, editor, website):
    """A stolen session cookie must not let the thief add their own phone and then pass step-up."""
    import time

    from rongmei.accounts.stepup import PASSWORD_AT_SESSION_KEY

    client = Client()
    client.force_login(editor)
    forget_verification(client)
    session = client.session
    session[PASSWORD_AT_SESSION_KEY] = time.time() - 20 * 60
    session.save()
    page = client.get("/accounts/2fa/")
    assert 'name="password"' in page.content.decode()
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    refused = client.post("/accounts/2fa/", {"code": code_for(device), "password": "not-the-password"})
    assert refused.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditLog.objects.filter(action="accounts.2fa_setup_refused").count() == 1
    assert client.post(publish_url(story), {"channels": [website.pk]}).status_code == 403
    assert Publication.objects.count() == 0
    done = client.post("/accounts/2fa/", {"code": code_for(device), "password": PASSWORD, "next": publish_url(story)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_retracting_needs_a_recent_second_factor_too(story, chief, editor, website):
    from rongmei.distribution import services

    services.publish(actor=editor, story=story, channels=[website])
    client, device = logged_in(chief, minutes_ago=30)
    url = f"/newsroom/publish/stories/{story.pk}/retract/"
    assert client.post(url, {"reason": "事实有误"}).status_code == 403
    assert not Publication.objects.filter(state=Publication.State.RETRACTED).exists()
    done = client.post(url, {"reason": "事实有误", CODE_FIELD: code_for(device)})
    assert done.status_code == 302
    assert Publication.objects.get().state == Publication.State.RETRACTED


# --- the step-up page (GET flows: exports) ----------------------------------------------------------


def test_a_personal_data_export_sends_to_step_up_and_comes_back_after_the_code(column_lead):
    client, device = logged_in(column_lead, minutes_ago=20)
    url = "/dashboard/assessment/export.xlsx?month=2026-01"
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(STEP_UP)
    assert not AuditLog.objects.filter(action="export.assessment").exists()

    page = client.get(response.url)
    assert page.status_code == 200
    assert f'name="{CODE_FIELD}"' in page.content.decode()
    back = client.post(STEP_UP, {CODE_FIELD: code_for(device), "next": url})
    assert back.status_code == 302
    assert back.url == url

    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditLog.objects.filter(action="export.assessment", actor=column_lead).count() == 1
    assert len(actions("accounts.step_up", column_lead)) == 1


def test_a_wrong_code_on_the_step_up_page_is_refused_and_audited(english, column_lead):
    client, device = logged_in(column_lead, minutes_ago=20)
    response = client.post(STEP_UP, {CODE_FIELD: wrong_code(device), "next": "/dashboard/assessment/export.xlsx"})
    assert response.status_code == 400
    assert _("That code is not right.") in response.content.decode()
    assert len(actions("accounts.step_up_failed", column_lead)) == 1
    assert client.get("/dashboard/assessment/export.xlsx").status_code == 302


def test_the_step_up_page_never_sends_to_another_site(column_lead):
    client, device = logged_in(column_lead, minutes_ago=20)
    response = client.post(STEP_UP, {CODE_FIELD: code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == "/newsroom/"


@pytest.mark.parametrize(
    "url",
    ["/dashboard/report/report.xlsx", "/dashboard/report/report.pdf"],
)
def test_the_monthly_report_with_staff_names_needs_step_up(column_lead, url):
    client, _device = logged_in(column_lead, minutes_ago=20)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(STEP_UP)


def test_the_story_audit_trail_export_needs_step_up(story, editor):
    client, _device = logged_in(editor, minutes_ago=20)
    response = client.get(f"/newsroom/stories/{story.pk}/audit.csv")
    assert response.status_code == 302 and response.url.startswith(STEP_UP)
    verified_minutes_ago(client, 1)
    assert client.get(f"/newsroom/stories/{story.pk}/audit.csv").status_code == 200
    assert AuditLog.objects.filter(action="export.story_audit", actor=editor).exists()


# --- the Django admin --------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return make_user("root", "系统管理员", Role.ADMIN, is_staff=True, is_superuser=True)


def _user_change_data(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "phone": user.phone,
        "email": user.email,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "Team_members-TOTAL_FORMS": "0",
        "Team_members-INITIAL_FORMS": "0",
        "Team_members-MIN_NUM_FORMS": "0",
        "Team_members-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_a_role_change_in_the_admin_needs_step_up_and_is_audited(superuser, reporter):
    client, device = logged_in(superuser, minutes_ago=20)
    url = f"/admin/accounts/user/{reporter.pk}/change/"
    assert client.get(url).status_code == 200  # looking needs nothing more
    data = _user_change_data(reporter, role=Role.EDITOR)

    refused = client.post(url, data)
    assert refused.status_code == 403
    assert f'name="role" value="{Role.EDITOR}"' in refused.content.decode()
    reporter.refresh_from_db()
    assert reporter.role == Role.REPORTER

    done = client.post(url, {**data, CODE_FIELD: code_for(device)})
    assert done.status_code == 302, done.content.decode()[:2000]
    reporter.refresh_from_db()
    assert reporter.role == Role.EDITOR
    change = AuditLog.objects.get(action="accounts.role_change")
    assert (change.actor, change.from_state, change.to_state) == (superuser, Role.REPORTER, Role.EDITOR)
    assert AuditLog.objects.filter(action="admin.accounts.user.change", subject_id=str(reporter.pk)).exists()


def test_a_policy_change_in_the_admin_list_needs_step_up(superuser):
    from rongmei.accounts.models import RoleSecurityPolicy

    client, _device = logged_in(superuser, minutes_ago=20)
    policy = RoleSecurityPolicy.objects.get(role=Role.EDITOR)
    response = client.post(f"/admin/accounts/rolesecuritypolicy/{policy.pk}/change/", {"role": Role.EDITOR, "require_two_factor": "on"})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.require_two_factor is False


def test_setting_someone_elses_password_in_the_admin_needs_step_up_and_the_password_is_not_echoed(superuser, reporter):
    client, _device = logged_in(superuser, minutes_ago=20)
    new = "Another-secret-2026"
    response = client.post(f"/admin/accounts/user/{reporter.pk}/password/", {"password1": new, "password2": new})
    assert response.status_code == 403
    assert new not in response.content.decode()
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)


def test_group_membership_changes_in_the_admin_need_step_up(superuser):
    client, _device = logged_in(superuser, minutes_ago=20)
    response = client.post("/admin/auth/group/add/", {"name": "发布组", "_save": "Save"})
    assert response.status_code == 403
    from django.contrib.auth.models import Group

    assert not Group.objects.exists()


# --- the API -----------------------------------------------------------------------------------------


def test_a_plain_api_token_may_not_publish(story, editor, website):
    response = Caller(editor)("POST", f"/stories/{story.pk}/publications", {"channels": ["website"]})
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    assert Publication.objects.count() == 0
    retract = Caller(editor)("POST", f"/stories/{story.pk}/retraction", {"reason": "错误"})
    assert retract.json()["code"] == "step_up_required"


def test_a_token_issued_for_automation_may_publish(story, editor, website):
    response = Caller(editor, automation=True)("POST", f"/stories/{story.pk}/publications", {"channels": ["website"]})
    assert response.status_code == 200, response.content
    assert Publication.objects.count() == 1


def test_only_the_command_line_issues_automation_tokens(editor):
    import io

    from django.core.management import call_command

    from rongmei.accounts.models import ApiToken

    call_command("issue_token", editor.username, "--automation", stdout=io.StringIO(), stderr=io.StringIO())
    token = ApiToken.objects.get(user=editor)
    assert token.automation is True
    assert AuditLog.objects.get(action="accounts.token_create").data["automation"] is True
    # The profile page's form has no such choice: its tokens are plain.
    client = Client()
    client.force_login(editor)
    client.post("/accounts/profile/tokens/", {"name": "脚本", "expires_in_days": "", "automation": "on"})
    assert ApiToken.objects.filter(user=editor, automation=False).count() == 1


def test_a_browser_session_on_the_api_needs_a_recent_second_factor(story, editor, website):
    client, _device = logged_in(editor, minutes_ago=20)
    client.get("/newsroom/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    url = f"/api/v1/stories/{story.pk}/publications"
    refused = client.post(url, {"channels": ["website"]}, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert refused.status_code == 403
    assert refused.json()["code"] == "step_up_required"
    verified_minutes_ago(client, 1)
    done = client.post(url, {"channels": ["website"]}, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert done.status_code == 200, done.content
