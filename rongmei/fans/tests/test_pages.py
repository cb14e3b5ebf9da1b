import pytest
from django.test import Client

from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan
from rongmei.fans.tests.conftest import PHONE, last_code


def _send(client, phone=PHONE, **extra):
    return client.post("/me/login/", {"action": "send", "phone": phone, **extra})


def _verify(client, code, phone=PHONE, **extra):
    return client.post("/me/login/", {"action": "verify", "phone": phone, "code": code, **extra})


def test_register_log_in_edit_the_nickname_and_log_out_through_the_pages(client, db):
    assert client.get("/me/").url == "/me/login/?next=/me/"
    page = client.get("/me/login/")
    assert page.status_code == 200 and 'name="phone"' in page.text and 'name="code"' not in page.text
    sent = _send(client)
    assert sent.status_code == 200 and 'name="code"' in sent.text and f'value="{PHONE}"' in sent.text
    done = _verify(client, last_code())
    assert done.status_code == 302 and done.url == "/me/"
    fan = Fan.objects.get()
    assert client.session[SESSION_KEY] == fan.pk
    profile = client.get("/me/")
    assert profile.status_code == 200 and "138****8000" in profile.text
    assert client.post("/me/", {"nickname": "铜山湖的风"}).url == "/me/"
    assert Fan.objects.get().nickname == "铜山湖的风"
    assert client.get("/me/login/").url == "/me/"  # already logged in
    out = client.post("/me/logout/")
    assert out.status_code == 302 and SESSION_KEY not in client.session
    assert client.get("/me/").status_code == 302


def test_the_session_id_changes_at_login(client, db):
    session = client.session  # a session that existed before login, as a planted one would
    session["seen"] = True
    session.save()
    client.cookies["sessionid"] = before = session.session_key
    _send(client)
    _verify(client, last_code())
    assert client.cookies["sessionid"].value != before


@pytest.mark.parametrize("phone", ["", "12345", "2380013800x", "<script>alert(1)</script>"])
def test_a_bad_number_is_a_clear_error_and_what_was_typed_stays(client, db, phone):
    response = _send(client, phone)
    assert response.status_code == 400 and 'aria-invalid="true"' in response.text and 'role="alert"' in response.text
    if phone:
        assert 'value="' + phone.replace("<", "&lt;").replace(">", "&gt;") + '"' in response.text


def test_a_wrong_code_keeps_the_number_and_says_how_many_tries_are_left(client, db):
    _send(client)
    code = last_code()
    response = _verify(client, f"{(int(code) + 1) % 1_000_000:06d}")
    assert response.status_code == 400 and "4 tries left" in response.text and f'value="{PHONE}"' in response.text
    assert 'name="code"' in response.text and SESSION_KEY not in client.session


def test_asking_again_too_soon_says_how_long_to_wait_and_keeps_the_code_form(client, db):
    _send(client)
    response = _send(client)
    assert response.status_code == 429 and "seconds" in response.text and 'name="code"' in response.text


def test_a_banned_fan_reads_the_reason(client, db):
    Fan.objects.create(phone="+86" + PHONE, banned=True, ban_reason="冒充他人")
    _send(client)
    response = _verify(client, last_code())
    assert response.status_code == 403 and "冒充他人" in response.text and SESSION_KEY not in client.session


def test_next_leads_back_but_never_off_site(client, db):
    _send(client)
    assert _verify(client, last_code(), next="/search/").url == "/search/"
    other = Client()
    other.post("/me/logout/")
    Fan.objects.all().delete()
    from django.core.cache import cache

    cache.clear()
    _send(other)
    assert _verify(other, last_code(), next="https://evil.example/").url == "/me/"


def test_the_console_hint_shows_only_in_debug(client, db, settings):
    settings.DEBUG = False
    assert "console" not in client.get("/me/login/").text
    settings.DEBUG = True
    assert "console" in client.get("/me/login/").text


def test_a_too_long_nickname_is_refused_and_kept(client, db):
    _send(client)
    _verify(client, last_code())
    response = client.post("/me/", {"nickname": "长" * 21})
    assert response.status_code == 400 and "长" * 21 in response.text


def test_logout_is_post_only(client, db):
    assert client.get("/me/logout/").status_code == 405


def test_staff_login_is_unaffected_by_a_fan_login_and_logout(client, reporter):
    client.force_login(reporter)
    _send(client)
    _verify(client, last_code())
    assert client.session["_auth_user_id"] == str(reporter.pk) and client.get("/newsroom/").status_code == 200
    client.post("/me/logout/")
    assert client.session["_auth_user_id"] == str(reporter.pk) and client.get("/newsroom/").status_code == 200


def test_a_fan_is_not_a_staff_member(client, db):
    _send(client)
    _verify(client, last_code())
    assert client.get("/newsroom/").status_code == 302
    assert client.get("/api/v1/stories").status_code == 401
