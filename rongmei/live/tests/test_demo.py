import pytest

from rongmei.live import demo
from rongmei.live.models import ChatMessage, LiveRoom


@pytest.mark.django_db
def test_the_demo_rooms_are_seeded_once(operator):
    assert demo.seed_demo() == 4
    assert demo.seed_demo() == 0
    states = dict(LiveRoom.objects.values_list("title", "state"))
    assert states[demo.CONFERENCE] == "ended" and states[demo.CONTEST] == "scheduled"
    relayed = LiveRoom.objects.get(title=demo.RELAY)
    assert relayed.ingest == "pull" and relayed.pull_url.startswith("file://") and relayed.pull_url.endswith(".mp4")
    ended = LiveRoom.objects.get(title=demo.CONFERENCE)
    assert ChatMessage.objects.filter(room=ended, status="visible").count() == len(demo.CONFERENCE_CHAT)
    assert ChatMessage.objects.filter(room=ended, kind="host").count() == 1
