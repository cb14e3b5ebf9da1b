import pytest

from rongmei.fans.sms import ConsoleBackend

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _english(english):
    """These tests read messages by their English msgids."""


@pytest.fixture(autouse=True)
def _console_sms(settings):
    settings.RONGMEI_SMS_BACKEND = "rongmei.fans.sms.ConsoleBackend"
    ConsoleBackend.outbox.clear()
    yield
    ConsoleBackend.outbox.clear()


def last_code(phone: str = PHONE) -> str:
    """The code in the newest console message to ``phone`` (11 digits)."""
    return next(m.code for m in reversed(ConsoleBackend.outbox) if m.phone == phone.removeprefix("+86"))


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run as they are enqueued (after commit: use django_capture_on_commit_callbacks)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


def make_fan(phone: str = "+8613800138000", **fields):
    from rongmei.fans.models import Fan

    return Fan.objects.create(phone=phone, **fields)


def log_in_as(client, fan):
    """Log ``client`` in as ``fan`` the way auth.log_in leaves the session."""
    from rongmei.fans.auth import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()
    return fan
