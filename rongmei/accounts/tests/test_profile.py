import re

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from rongmei.accounts.models import ApiToken
from rongmei.accounts.services import create_token
from rongmei.core.models import AuditLog
from rongmei.testing.personas import PASSWORD

PROFILE = "/accounts/profile/"


def test_profile_shows_name_role_teams_and_two_factor_status(client, reporter):
    client.force_login(reporter)
    response = client.get(PROFILE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "王小记" in html
    assert reporter.get_role_display() in html
    assert "新闻组" in html
    assert _("Optional for your role.") in html
    assert _("No authenticator set up yet.") in html


def test_profile_needs_login(client, db):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_reporter_creates_a_token_and_sees_the_raw_key_only_once(client, reporter):
    client.force_login(reporter)
    response = client.post(reverse("accounts:token_create"), {"name": "发稿脚本", "expires_in_days": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    raw = re.search(r'id="new-token">(rm_[^<]+)<', html).group(1)
    token = ApiToken.objects.get(user=reporter)
    assert token.name == "发稿脚本"
    assert token.key_hash == ApiToken.hash(raw)
    assert token.expires_at is not None

    later = client.get(PROFILE).content.decode()
    assert raw not in later
    assert "发稿脚本" in later and token.hint in later


def test_a_token_without_a_name_is_refused_and_nothing_is_created(client, reporter):
    client.force_login(reporter)
    response = client.post(reverse("accounts:token_create"), {"name": "  ", "expires_in_days": ""})
    assert response.status_code == 400
    assert _("Give the token a name so you can recognize it later.") in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_service_refusal_is_shown_on_the_form(client, reporter, settings):
    client.force_login(reporter)
    for n in range(20):
        create_token(actor=reporter, name=f"t{n}")
    response = client.post(reverse("accounts:token_create"), {"name": "one too many"})
    assert response.status_code == 400
    assert _("You already have %(n)s active tokens; revoke one you no longer use.") % {"n": 20} in response.content.decode()
    assert 'value="one too many"' in response.content.decode()


def test_reporter_revokes_own_token(client, reporter):
    token, _raw = create_token(actor=reporter, name="旧脚本")
    client.force_login(reporter)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert escape(_("Token “%(name)s” revoked: it no longer works.") % {"name": "旧脚本"}) in response.content.decode()
    assert AuditLog.objects.filter(action="accounts.token_revoke", subject_id=str(token.pk)).exists()


def test_nobody_revokes_another_persons_token_from_the_profile_page(client, reporter, reporter2):
    token, _raw = create_token(actor=reporter, name="王的脚本")
    client.force_login(reporter2)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_says_it_is_already_revoked(client, reporter):
    token, _raw = create_token(actor=reporter, name="旧脚本")
    client.force_login(reporter)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    assert _("This token has already been revoked.") in response.content.decode()


def test_token_actions_need_a_post(client, reporter):
    token, _raw = create_token(actor=reporter, name="x")
    client.force_login(reporter)
    assert client.get(reverse("accounts:token_create")).status_code == 405
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405


def test_password_policy_rejects_a_short_password(client, reporter):
    client.force_login(reporter)
    response = client.post(
        reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": "Ab1!xyz", "new_password2": "Ab1!xyz"}
    )
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)


def test_password_policy_rejects_a_common_or_numeric_password(client, reporter):
    client.force_login(reporter)
    for weak in ("password123", "12345678901"):
        response = client.post(
            reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
        )
        assert response.status_code == 400
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)


def test_wrong_old_password_is_refused(client, reporter):
    client.force_login(reporter)
    new = "夏南牛-铜山湖-2026"
    response = client.post(reverse("accounts:password_change"), {"old_password": "nope", "new_password1": new, "new_password2": new})
    assert response.status_code == 400
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)


def test_password_change_keeps_the_person_logged_in(client, reporter):
    client.force_login(reporter)
    new = "夏南牛-铜山湖-2026"
    response = client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert reporter.check_password(new)
    assert client.get(PROFILE).status_code == 200
    assert AuditLog.objects.filter(action="accounts.password_change", actor=reporter).exists()
