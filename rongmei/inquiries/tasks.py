"""Deferred work of 问政: the reminder and the 督办 check of each question, enqueued for the moment
they are due (``run_after``), and the retraining of the classifier as the desk routes.

Each check re-reads the question and does nothing if it moved on, so a stale task is harmless. A
queue outage loses nothing either: ``manage.py inquiries_sweep`` (cron, every ten minutes) does what
a missed task would have done.
"""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def deadline_check(inquiry_id: int, version: int, what: str) -> str:
    from rongmei.inquiries import services
    from rongmei.inquiries.models import Inquiry

    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None:
        return "gone"
    if what == "remind":
        return "reminded" if services.remind(inquiry=inquiry) else "nothing to do"
    return "escalated" if services.escalate(inquiry=inquiry) else "nothing to do"


def schedule_deadline_checks(inquiry_id: int, version: int) -> None:
    """Enqueue the reminder and the escalation of a question's current deadline; call after commit."""
    import datetime as dt

    from rongmei.inquiries import services
    from rongmei.inquiries.models import Inquiry

    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None or inquiry.deadline is None:
        return
    try:
        reminder = services.remind_at(inquiry)
        if reminder is not None:
            deadline_check.using(run_after=reminder).enqueue(inquiry_id, version, "remind")
        deadline_check.using(run_after=inquiry.deadline + dt.timedelta(seconds=1)).enqueue(inquiry_id, version, "escalate")
    except Exception:
        log.warning("could not enqueue the deadline checks of question %s", inquiry_id, exc_info=True)


@task()
def retrain_classifier() -> str:
    from rongmei.inquiries import classify

    model = classify.retrain()
    return f"trained on {model.n_rows} rows" if model else "no data"


@task()
def train_classifier() -> str:
    """Train (or load) the bootstrap classifier in the worker, so no request waits for it."""
    from rongmei.inquiries import classify

    try:
        classify.default_model()
    except FileNotFoundError:
        return "no training data"
    return "ready"
