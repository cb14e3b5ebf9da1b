"""The one-machine cluster (rongmei/cluster.py) for the fault tests: started once for the
module's tests in var/cluster-test/ on ports of its own (nginx 8180), torn down after.

Uploaded files go to an S3 bucket and every program has a MEDIA_ROOT of its own (``bucket=True``),
as on separate machines: a file reaches another process only through the bucket.

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
        bucket=True,
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
