"""Background work of readership counting, through the Tasks API (django-tasks).

``rollup_pending_days`` is asked for by the web processes' flusher threads shortly after midnight
(services.housekeeping_tick), so the daily rollup needs no cron entry; ``manage.py
readership_rollup`` does the same by hand or from cron, and is safe to repeat.
"""

from __future__ import annotations

from django_tasks import task


@task()
def rollup_pending_days() -> list[str]:
    """Write buffered events, then roll up every finished day not yet rolled up."""
    from rongmei.analytics import services

    return [run.day.isoformat() for run in services.rollup_pending()]
