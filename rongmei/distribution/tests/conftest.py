import importlib

import pytest

from rongmei.distribution.adapters import webhook
from rongmei.distribution.models import Channel
from rongmei.distribution.tests.receiver import Receiver
from rongmei.testing import factories

CHANNELS = importlib.import_module("rongmei.distribution.migrations.0002_channels").CHANNELS
SECRET = "s3cret-for-the-partner-0123456789"  # noqa: S105


@pytest.fixture(autouse=True)
def channels_exist(db):
    """A transaction=True test flushes the tables, the channels of migration 0002 with them."""
    for order, (code, name) in enumerate(CHANNELS):
        Channel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setattr(webhook, "TIMEOUT_SECONDS", 0.3)
    with Receiver(SECRET) as r:
        yield r


@pytest.fixture
def story(reporter, team, editor, column_lead, chief):
    return factories.signed_off_story(reporter, team, [editor, column_lead, chief])


@pytest.fixture
def channel(db):
    return Channel.objects.get(code="wechat_oa")


@pytest.fixture
def site(db):
    return Channel.objects.get(code="website")
