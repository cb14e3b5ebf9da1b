import datetime as dt

from django.utils import timezone

from rongmei.analytics import services
from rongmei.analytics.models import DaySalt, Event, RollupRun
from rongmei.analytics.tests.conftest import DEVICE, ev, ingest_on


def test_the_same_device_is_the_same_number_within_a_day_and_unrelated_across_days(db):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    ingest_on(yesterday, [ev(), ev(), ev(device="another-reader-01")])
    ingest_on(today, [ev()])
    y1, y2, y_other = Event.objects.filter(day=yesterday).order_by("id").values_list("device", flat=True)
    (t1,) = Event.objects.filter(day=today).values_list("device", flat=True)
    assert y1 == y2 != y_other
    assert t1 != y1
    assert services.hash_device(DEVICE, services.salt_for(today)) == t1


def test_a_salt_is_random_per_day_and_made_once(db):
    today = timezone.localdate()
    a = services.salt_for(today)
    services._salts.clear()
    assert services.salt_for(today) == a  # from the database, not made again
    assert len(a) == 32 and DaySalt.objects.count() == 1
    assert services.salt_for(today + dt.timedelta(days=1)) != a


def test_the_salt_of_a_day_is_deleted_by_its_rollup_so_hashes_cannot_be_recomputed(db):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    ingest_on(yesterday, [ev()])
    old_salt = bytes(DaySalt.objects.get(day=yesterday).salt)
    stored = Event.objects.get().device
    assert services.hash_device(DEVICE, old_salt) == stored

    services.rollup_day(yesterday)

    assert not DaySalt.objects.filter(day=yesterday).exists()
    assert yesterday not in services._salts
    assert RollupRun.objects.get(day=yesterday).complete
    # A new salt for that day (were one ever made) would not give the stored hash.
    assert services.hash_device(DEVICE, services._load_or_make_salt(yesterday)) != stored


def test_rolling_up_today_keeps_todays_salt(db):
    today = timezone.localdate()
    ingest_on(today, [ev()])
    services.rollup_day(today)
    assert DaySalt.objects.filter(day=today).exists()
    assert not RollupRun.objects.get(day=today).complete


def test_the_hash_is_a_signed_64_bit_integer(db):
    value = services.hash_device(DEVICE, b"k" * 32)
    assert -(2**63) <= value < 2**63
    assert value == services.hash_device(DEVICE, b"k" * 32) != services.hash_device(DEVICE + "x", b"k" * 32)
