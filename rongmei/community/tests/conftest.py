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


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Pictures go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def topic(operator):
    from rongmei.community import topics

    return topics.create_topic(actor=operator, slug="xianan-cattle", name="泌阳夏南牛", description="晒晒家里的夏南牛", premoderated=False)


@pytest.fixture
def premod_topic(operator):
    from rongmei.community import topics

    return topics.create_topic(actor=operator, slug="flowers", name="泌阳花菇", premoderated=True)


@pytest.fixture
def open_room(operator):
    from rongmei.community import chat

    return chat.create_room(actor=operator, name="铜山湖闲聊", description="随便聊聊")


@pytest.fixture
def team_room(operator, fan):
    from rongmei.community import chat

    return chat.create_room(actor=operator, name="志愿者服务队", access="members", owner=fan)


@pytest.fixture
def fans(db):
    """Six more app users (reporters of items)."""
    return [Fan.objects.create(phone=f"+86139000000{i:02d}", nickname=f"读者{i}") for i in range(6)]


def png(size=(8, 8), fmt="PNG", name="a.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")
