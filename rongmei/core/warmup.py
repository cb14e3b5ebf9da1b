"""What a web process loads before its first request instead of during it (rongmei/wsgi.py).

The first 问政 question a fresh process takes would otherwise load jieba's dictionary, the routing
model and the similar-question index: 2 s on an idle machine, 6 s under load (bench/mixed_load.py
found it as the p99 of the question form). Nothing here writes; a failure is logged and the
process serves anyway (the same things then load on first use). RONGMEI_WARMUP=0 skips it.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

SAMPLE_TITLE = "花园街道的路灯坏了很久"
SAMPLE_BODY = "花园街道的路灯坏了很久，晚上走路很不安全，请有关部门尽快修理。"


def warm() -> float:
    started = time.monotonic()
    try:
        from rongmei.core import safety
        from rongmei.core.text import ensure_jieba
        from rongmei.inquiries import masking, services, similar
        from rongmei.inquiries.models import Inquiry

        ensure_jieba()
        masking.mask_with_report(SAMPLE_BODY)
        similar.fingerprint(SAMPLE_TITLE, SAMPLE_BODY)
        services.suggest_route(SAMPLE_TITLE, SAMPLE_BODY)
        services.similar_questions(
            Inquiry(title=SAMPLE_TITLE, body=SAMPLE_BODY, fingerprint=similar.fingerprint(SAMPLE_TITLE, SAMPLE_BODY).as_json())
        )
        safety.scan(SAMPLE_BODY)
    except Exception:
        log.warning("warm-up failed; what it loads will load on first use", exc_info=True)
    finally:
        from django.db import connection, connections

        # Before gunicorn forks its workers (--preload): no connection may be shared with them.
        # (Inside a transaction, i.e. a test, the connection is not this function's to close.)
        if not connection.in_atomic_block:
            connections.close_all()
    return time.monotonic() - started
