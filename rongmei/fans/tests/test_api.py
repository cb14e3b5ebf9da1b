import pytest

from rongmei.fans.models import Fan
from rongmei.fans.tests.conftest import PHONE, last_code


def _post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_register_and_log_in_through_the_api(client, db):
    assert client.get("/api/v1/public/me").status_code == 401
    sent = _post(client, "/api/v1/public/sms-codes", {"phone": PHONE})
    assert sent.status_code == 201 and sent.json() == {"phone": "+8613800138000", "expires_in": 300, "resend_after": 60}
    login = _post(client, "/api/v1/public/sessions", {"phone": PHONE, "code": last_code()})
    assert login.status_code == 200 and login.json()["registered"] is True and login.json()["phone"] == "+8613800138000"
    me = client.get("/api/v1/public/me")
    assert me.status_code == 200 and me.json()["id"] == Fan.objects.get().pk and me.json()["display_name"] == "138****8000"
    assert client.delete("/api/v1/public/sessions").status_code == 204
    assert client.get("/api/v1/public/me").json()["code"] == "not_logged_in"


@pytest.mark.parametrize("phone", ["", "123", "99999999999"])
def test_a_bad_number_is_a_400_naming_the_field(client, db, phone):
    response = _post(client, "/api/v1/public/sms-codes", {"phone": phone})
    assert response.status_code == 400 and response.json()["field"] == "phone" and response.json()["detail"]


def test_a_missing_body_field_is_a_422_not_a_500(client, db):
    assert _post(client, "/api/v1/public/sessions", {"phone": PHONE}).status_code == 422
    assert client.post("/api/v1/public/sms-codes", "{", content_type="application/json").status_code == 400


def test_asking_again_too_soon_is_a_429(client, db):
    _post(client, "/api/v1/public/sms-codes", {"phone": PHONE})
    again = _post(client, "/api/v1/public/sms-codes", {"phone": PHONE})
    assert again.status_code == 429 and again.json()["code"] == "throttled" and "seconds" in again.json()["detail"]


def test_wrong_codes_and_a_banned_fan(client, db):
    Fan.objects.create(phone="+86" + PHONE, banned=True, ban_reason="冒充他人")
    _post(client, "/api/v1/public/sms-codes", {"phone": PHONE})
    code = last_code()
    wrong = _post(client, "/api/v1/public/sessions", {"phone": PHONE, "code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "code" and wrong.json()["code"] == "wrong_code"
    banned = _post(client, "/api/v1/public/sessions", {"phone": PHONE, "code": code})
    assert banned.status_code == 403 and "冒充他人" in banned.json()["detail"]
    assert client.get("/api/v1/public/me").status_code == 401


def test_a_fan_banned_after_login_is_logged_out(client, db):
    _post(client, "/api/v1/public/sms-codes", {"phone": PHONE})
    _post(client, "/api/v1/public/sessions", {"phone": PHONE, "code": last_code()})
    Fan.objects.update(banned=True)
    assert client.get("/api/v1/public/me").status_code == 401


def test_the_operations_are_in_the_openapi_document(client, db, reporter):
    client.force_login(reporter)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/public/sms-codes", "/api/v1/public/sessions", "/api/v1/public/me"} <= set(paths)
