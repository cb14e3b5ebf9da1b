"""bench/analytics.py's settings: the project's own, plus RONGMEI_DASHBOARD from the environment
(BENCH_RONGMEI_DASHBOARD, JSON), which settings.py does not read (the command screen's cache)."""

import json
import os

from rongmei.settings import *  # noqa: F403

RONGMEI_DASHBOARD = json.loads(os.environ.get("BENCH_RONGMEI_DASHBOARD") or "{}")
