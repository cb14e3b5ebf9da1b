"""The practice demo (rongmei/practice/demo.py) seeds every state of the loop, credits its
hours through the ledger, and a second run makes nothing new."""

import pytest

from rongmei.practice import demo, services
from rongmei.practice.models import Activity, ActivityPhoto, Exchange, LedgerEntry, ServiceRequest, TypicalCase, Volunteer, VolunteerTeam

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_the_network_the_loop_and_the_store_once(operator, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    assert demo.seed_demo() > 0
    assert Volunteer.objects.count() == 12 and VolunteerTeam.objects.count() == 3
    assert set(ServiceRequest.objects.values_list("state", flat=True)) == {"requested", "dispatched", "taken", "done", "rated"}
    assert set(Activity.objects.values_list("state", flat=True)) == {"finished", "published", "draft"}
    assert all(team.topic_id and team.chat_room_id for team in VolunteerTeam.objects.all())
    rated = ServiceRequest.objects.get(state="rated")
    assert services.balance(rated.volunteer, LedgerEntry.Kind.HOURS) >= 2
    assert set(Exchange.objects.values_list("state", flat=True)) == {"ordered", "collected"}
    finished = Activity.objects.get(state="finished")
    assert finished.photos.count() == 3 and all(p.width == 960 for p in finished.photos.all())
    assert TypicalCase.objects.filter(published=True).count() == 2 and TypicalCase.objects.filter(published=False).count() == 1
    assert TypicalCase.objects.exclude(photo="").count() == 1

    def counts():
        return [m.objects.count() for m in (LedgerEntry, ServiceRequest, Activity, Exchange, TypicalCase, ActivityPhoto)]

    before = counts()
    assert demo.seed_demo() == 0
    assert counts() == before
