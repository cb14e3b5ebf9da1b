"""Background work of distribution, through the Tasks API (django-tasks).

Scheduled publishing and retries are tasks deferred with run_after: the database backend runs
them in `manage.py db_worker`, RQ in `rqworker --with-scheduler`. No cron entry to forget;
`manage.py publish_due` is the safety net after a queue outage.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_publication(publication_id: int) -> str:
    from rongmei.distribution import services
    from rongmei.distribution.models import Publication

    pub = Publication.objects.filter(pk=publication_id).first()
    return "gone" if pub is None else services.send(pub)


@task()
def retract_publication(publication_id: int) -> str:
    from rongmei.distribution import services
    from rongmei.distribution.models import Publication

    pub = Publication.objects.filter(pk=publication_id).first()
    return "gone" if pub is None else services.withdraw(pub)
