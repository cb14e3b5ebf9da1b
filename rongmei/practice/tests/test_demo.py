"""The practice demo (rongmei/practice/demo.py) seeds every state of the loop, credits its
hours through the ledger, and a second run makes nothing new."""

import pytest

from rongmei.practice import demo, services
from rongmei.practice.models import Activity, Exchange, LedgerEntry, ServiceRequest, Volunteer, VolunteerTeam

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
    assert Exchange.objects.count() == 1
    before = (LedgerEntry.objects.count(), ServiceRequest.objects.count(), Activity.objects.count())
    assert demo.seed_demo() == 0
    assert (LedgerEntry.objects.count(), ServiceRequest.objects.count(), Activity.objects.count()) == before
