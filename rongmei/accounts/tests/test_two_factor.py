import base64
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rongmei.accounts.middleware import POLICY_CACHE_KEY
from rongmei.accounts.models import RoleSecurityPolicy
from rongmei.testing.personas import PASSWORD

TWO_FACTOR = "/accounts/2fa/"

# Tests compare with the message in the active language (zh-hans by default).
WRONG_CODE = _(
    "That code is not right. Enter the 6-digit code your authenticator app shows now, and check that the phone's clock is correct."
)


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # django-otp makes you wait 1 s, 2 s, 4 s … after each wrong code; tests must not sleep.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice, *, shift: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + shift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, shift=s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in right)


def login(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})


def test_the_two_factor_page_is_where_the_middleware_lets_unverified_people_go():
    assert reverse("accounts:two_factor") == TWO_FACTOR


def test_chief_editor_is_sent_to_two_factor_after_login(client, chief):
    response = login(client, chief)
    assert response.status_code == 302
    assert response.url.startswith(TWO_FACTOR)
    assert "next=%2Fnewsroom%2F" in response.url


def test_chief_editor_cannot_open_the_newsroom_until_verified(client, chief):
    login(client, chief)
    response = client.get("/newsroom/")
    assert response.status_code == 302
    assert response.url == TWO_FACTOR
    assert client.get(reverse("accounts:profile")).url == TWO_FACTOR


@pytest.mark.parametrize("path", ["/", "/search/?q=泌阳", "/api/v1/search?q=泌阳", "/api/v1/public/columns", "/api/v1/public/feed"])
def test_the_public_site_and_app_api_stay_open_to_an_unverified_chief_editor(client, chief, path):
    login(client, chief)
    assert client.get(path).status_code == 200
    assert client.get("/api/v1/stories").status_code == 403  # the newsroom API does not


def test_first_visit_sets_up_an_authenticator_with_an_inline_qr_code(client, chief):
    login(client, chief)
    response = client.get(TWO_FACTOR)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=chief)
    assert device.confirmed is False
    html = response.content.decode()
    assert "<svg" in html and 'class="qr"' in html
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert base64.b32decode(secret) == device.bin_key
    # A reload shows the same key: the pending device is reused, not replaced.
    client.get(TWO_FACTOR)
    assert TOTPDevice.objects.filter(user=chief).count() == 1


def test_chief_editor_confirms_the_setup_code_and_reaches_the_newsroom(client, chief):
    login(client, chief)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=chief)
    response = client.post(TWO_FACTOR, {"code": code_for(device), "next": "/newsroom/"})
    assert response.status_code == 302
    assert response.url == "/newsroom/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/newsroom/").status_code == 200


def test_a_wrong_setup_code_is_refused_with_a_clear_message(client, chief):
    login(client, chief)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=chief)
    response = client.post(TWO_FACTOR, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert WRONG_CODE in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/newsroom/").status_code == 302


def test_chief_with_a_device_enters_the_code_on_the_next_login(client, chief):
    device = TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    response = login(client, chief)
    assert response.url.startswith(TWO_FACTOR)
    page = client.get(response.url)
    assert _("Enter your login code") in page.content.decode()
    assert "<svg" not in page.content.decode()

    refused = client.post(TWO_FACTOR, {"code": wrong_code(device), "next": "/newsroom/"})
    assert refused.status_code == 400
    assert WRONG_CODE in refused.content.decode()
    assert client.get("/newsroom/").status_code == 302

    letters = client.post(TWO_FACTOR, {"code": "12ab56"})
    assert _("The code has exactly 6 digits.") in letters.content.decode()

    ok = client.post(TWO_FACTOR, {"code": code_for(device), "next": "/newsroom/"})
    assert ok.status_code == 302 and ok.url == "/newsroom/"
    assert client.get("/newsroom/").status_code == 200


def test_throttled_codes_say_so(client, chief, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    login(client, chief)
    client.post(TWO_FACTOR, {"code": wrong_code(device)})
    response = client.post(TWO_FACTOR, {"code": code_for(device)})
    assert response.status_code == 400
    assert _("Too many wrong codes in a row. Wait a few seconds, then enter the newest code.") in response.content.decode()


def test_two_factor_goes_nowhere_outside_the_site(client, chief):
    device = TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    login(client, chief)
    response = client.post(TWO_FACTOR, {"code": code_for(device), "next": "https://evil.example/"})
    assert response.url == reverse("newsroom:home")


def test_reporter_is_not_asked_for_a_second_factor(client, reporter):
    response = login(client, reporter)
    assert response.url == "/newsroom/"
    assert client.get("/newsroom/").status_code == 200
    assert not TOTPDevice.objects.filter(user=reporter).exists()


def test_an_admin_can_require_two_factor_for_reporters(client, reporter):
    RoleSecurityPolicy.objects.update_or_create(role="reporter", defaults={"require_two_factor": True})
    cache.delete(POLICY_CACHE_KEY)
    response = login(client, reporter)
    assert response.url.startswith(TWO_FACTOR)


def test_anonymous_people_are_sent_to_login(client, db):
    response = client.get(TWO_FACTOR)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
