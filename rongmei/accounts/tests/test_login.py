from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rongmei.testing.personas import PASSWORD

LOGIN = "/accounts/login/"


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_a_form_for_username_and_password(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html


def test_reporter_logs_in_and_lands_in_the_newsroom(client, reporter):
    response = _login(client, reporter.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("newsroom:home")


def test_wrong_password_shows_a_clear_message_and_keeps_the_username(client, reporter):
    response = _login(client, reporter.username, "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert _("The username or password is not right. Note that the password is case-sensitive.") in html
    assert f'value="{reporter.username}"' in html


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, reporter):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _i in range(4):
        assert _login(client, reporter.username, "wrong-password").status_code == 200
    locked = _login(client, reporter.username, "wrong-password")
    assert locked.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in locked.templates]
    html = locked.content.decode()
    assert _("Account temporarily locked") in html
    assert (
        ngettext(
            "For your safety, logging in is locked for %(minutes)s minute. Try again after that.",
            "For your safety, logging in is locked for %(minutes)s minutes. Try again after that.",
            15,
        )
        % {"minutes": 15}
        in html
    )
    assert (
        _(
            "If you need to log in sooner, or you did not make these attempts yourself, ask the system administrator of the media center (or your chief editor) to unlock the account and, if needed, reset your password."
        )
        in html
    )

    again = _login(client, reporter.username, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_person_leaves_others_free(client, reporter, editor):
    for _i in range(5):
        _login(client, reporter.username, "wrong-password")
    assert _login(client, editor.username, PASSWORD).status_code == 302


def test_session_expires_after_the_configured_idle_time(client, reporter):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    _login(client, reporter.username, PASSWORD)
    session = client.session
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert cookie["httponly"]


def test_session_cookie_is_renewed_on_every_request(client, reporter):
    client.force_login(reporter)
    response = client.get(reverse("accounts:profile"))
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.SESSION_COOKIE_AGE


def test_logout_needs_a_post(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_login_does_not_redirect_to_another_site(client, reporter):
    response = client.post(LOGIN + "?next=https://evil.example/", {"username": reporter.username, "password": PASSWORD})
    assert response.url == reverse("newsroom:home")
