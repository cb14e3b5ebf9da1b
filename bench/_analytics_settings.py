"""bench/analytics.py's settings: the project's own, plus RONGMEI_DASHBOARD from the environment
(BENCH_RONGMEI_DASHBOARD, JSON), which settings.py does not read (the command screen's cache)."""

import json
import os

from rongmei.settings import *  # noqa: F403

RONGMEI_DASHBOARD = json.loads(os.environ.get("BENCH_RONGMEI_DASHBOARD") or "{}")
# wrk sends every beacon from 127.0.0.1: the per-address ceiling on public writes would refuse
# most of them (docs/security.md "Rate limits"); the bench measures ingestion, not the limit.
RONGMEI_PUBLIC_WRITE_CEILING = False
