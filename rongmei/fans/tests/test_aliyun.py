import pytest

from rongmei.core.exceptions import DomainError
from rongmei.fans import services
from rongmei.fans.models import SmsCode
from rongmei.fans.sms import AliyunBackend, SmsError, percent_encode
from rongmei.fans.tests.servers import aliyun

PHONE = "13800138000"


@pytest.fixture
def server():
    with aliyun.AliyunSms() as box:
        yield box


@pytest.fixture
def configured(server, settings, monkeypatch):
    settings.RONGMEI_SMS_BACKEND = "rongmei.fans.sms.AliyunBackend"
    monkeypatch.setenv("ALIYUN_SMS_ACCESS_KEY_ID", aliyun.ACCESS_KEY_ID)
    monkeypatch.setenv("ALIYUN_SMS_ACCESS_KEY_SECRET", aliyun.ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIYUN_SMS_SIGN_NAME", aliyun.SIGN_NAME)
    monkeypatch.setenv("ALIYUN_SMS_TEMPLATE_CODE", aliyun.TEMPLATE_CODE)
    monkeypatch.setenv("ALIYUN_SMS_ENDPOINT", server.base_url + "/")
    monkeypatch.setenv("ALIYUN_SMS_TIMEOUT", "0.5")
    return server


def test_percent_encoding_follows_the_signature_document():
    assert percent_encode("a b*c~d/é+") == "a%20b%2Ac~d%2F%C3%A9%2B"


def test_a_code_is_sent_signed_and_logs_in(configured, db):
    services.request_code(phone=PHONE, ip="203.0.113.7")
    [message] = configured.sent
    assert message["phone"] == PHONE and message["sign_name"] == "云上泌阳" and message["template"] == aliyun.TEMPLATE_CODE
    fan, registered = services.verify_code(phone=PHONE, code=message["code"], ip="203.0.113.7")
    assert registered and fan.phone == "+8613800138000"
    assert "TemplateParam" not in configured.requests[0].path and not configured.requests[0].query  # the code is in the body only


def test_the_server_really_checks_the_signature(configured, monkeypatch, db):
    monkeypatch.setenv("ALIYUN_SMS_ACCESS_KEY_SECRET", "not-the-secret")
    with pytest.raises(DomainError) as failed:
        services.request_code(phone=PHONE, ip="203.0.113.7")
    assert failed.value.code == "sms_failed" and configured.sent == [] and SmsCode.objects.count() == 0


def test_the_gateways_rate_limit_is_a_clear_refusal(configured, db):
    configured.faults = ["rate"]
    with pytest.raises(DomainError) as limited:
        services.request_code(phone=PHONE, ip="203.0.113.7")
    assert limited.value.code == "sms_limited" and "too many text messages" in limited.value.message
    assert SmsCode.objects.count() == 0


def test_a_number_the_gateway_calls_illegal(configured, db):
    with pytest.raises(DomainError) as bad:
        services.request_code(phone="13900000000", ip="203.0.113.7")
    assert bad.value.code == "sms_bad_number" and bad.value.field == "phone"


@pytest.mark.parametrize("fault", ["500", "timeout", "drop"])
def test_a_gateway_failure_stores_nothing_as_sent_and_a_retry_is_allowed(configured, db, fault):
    configured.faults = [fault]
    with pytest.raises(DomainError) as failed:
        services.request_code(phone=PHONE, ip="203.0.113.7")
    assert failed.value.code == "sms_failed" and failed.value.message == "The text message could not be sent. Please try again later."
    assert SmsCode.objects.count() == 0 and configured.sent == []
    services.request_code(phone=PHONE, ip="203.0.113.7")  # no one-minute wait: nothing was sent
    assert len(configured.sent) == 1


def test_the_failure_message_is_chinese_for_chinese_readers(configured, db):
    from django.utils import translation

    configured.faults = ["500"]
    with translation.override("zh-hans"), pytest.raises(DomainError) as failed:
        services.request_code(phone=PHONE, ip="203.0.113.7")
    assert failed.value.code == "sms_failed"  # its msgstr (短信发送失败，请稍后再试) is in /tmp/po_fans.po until merged


def test_a_missing_setting_fails_loudly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    for name in ("ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME", "ALIYUN_SMS_TEMPLATE_CODE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImproperlyConfigured, match="ALIYUN_SMS_ACCESS_KEY_ID"):
        AliyunBackend()


def test_the_adapter_alone_raises_sms_error(server):
    backend = AliyunBackend(
        access_key_id=aliyun.ACCESS_KEY_ID,
        access_key_secret=aliyun.ACCESS_KEY_SECRET,
        sign_name=aliyun.SIGN_NAME,
        template_code="SMS_000",
        endpoint=server.base_url + "/",
        timeout=0.5,
    )
    with pytest.raises(SmsError) as failed:
        backend.send_code(phone=PHONE, code="123456")
    assert failed.value.code == "sms_failed"  # a wrong template is ours to fix: the reader just waits
