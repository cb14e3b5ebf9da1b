"""Questions arriving at the same instant (a burst after a broadcast) each get their own receipt
number, consecutive, and none is told to send again. On PostgreSQL, where transactions really run
side by side; SQLite's writes are one at a time already."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from rongmei.fans.models import Fan
from rongmei.inquiries.models import Inquiry
from rongmei.testing.inquiries import NO_SUBMISSION_LIMITS, ask

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_questions_at_once_get_eight_consecutive_receipts(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database whose transactions run side by side (the PostgreSQL run of CI)")
    settings.RONGMEI_INQUIRIES = {**settings.RONGMEI_INQUIRIES, **NO_SUBMISSION_LIMITS}
    fans = [Fan.objects.create(phone=f"+86139000010{i:02d}") for i in range(8)]
    start = threading.Barrier(8)
    got, errors = [], []

    def one(fan):
        try:
            start.wait()
            got.append(ask(fan, title=f"幸福路第{fan.pk}号路灯坏了很久").receipt)
        except Exception as e:  # the test reports it
            errors.append(repr(e))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(f,)) for f in fans]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in got)
    assert numbers == list(range(numbers[0], numbers[0] + 8))
    assert Inquiry.objects.count() == 8
