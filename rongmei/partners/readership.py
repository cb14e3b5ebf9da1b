"""Readership fetched through the platforms' interfaces (adapters/): configuring an account's
credentials and fetching its pieces into posts with their reads.

The figures are written by services.upsert_post like every other door (hand entry, uploads), one
transaction per post: a post whose day lies in a closed quarter is skipped and counted, the others
are kept. An adapter's failure is stored on the account (last_fetch_error) for the operators and
returned, never raised, so a scheduled fetch of many accounts goes on past one bad account."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.distribution import credentials
from rongmei.partners import adapters, services
from rongmei.partners import permissions as perms
from rongmei.partners.adapters import FetchError
from rongmei.partners.models import Account, Post

log = logging.getLogger(__name__)


@dataclass
class FetchResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0  # in a closed quarter, or refused by upsert_post
    errors: list[str] = field(default_factory=list)


def _adapter_class(account: Account):
    adapter = adapters.for_platform(account.platform)
    if adapter is None:
        raise DomainError(_("This platform has no interface: enter the figures by hand or upload them."), field="platform")
    return adapter


@transaction.atomic
def configure_fetch(*, actor, account: Account, settings: dict) -> Account:
    """Store (encrypted) the credentials the account's adapter needs; an empty ``settings`` turns
    fetching off. A secret left empty keeps the stored one."""
    if not perms.is_manager(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor manage the partner network."))
    account = Account.objects.select_for_update().get(pk=account.pk)
    if not settings:
        account.fetch_settings, account.last_fetch_error = "", ""
        account.save(update_fields=["fetch_settings", "last_fetch_error"])
        audit.record(
            "partner.fetch_settings", actor=actor, subject=account.partner, summary=_("Fetching turned off for %(a)s") % {"a": account}
        )
        return account
    adapter = _adapter_class(account)
    stored = credentials.decrypt(account.fetch_settings)
    cleaned: dict = {}
    for name, required, secret in adapter.fields:
        value = settings.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, "") and secret and stored.get(name):
            value = stored[name]
        if value in (None, ""):
            if required:
                raise DomainError(_("This field is required."), field=name)
            continue
        if name == "base_url" and not str(value).startswith(("https://", "http://")):
            raise DomainError(_("Enter the full address, starting with https://"), field=name)
        if name == "timeout":
            try:
                value = float(value)
            except (TypeError, ValueError):
                value = 0
            if not 0 < value <= 120:
                raise DomainError(_("The timeout lies between 1 and 120 seconds."), field=name)
        cleaned[name] = value
    account.fetch_settings, account.last_fetch_error = credentials.encrypt(cleaned), ""
    account.save(update_fields=["fetch_settings", "last_fetch_error"])
    audit.record(
        "partner.fetch_settings",
        actor=actor,
        subject=account.partner,
        summary=_("Fetch settings saved for %(a)s") % {"a": account},
        # names only: the values (a secret among them) never reach the audit log
        data={"account": account.pk, "fields": sorted(cleaned)},
    )
    return account


def fetch_account(account: Account, *, since: dt.date, until: dt.date) -> FetchResult:
    """Fetch the account's pieces published from ``since`` to ``until`` and record their reads.
    Raises DomainError when the platform has no adapter or the account no settings; an adapter's
    failure is stored in ``last_fetch_error`` and returned in ``errors``."""
    adapter_class = _adapter_class(account)
    values = credentials.decrypt(account.fetch_settings)
    if not values:
        raise DomainError(_("No fetch settings are stored for this account."), field="fetch_settings")
    result = FetchResult()
    try:
        fetched = adapter_class(values, account_name=account.name).fetch(since=since, until=until)
    except FetchError as e:
        result.errors.append(e.message)
        Account.objects.filter(pk=account.pk).update(last_fetch_error=e.message[:300])
        account.last_fetch_error = e.message[:300]
        log.warning("fetching the figures of account %s failed: %s", account.pk, e.message)
        return result
    for item in fetched:
        try:
            with transaction.atomic():
                _post, created = services.upsert_post(
                    actor=None,
                    partner=account.partner,
                    account=account,
                    source=Post.Source.ADAPTER,
                    external_id=item.external_id,
                    title=item.title,
                    url=item.url,
                    published_on=item.published_on,
                    reads=item.reads,
                    kind=Post.Kind.ORIGINAL,
                )
        except StateConflict:
            result.skipped += 1  # its quarter is closed: the frozen figures stay as they are
            continue
        except IntegrityError:
            # Its link belongs already to another post of the partner (entered by hand): that
            # post keeps it; this piece is reported and skipped, the others go on.
            result.skipped += 1
            result.errors.append(_("%(id)s: its link is recorded already for another post.") % {"id": item.external_id})
            continue
        except DomainError as e:
            result.skipped += 1
            result.errors.append(f"{item.external_id}: {e}")
            continue
        if created:
            result.created += 1
        else:
            result.updated += 1
    now = timezone.now()
    error = "; ".join(result.errors)[:300]
    Account.objects.filter(pk=account.pk).update(last_fetched_at=now, last_fetch_error=error)
    account.last_fetched_at, account.last_fetch_error = now, error
    if result.created or result.updated:
        audit.record(
            "partner.fetch",
            actor=None,
            subject=account.partner,
            summary=_("Figures fetched for %(a)s: %(c)s new posts, %(u)s updated, %(s)s skipped")
            % {"a": account, "c": result.created, "u": result.updated, "s": result.skipped},
        )
    return result


def configured_accounts():
    return Account.objects.exclude(fetch_settings="").filter(platform__in=list(adapters.ADAPTERS)).select_related("partner")


def fetch_all(since: dt.date, until: dt.date) -> dict[int, FetchResult]:
    """Fetch every account with fetch settings; one account's failure does not stop the others."""
    results: dict[int, FetchResult] = {}
    for account in configured_accounts():
        try:
            results[account.pk] = fetch_account(account, since=since, until=until)
        except DomainError as e:
            results[account.pk] = FetchResult(errors=[str(e)])
        except DatabaseError:
            log.exception("fetching the figures of account %s failed", account.pk)
            results[account.pk] = FetchResult(errors=[_("The figures could not be stored; see the log.")])
    return results
