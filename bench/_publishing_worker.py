#!/usr/bin/env python
"""`manage.py db_worker` with the retry timing shrunk, for bench/publishing.py's reliability part.

Exactly what the tests do in-process (monkeypatching services.retry_delay, MAX_ATTEMPTS and the
webhook adapter's timeout), done here in the worker process before the real db_worker command
runs (--no-reload: no child process that would miss the patches). Settings from the environment
as for manage.py; the patches from:
  BENCH_RETRY_BASE   seconds: the delay before attempt n+1 is BASE · 2^(n-1), capped, jittered ½–1
  BENCH_RETRY_CAP    seconds
  BENCH_MAX_ATTEMPTS services.MAX_ATTEMPTS (production: 20)
  BENCH_WEBHOOK_TIMEOUT  the webhook adapter's timeout (production: 10 s)
Usage: python bench/_publishing_worker.py db_worker --queue-name '*' --no-reload [...]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
    import django

    django.setup()
    from rongmei.distribution import services
    from rongmei.distribution.adapters import webhook

    base = float(os.environ.get("BENCH_RETRY_BASE", "0.05"))
    cap = float(os.environ.get("BENCH_RETRY_CAP", "1.0"))

    def retry_delay(attempt: int) -> dt.timedelta:
        ceiling = min(cap, base * 2 ** max(0, attempt - 1))
        return dt.timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311

    services.retry_delay = retry_delay
    services.MAX_ATTEMPTS = int(os.environ.get("BENCH_MAX_ATTEMPTS", str(services.MAX_ATTEMPTS)))
    webhook.TIMEOUT_SECONDS = float(os.environ.get("BENCH_WEBHOOK_TIMEOUT", str(webhook.TIMEOUT_SECONDS)))

    from django.core.management import execute_from_command_line

    execute_from_command_line([str(REPO / "manage.py"), *sys.argv[1:]])


if __name__ == "__main__":
    main()
