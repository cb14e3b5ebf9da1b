"""Notices leave through real protocols: text messages to the Aliyun contract server, mail to an SMTP server started here."""

import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured

from rongmei.core.models import Notification
from rongmei.fans.sms import SmsError
from rongmei.fans.tests.servers import aliyun
from rongmei.inquiries import notify, services
from rongmei.inquiries.gateways import AliyunSms, ConsoleSms, mainland_digits
from rongmei.inquiries.models import Kind

pytestmark = pytest.mark.django_db

NOTICE_TEMPLATE = "SMS_987654321"


@pytest.fixture
def sms_server():
    with aliyun.AliyunSms(templates={aliyun.TEMPLATE_CODE: {"code"}, NOTICE_TEMPLATE: {"content"}}) as box:
        yield box


@pytest.fixture
def aliyun_configured(sms_server, settings, monkeypatch):
    monkeypatch.setenv("ALIYUN_SMS_ACCESS_KEY_ID", aliyun.ACCESS_KEY_ID)
    monkeypatch.setenv("ALIYUN_SMS_ACCESS_KEY_SECRET", aliyun.ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIYUN_SMS_SIGN_NAME", aliyun.SIGN_NAME)
    monkeypatch.setenv("ALIYUN_SMS_TEMPLATE_CODE", aliyun.TEMPLATE_CODE)
    monkeypatch.setenv("ALIYUN_SMS_NOTICE_TEMPLATE_CODE", NOTICE_TEMPLATE)
    monkeypatch.setenv("ALIYUN_SMS_ENDPOINT", sms_server.base_url + "/")
    monkeypatch.setenv("ALIYUN_SMS_TIMEOUT", "0.5")
    settings.RONGMEI_INQUIRIES = {**getattr(settings, "RONGMEI_INQUIRIES", {}), "SMS_GATEWAY": "rongmei.inquiries.gateways.AliyunSms"}
    return sms_server


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield handler
    controller.stop()


def _ask(citizen):
    return services.submit(
        fan=citizen,
        kind=Kind.COMPLAINT,
        title="幸福路小区门口污水横流无人管",
        body="幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便。",
        location="泌水街道",
    )


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_mainland_digits_strips_the_country_code():
    assert mainland_digits("+8613800138001") == "13800138001"
    assert mainland_digits("0086 138-0013-8001") == "13800138001"
    assert mainland_digits("13800138001") == "13800138001"


def test_aliyun_notice_is_signed_and_sent_with_the_notice_template(aliyun_configured):
    AliyunSms().send_text(phone="+8613800138001", text="您的问政WZ1已转办")
    [sent] = aliyun_configured.sent
    assert sent["phone"] == "13800138001" and sent["template"] == NOTICE_TEMPLATE
    assert sent["variables"] == {"content": "您的问政WZ1已转办"} and sent["sign_name"] == aliyun.SIGN_NAME


def test_aliyun_notice_cuts_a_long_text_to_the_variable_limit(aliyun_configured, monkeypatch):
    monkeypatch.setenv("ALIYUN_SMS_NOTICE_MAX_CHARS", "10")
    AliyunSms().send_text(phone="13800138001", text="一二三四五六七八九十十一十二")
    assert aliyun_configured.sent[0]["variables"]["content"] == "一二三四五六七八九…"


def test_aliyun_notice_needs_its_own_template(aliyun_configured, monkeypatch):
    monkeypatch.delenv("ALIYUN_SMS_NOTICE_TEMPLATE_CODE")
    with pytest.raises(ImproperlyConfigured, match="ALIYUN_SMS_NOTICE_TEMPLATE_CODE"):
        AliyunSms()


def test_aliyun_refusal_raises_and_a_citizen_notice_still_lands_in_the_app(aliyun_configured, citizen, editor, unit):
    aliyun_configured.faults = ["500"]
    with pytest.raises(SmsError):
        AliyunSms().send_text(phone="13800138001", text="测试")
    inquiry = _ask(citizen)
    aliyun_configured.faults = ["500"]
    notify.citizen(inquiry.pk, kind="forwarded", text=f"您的问题{inquiry.receipt}已转办")  # no exception
    assert citizen.notifications.filter(kind="inquiry.forwarded").exists()
    notify.citizen(inquiry.pk, kind="forwarded", text=f"您的问题{inquiry.receipt}已转办")
    assert aliyun_configured.sent[-1]["phone"] == "13800138001"


def test_forwarding_mails_the_unit_with_the_receipt_in_the_subject(
    smtp_sink, citizen, editor, unit, unit_staff, django_capture_on_commit_callbacks
):
    inquiry = _ask(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.forward(actor=editor, inquiry=inquiry, unit=unit)
    mails = [m for m in smtp_sink.messages if "zjj@gov.example" in m[1]]
    assert len(mails) == 1
    subject = _subject(mails[0][2])
    assert inquiry.receipt in subject and subject.startswith("【问政】")
    assert f"/units/q/{inquiry.pk}/" in message_from_bytes(mails[0][2]).get_payload(decode=True).decode()
    assert Notification.objects.filter(recipient=unit_staff, kind="inquiry.forwarded").exists()


def test_a_mail_server_that_is_down_loses_only_the_mail(settings, citizen, unit, unit_staff):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 1
    inquiry = _ask(citizen)
    notify.unit(unit.pk, inquiry.pk, kind="reminder", text=f"Due today: {inquiry.receipt}")
    assert Notification.objects.filter(recipient=unit_staff, kind="inquiry.reminder").exists()


def test_escalation_texts_the_unit_and_its_leader(settings, citizen, unit, unit_leader):
    settings.RONGMEI_INQUIRIES = {**getattr(settings, "RONGMEI_INQUIRIES", {}), "SMS_GATEWAY": "rongmei.inquiries.gateways.ConsoleSms"}
    ConsoleSms.outbox.clear()
    inquiry = _ask(citizen)
    notify.unit(unit.pk, inquiry.pk, kind="escalated", text=f"Overdue: {inquiry.receipt}", leaders=True)
    phones = {t.phone for t in ConsoleSms.outbox}
    assert {unit.phone, unit_leader.phone} <= phones
    assert Notification.objects.filter(recipient=unit_leader, kind="inquiry.escalated").exists()
