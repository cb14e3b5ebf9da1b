import datetime as dt

import pytest
from django.utils import timezone

from rongmei.analytics import buffer, lookups, services
from rongmei.analytics.api import BeaconEventIn
from rongmei.testing import factories

DEVICE = "reader-0001-abcdef"


@pytest.fixture(autouse=True)
def _english(english):
    """These tests read messages by their English msgids."""


@pytest.fixture(autouse=True)
def _fresh_readership(settings):
    """Each test starts with empty buffers and no cached lookups, salts or housekeeping state."""
    settings.RONGMEI_READERSHIP = {"FLUSH_THREAD": False}

    def reset():
        buffer.memory_buffer().clear()
        lookups.clear()
        services._salts.clear()
        services._tick.update(done_day=None, tried=0.0)

    reset()
    yield
    reset()


@pytest.fixture
def story(reporter, team, reviewers):
    return factories.published_story(reporter, team, reviewers, headline="铜山湖夏南牛节开幕")


@pytest.fixture
def story2(reporter, reporter2, team, reviewers):
    s = factories.published_story(reporter2, team, reviewers, headline="泌阳花菇喜获丰收")
    s.authors.add(reporter)  # two authors
    return s


@pytest.fixture
def village_story(outsider, other_team, editor, other_lead, chief):
    return factories.published_story(outsider, other_team, [editor, other_lead, chief], headline="美丽乡村里的夏南牛")


@pytest.fixture
def columns(team, other_team):
    from rongmei.portal.models import Column

    toutiao = Column.objects.create(name="头条", slug="toutiao", sort_order=1)
    toutiao.teams.set([team])
    meili = Column.objects.create(name="魅力泌阳", slug="meili", sort_order=2)
    meili.teams.set([other_team])
    both = Column.objects.create(name="融媒帮", slug="rongmeibang", sort_order=3)
    both.teams.set([team, other_team])
    return {"toutiao": toutiao, "meili": meili, "both": both}


def ev(type="view", *, path="/", device=DEVICE, **kw) -> BeaconEventIn:
    return BeaconEventIn(type=type, path=path, device=device, **kw)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def ingest_on(day: dt.date, events, *, user_agent: str = "", hour: int = 10) -> int:
    """Ingest as if received at ``hour`` o'clock of ``day``, and write the buffer."""
    n = services.ingest(events, user_agent=user_agent, now=at(day, hour))
    buffer.flush_all()
    return n
