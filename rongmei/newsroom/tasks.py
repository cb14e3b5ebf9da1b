"""Background work of the newsroom, through the Tasks API (django-tasks, Django 6's django.tasks).

The database backend runs these in `manage.py db_worker` (embedded); RQ runs them when REDIS_URL
is set (`rqworker --with-scheduler`, needed for tasks deferred with run_after).
"""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def flag_overdue_assignment(assignment_id: int) -> str:
    """Runs at an assignment's deadline: flags it and tells the assignee and dispatcher if still open."""
    from rongmei.newsroom.models import Assignment
    from rongmei.newsroom.services.assignments import flag_overdue

    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        return "gone"
    return flag_overdue(assignment=assignment)


def schedule_overdue_check(assignment) -> None:
    """Enqueue the deadline check; call from transaction.on_commit. A queue outage loses no data:
    `manage.py flag_overdue` (the sweep) finds what a missed task would have flagged."""
    try:
        flag_overdue_assignment.using(run_after=assignment.deadline).enqueue(assignment.pk)
    except Exception:
        log.warning("could not enqueue the overdue check of assignment %s", assignment.pk, exc_info=True)
