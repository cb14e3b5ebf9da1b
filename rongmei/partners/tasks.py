"""Background work of the partner network, through the Tasks API (see rongmei/live/tasks.py):
the automatic check of a reported repost, and fetching an account's readership."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def check_repost(assignment_id: int) -> str:
    """Enqueued by services.report_task when a repost is reported (on commit)."""
    from rongmei.partners import linkcheck

    return linkcheck.check_repost(assignment_id)


@task()
def fetch_readership(account_id: int, days: int = 7) -> dict:
    """Fetch the figures of one account for the last ``days`` days (through yesterday)."""
    from rongmei.core.exceptions import DomainError
    from rongmei.partners import readership
    from rongmei.partners.models import Account

    account = Account.objects.select_related("partner").filter(pk=account_id).first()
    if account is None:
        return {"errors": ["no such account"]}
    today = timezone.localdate()
    try:
        result = readership.fetch_account(account, since=today - dt.timedelta(days=max(1, days)), until=today - dt.timedelta(days=1))
    except DomainError as e:
        return {"errors": [str(e)]}
    return {"created": result.created, "updated": result.updated, "skipped": result.skipped, "errors": result.errors}
