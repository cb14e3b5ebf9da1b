"""The one-machine cluster (rongmei/cluster.py) for the fault tests: started once for the
module's tests in var/cluster-test/ on ports of its own (nginx 8180), torn down after.

Leases are short here (a rendition's worker is declared gone after 6 s of silence, a publication
after 6 s in "sending") and the cluster's cron runs every 2 s, so recovery shows within a test.
"""

from __future__ import annotations

import shutil

import pytest

from rongmei.cluster import BASE_DIR, Cluster


@pytest.fixture(scope="session")
def cluster():
    root = BASE_DIR / "var" / "cluster-test"
    c = Cluster(
        root=root,
        base_port=8180,
        cron_seconds=2,
        extra_env={
            "RONGMEI_TASK_HEARTBEAT_SECONDS": "1",
            "RONGMEI_TASK_LEASE_SECONDS": "6",
            "RONGMEI_PUBLISH_LEASE_SECONDS": "6",
            "LOG_LEVEL": "WARNING",
        },
    )
    c.stop()  # what an interrupted run left running
    shutil.rmtree(root, ignore_errors=True)
    c.start(seed=True, timeout=180)
    yield c
    c.stop()


def fans_code(count: int, first: int) -> str:
    """Code for Cluster.python: ``count`` app users registered a month ago, each with a session
    (as after the SMS login); result: [[fan id, "sessionid=…"], …]."""
    return f"""
import datetime as dt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan
result = []
for i in range({count}):
    fan = Fan.objects.create(phone="+86139%08d" % ({first} + i), nickname="故障测试%d" % ({first} + i))
    Fan.objects.filter(pk=fan.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    s = SessionStore()
    s[SESSION_KEY] = fan.pk
    s.create()
    result.append([fan.pk, settings.SESSION_COOKIE_NAME + "=" + s.session_key])
"""
