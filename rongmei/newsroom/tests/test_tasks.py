import datetime as dt

import pytest
from django.conf import settings as settings_module
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rongmei.core.models import AuditLog, Notification
from rongmei.newsroom import services
from rongmei.newsroom.models import Assignment
from rongmei.newsroom.services.assignments import flag_all_overdue, flag_overdue
from rongmei.testing import factories


@pytest.fixture(autouse=True)
def database_queue(settings):
    """These tests read the database queue; the RQ test at the end uses Redis."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def plan(reporter, column_lead, team):
    return factories.approved_plan(reporter, column_lead, team)


def _assign(column_lead, plan, reporter, deadline):
    return services.assign(actor=column_lead, coverage=factories.coverage_of(plan), assignee=reporter, deadline=deadline)


def test_dispatch_schedules_the_overdue_check_for_the_deadline(column_lead, plan, reporter, django_capture_on_commit_callbacks):
    deadline = timezone.now() + dt.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        assignment = _assign(column_lead, plan, reporter, deadline)
    queued = DBTaskResult.objects.get(task_path="rongmei.newsroom.tasks.flag_overdue_assignment")
    assert queued.args_kwargs["args"] == [assignment.pk]
    assert queued.run_after == deadline


# Workers close their database connection between tasks, so these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_flags_an_open_assignment_past_its_deadline_and_tells_both_people(
    column_lead, plan, reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = _assign(column_lead, plan, reporter, timezone.now() - dt.timedelta(minutes=1))
    Notification.objects.all().delete()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assignment.refresh_from_db()
    assert assignment.overdue_flagged_at is not None
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert set(Notification.objects.filter(kind="overdue").values_list("recipient_id", flat=True)) == {reporter.pk, column_lead.pk}
    line = AuditLog.objects.get(action="assignment.overdue")
    assert line.actor is None and line.subject_id == str(assignment.pk)


def test_an_assignment_is_flagged_once(column_lead, plan, reporter):
    assignment = _assign(column_lead, plan, reporter, timezone.now() - dt.timedelta(minutes=1))
    assert flag_overdue(assignment=assignment) == "flagged"
    assert flag_overdue(assignment=assignment) == "already"
    assert AuditLog.objects.filter(action="assignment.overdue").count() == 1


def test_a_finished_or_not_yet_due_assignment_is_not_flagged(column_lead, plan, reporter, reporter2):
    future = _assign(column_lead, plan, reporter, timezone.now() + dt.timedelta(hours=1))
    assert flag_overdue(assignment=future) == "not_due"
    late = _assign(column_lead, plan, reporter2, timezone.now() - dt.timedelta(hours=1))
    services.decline_assignment(actor=reporter2, assignment=late, reason="在外地采访")
    assert flag_overdue(assignment=late) == "closed"
    assert not Assignment.objects.filter(overdue_flagged_at__isnull=False).exists()


def test_the_sweep_flags_what_a_missed_task_would_have(column_lead, plan, reporter, reporter2):
    _assign(column_lead, plan, reporter, timezone.now() - dt.timedelta(hours=2))
    _assign(column_lead, plan, reporter2, timezone.now() + dt.timedelta(hours=2))
    assert flag_all_overdue() == 1
    assert flag_all_overdue() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings_module.REDIS_URL, reason="REDIS_URL is not set (the CI's second run sets it)")
def test_with_redis_rq_runs_the_deferred_check(column_lead, plan, reporter, settings, django_capture_on_commit_callbacks):
    import django_rq

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = _assign(column_lead, plan, reporter, timezone.now() - dt.timedelta(seconds=1))
    # No fork: the job runs in this process.
    call_command(
        "rqworker",
        "default",
        burst=True,
        with_scheduler=True,
        worker_class="rq.worker.SimpleWorker",
        job_class="django_tasks_rq.Job",
        verbosity=0,
    )
    assignment.refresh_from_db()
    assert assignment.overdue_flagged_at is not None
