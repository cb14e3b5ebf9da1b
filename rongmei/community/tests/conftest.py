import pytest

from rongmei.core import safety
from rongmei.core.models import SensitiveWord, WordCategory
from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan
from rongmei.testing import factories


@pytest.fixture(autouse=True)
def _english(english):
    """These tests read messages by their English msgids."""


@pytest.fixture
def story(reporter, team, reviewers):
    return factories.published_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")


@pytest.fixture
def fan(db):
    return Fan.objects.create(phone="+8613800000001", nickname="铜山湖的风")


@pytest.fixture
def other_fan(db):
    return Fan.objects.create(phone="+8613800000002")


@pytest.fixture
def words(db):
    """One flag-level advertising word and one block-level word."""
    ads = WordCategory.objects.create(name="广告违禁词", severity="flag")
    SensitiveWord.objects.create(category=ads, word="顶级")
    bad = WordCategory.objects.create(name="严重违规", severity="block")
    SensitiveWord.objects.create(category=bad, word="代开发票")
    safety.lists_changed()


@pytest.fixture
def premoderation_off(settings):
    settings.RONGMEI = {**settings.RONGMEI, "COMMENTS_PREMODERATED": False}


def log_in_fan(client, fan):
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()
    return client
