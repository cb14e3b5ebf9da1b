import pytest

from rongmei.fans.sms import ConsoleBackend

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read messages by their English msgids; tests/test_i18n.py checks the Chinese."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _console_sms(settings):
    settings.RONGMEI_SMS_BACKEND = "rongmei.fans.sms.ConsoleBackend"
    ConsoleBackend.outbox.clear()
    yield
    ConsoleBackend.outbox.clear()


def last_code(phone: str = PHONE) -> str:
    """The code in the newest console message to ``phone`` (11 digits)."""
    return next(m.code for m in reversed(ConsoleBackend.outbox) if m.phone == phone.removeprefix("+86"))
