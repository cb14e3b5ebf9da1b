"""Publishing (多元发布): the only write paths of publications and channel settings.

Publication states (ARCHITECTURE.md): pending → rendering → sending → published | failed;
failed retries with exponential backoff up to MAX_ATTEMPTS, then dead (listed on the board,
retried by hand); published → retracting → retracted. Every state change writes its audit line in
the transaction that makes it. Calls to a channel happen outside any transaction, between two
short ones, so a slow partner never holds a row lock.

The story moves approved → published when its first publication is published (Story.State has
no "scheduled" value yet: a story with only scheduled publications stays "approved") and →
retracted when the chief editor retracts it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.distribution import credentials, versions
from rongmei.distribution import permissions as perms
from rongmei.distribution.adapters import AdapterError, PermanentError, Receipt, TransientError, adapter_for
from rongmei.distribution.models import Channel, Publication, PublicationAttempt
from rongmei.newsroom.models import Story

log = logging.getLogger(__name__)

# 20 attempts, the wait capped at half an hour: about eight hours of retrying (a platform's
# outage of a working day) before a publication lands on the dead-letter list for a person.
# Each attempt keeps what it finished (adapters/progress.py), so a long chain of calls still ends.
MAX_ATTEMPTS = 20
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 1800
# A publication left in rendering/sending longer than this (a worker died mid-call) may be sent again;
# the idempotency key keeps the channel from making a second item. Settings:
# RONGMEI_PUBLISH_LEASE_SECONDS (300; longer than any channel's slowest upload).


def in_flight_lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "RONGMEI_PUBLISH_LEASE_SECONDS", 300))


MAX_SCHEDULE_AHEAD = dt.timedelta(days=366)
MAX_REASON_CHARS = 500

S = Publication.State
PUBLISHABLE_STORY_STATES = (Story.State.APPROVED, Story.State.PUBLISHED)


def retry_delay(attempt: int) -> dt.timedelta:
    """30 s · 2^(attempt-1), capped at half an hour, with jitter (half to full) so retries spread out."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return dt.timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto


def _move(pub: Publication, to_state: str, *, actor=None, summary: str, data: dict | None = None, **fields) -> None:
    from_state = pub.state
    pub.state = to_state
    pub.updated_at = timezone.now()
    for name, value in fields.items():
        setattr(pub, name, value)
    pub.save(update_fields=["state", "updated_at", *fields])
    audit.record(
        f"publication.{to_state}",
        actor=actor,
        subject=pub,
        summary=summary,
        from_state=from_state,
        to_state=to_state,
        data={"story": pub.story_id, "channel": pub.channel.code, "attempts": pub.attempts, **(data or {})},
    )


def _enqueue(task, pub_id: int, at: dt.datetime | None = None) -> None:
    """Call from transaction.on_commit. A queue outage loses nothing: `manage.py publish_due`
    (resume_due) sends what a lost task would have."""
    try:
        (task.using(run_after=at) if at is not None else task).enqueue(pub_id)
    except Exception:
        log.warning("could not enqueue %s for publication %s", task.name, pub_id, exc_info=True)


def enqueue_send(pub_id: int, at: dt.datetime | None = None) -> None:
    from rongmei.distribution.tasks import send_publication

    _enqueue(send_publication, pub_id, at)


def enqueue_retract(pub_id: int, at: dt.datetime | None = None) -> None:
    from rongmei.distribution.tasks import retract_publication

    _enqueue(retract_publication, pub_id, at)


# --- publishing ---------------------------------------------------------------------------


def publish(*, actor, story: Story, channels, at: dt.datetime | None = None) -> list[Publication]:
    """Publish the story's signed-off version on these channels, now or at ``at``.

    Idempotent: a channel that already has a publication of this version keeps it (a double click
    or a repeated request changes nothing). Sending starts after commit, in the task queue."""
    if not perms.can_publish(actor, story):
        raise NotAllowed(_("Only the chief editor, the team's column lead and its editors may publish this story."))
    channels = list(dict.fromkeys(channels or ()))
    if not channels:
        raise DomainError(_("Choose at least one channel."), field="channels")
    inactive = [c.name for c in channels if not c.active]
    if inactive:
        raise DomainError(_("These channels are switched off: %(names)s") % {"names": "、".join(inactive)}, field="channels")
    now = timezone.now()
    if at is not None:
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if at > now + MAX_SCHEDULE_AHEAD:
            raise DomainError(_("Publishing can be scheduled at most a year ahead."), field="at")
        if at <= now:
            at = None  # a time in the past means now
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story.pk)
        if story.state not in PUBLISHABLE_STORY_STATES or story.current_version_id is None:
            raise StateConflict(_("Only a signed-off story can be published."))
        # Channels whose versions need their own review step wait for that approval.
        versions.require_ready(story.current_version_id, channels)
        publications, created = [], []
        for channel in channels:
            pub, made = Publication.objects.get_or_create(
                story=story,
                version_id=story.current_version_id,
                channel=channel,
                defaults={"requested_by": actor, "scheduled_at": at, "next_attempt_at": at or now},
            )
            publications.append(pub)
            if made:
                created.append(pub)
                audit.record(
                    "publication.pending",
                    actor=actor,
                    subject=pub,
                    summary=(
                        _("Scheduled for %(channel)s at %(at)s")
                        % {"channel": channel.name, "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}
                        if at
                        else _("Publishing on %(channel)s") % {"channel": channel.name}
                    ),
                    to_state=S.PENDING,
                    data={"story": story.pk, "channel": channel.code, "scheduled_at": at.isoformat() if at else None},
                )
        if created:
            audit.record(
                "story.publish",
                actor=actor,
                subject=story,
                summary=_("Publishing requested on: %(names)s") % {"names": "、".join(p.channel.name for p in created)},
                data={"channels": [p.channel.code for p in created], "scheduled_at": at.isoformat() if at else None},
            )
            ids = [p.pk for p in created]
            transaction.on_commit(lambda: [enqueue_send(pk, at) for pk in ids])
    return publications


def _in_flight(pub: Publication, now: dt.datetime) -> bool:
    return pub.state in (S.RENDERING, S.SENDING) and pub.updated_at > now - in_flight_lease()


def _log_attempt(pub, kind, started, duration_ms, error: AdapterError | None) -> None:
    outcome = PublicationAttempt.Outcome.OK
    if isinstance(error, PermanentError):
        outcome = PublicationAttempt.Outcome.PERMANENT
    elif error is not None:
        outcome = PublicationAttempt.Outcome.TRANSIENT
    PublicationAttempt.objects.create(
        publication=pub, kind=kind, started_at=started, duration_ms=duration_ms, outcome=outcome, error=error.message if error else ""
    )


def _after_failure(pub: Publication, error: AdapterError) -> None:
    """Inside the transaction holding the publication: failed with a retry, or dead."""
    if isinstance(error, TransientError) and pub.attempts < MAX_ATTEMPTS:
        when = timezone.now() + retry_delay(pub.attempts)
        _move(
            pub,
            S.FAILED,
            summary=_("Failed, will retry: %(error)s") % {"error": error.message},
            last_error=error.message,
            next_attempt_at=when,
        )
        pk = pub.pk
        transaction.on_commit(lambda: enqueue_send(pk, when))
    else:
        _move(
            pub, S.DEAD, summary=_("Failed for good: %(error)s") % {"error": error.message}, last_error=error.message, next_attempt_at=None
        )


def send(publication: Publication) -> str:
    """Deliver one publication (the task calls this). Idempotent: a published, dead or retracted
    publication is left alone, one in flight elsewhere too; returns what happened."""
    now = timezone.now()
    with transaction.atomic():
        pub = Publication.objects.select_for_update().get(pk=publication.pk)
        if pub.state not in (S.PENDING, S.FAILED, S.RENDERING, S.SENDING):
            return pub.state
        if _in_flight(pub, now):
            return "in_flight"
        if pub.next_attempt_at is not None and pub.next_attempt_at > now:
            return "not_due"
        pub = Publication.objects.select_related("channel", "version", "story__team").get(pk=pub.pk)
        adapter = adapter_for(pub.channel)
        _move(pub, S.RENDERING, summary=_("Rendering for %(channel)s") % {"channel": pub.channel.name})
        try:
            payload = adapter.render(pub)
        except AdapterError as e:
            pub.attempts += 1
            _after_failure(pub, e)
            return pub.state
        _move(
            pub, S.SENDING, summary=_("Sending to %(channel)s") % {"channel": pub.channel.name}, payload=payload, attempts=pub.attempts + 1
        )
    key = pub.key
    started, t0 = timezone.now(), time.monotonic()
    receipt, error = None, None
    try:
        receipt = adapter.send(payload, key)
    except AdapterError as e:
        error = e
    except Exception:  # an adapter bug must not leave the publication in "sending" for ever
        log.exception("adapter %s failed on publication %s", adapter.name, pub.pk)
        error = TransientError(_("Unexpected error in the channel adapter."))
    duration_ms = int((time.monotonic() - t0) * 1000)
    with transaction.atomic():
        pub = Publication.objects.select_for_update().select_related("channel").get(pk=pub.pk)
        _log_attempt(pub, PublicationAttempt.Kind.SEND, started, duration_ms, error)
        if pub.state != S.SENDING:
            # Retracted while we were sending: keep the receipt and take the item back again.
            if receipt is not None and pub.state in (S.RETRACTING, S.RETRACTED):
                pub.external_id, pub.url = receipt.external_id, receipt.url
                pub.save(update_fields=["external_id", "url"])
                if pub.state == S.RETRACTED:
                    _move(pub, S.RETRACTING, summary=_("Reached the channel after the retraction; retracting it there"))
                pk = pub.pk
                transaction.on_commit(lambda: enqueue_retract(pk))
            return pub.state
        if error is not None:
            _after_failure(pub, error)
            return pub.state
        _move(
            pub,
            S.PUBLISHED,
            summary=_("Published on %(channel)s") % {"channel": pub.channel.name},
            data={"external_id": receipt.external_id, "url": receipt.url},
            external_id=receipt.external_id,
            url=receipt.url,
            published_at=timezone.now(),
            last_error="",
            next_attempt_at=None,
        )
        story = Story.objects.select_for_update().get(pk=pub.story_id)
        if story.state == Story.State.APPROVED:
            story.state = Story.State.PUBLISHED
            story.save(update_fields=["state"])
            audit.record(
                "story.published",
                actor=None,
                subject=story,
                summary=_("Published (first on %(channel)s)") % {"channel": pub.channel.name},
                from_state=Story.State.APPROVED,
                to_state=Story.State.PUBLISHED,
            )
    return pub.state


def retry(*, actor, publication: Publication) -> Publication:
    """Try a dead (or waiting failed) publication again now, or a stuck retraction."""
    with transaction.atomic():
        pub = Publication.objects.select_for_update().select_related("channel", "story__team").get(pk=publication.pk)
        if pub.state == S.RETRACTING:
            if not perms.can_retract(actor):
                raise NotAllowed(_("Only the chief editor may retract."))
            pub.attempts, pub.next_attempt_at = 0, timezone.now()
            pub.save(update_fields=["attempts", "next_attempt_at"])
            audit.record(
                "publication.retry",
                actor=actor,
                subject=pub,
                summary=_("Retraction tried again by hand"),
                data={"channel": pub.channel.code},
            )
            pk = pub.pk
            transaction.on_commit(lambda: enqueue_retract(pk))
            return pub
        if not perms.can_publish(actor, pub.story):
            raise NotAllowed(_("Only the chief editor, the team's column lead and its editors may publish this story."))
        if pub.state not in (S.DEAD, S.FAILED):
            raise StateConflict(_("Only a failed publication can be tried again."))
        if pub.story.state not in PUBLISHABLE_STORY_STATES:
            raise StateConflict(_("The story has been retracted."))
        _move(pub, S.PENDING, actor=actor, summary=_("Tried again by hand"), attempts=0, next_attempt_at=timezone.now(), last_error="")
        pk = pub.pk
        transaction.on_commit(lambda: enqueue_send(pk))
    return pub


# --- retraction ---------------------------------------------------------------------------


def retract(*, actor, story: Story, reason: str) -> list[Publication]:
    """撤稿: the chief editor takes the story off every channel it reached, with a reason.
    What never reached a channel (waiting, failed, dead) is cancelled (retracted without a call)."""
    if not perms.can_retract(actor):
        raise NotAllowed(_("Only the chief editor may retract a story."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write the reason for the retraction."), field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise DomainError(_("At most %(n)s characters.") % {"n": MAX_REASON_CHARS}, field="reason")
    now = timezone.now()
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story.pk)
        pubs = list(Publication.objects.select_for_update().filter(story=story).select_related("channel"))
        # A story being corrected (back in review) is still live where it was published.
        live = any(p.state not in (S.RETRACTED,) for p in pubs)
        if story.state == Story.State.RETRACTED or (story.state not in PUBLISHABLE_STORY_STATES and not live):
            raise StateConflict(_("Only a signed-off or published story can be retracted."))
        to_call = []
        for pub in pubs:
            if pub.state in (S.PUBLISHED, S.SENDING, S.RENDERING):
                _move(pub, S.RETRACTING, actor=actor, summary=reason, attempts=0, next_attempt_at=now, last_error="")
                to_call.append(pub.pk)
            elif pub.state in (S.PENDING, S.FAILED, S.DEAD):
                _move(
                    pub,
                    S.RETRACTED,
                    actor=actor,
                    summary=_("Cancelled before it reached the channel"),
                    retracted_at=now,
                    next_attempt_at=None,
                )
        from_state = story.state
        story.state = Story.State.RETRACTED
        story.save(update_fields=["state"])
        audit.record(
            "story.retract",
            actor=actor,
            subject=story,
            summary=reason,
            from_state=from_state,
            to_state=Story.State.RETRACTED,
            data={"channels": [p.channel.code for p in pubs if p.pk in to_call]},
        )
        transaction.on_commit(lambda: [enqueue_retract(pk) for pk in to_call])
    return pubs


def withdraw(publication: Publication) -> str:
    """Take one publication back from its channel (the task calls this)."""
    now = timezone.now()
    with transaction.atomic():
        pub = Publication.objects.select_for_update().select_related("channel").get(pk=publication.pk)
        if pub.state != S.RETRACTING:
            return pub.state
        if pub.next_attempt_at is None or pub.next_attempt_at > now:
            return "not_due"
        pub.attempts += 1
        pub.next_attempt_at = now + in_flight_lease()  # a second worker waits instead of calling too
        pub.save(update_fields=["attempts", "next_attempt_at"])
    adapter = adapter_for(pub.channel)
    started, t0 = timezone.now(), time.monotonic()
    error = None
    try:
        adapter.retract(Receipt(pub.external_id, pub.url), pub.key)
    except AdapterError as e:
        error = e
    except Exception:
        log.exception("adapter %s failed to retract publication %s", adapter.name, pub.pk)
        error = TransientError(_("Unexpected error in the channel adapter."))
    duration_ms = int((time.monotonic() - t0) * 1000)
    with transaction.atomic():
        pub = Publication.objects.select_for_update().select_related("channel").get(pk=pub.pk)
        _log_attempt(pub, PublicationAttempt.Kind.RETRACT, started, duration_ms, error)
        if pub.state != S.RETRACTING:
            return pub.state
        if error is None:
            _move(
                pub,
                S.RETRACTED,
                summary=_("Retracted from %(channel)s") % {"channel": pub.channel.name},
                retracted_at=timezone.now(),
                last_error="",
                next_attempt_at=None,
            )
        elif isinstance(error, TransientError) and pub.attempts < MAX_ATTEMPTS:
            when = timezone.now() + retry_delay(pub.attempts)
            pub.last_error, pub.next_attempt_at = error.message, when
            pub.save(update_fields=["last_error", "next_attempt_at"])
            pk = pub.pk
            transaction.on_commit(lambda: enqueue_retract(pk, when))
        else:
            # Stuck: listed with the dead publications until someone tries again.
            pub.last_error, pub.next_attempt_at = error.message, None
            pub.save(update_fields=["last_error", "next_attempt_at"])
            audit.record(
                "publication.retract_failed",
                actor=None,
                subject=pub,
                summary=error.message,
                data={"story": pub.story_id, "channel": pub.channel.code},
            )
    return pub.state


def resume_due(now: dt.datetime | None = None) -> int:
    """Send and retract whatever is due but has no task (a queue outage, a crashed worker).
    Run by `manage.py publish_due`; harmless to run any time."""
    now = now or timezone.now()
    stale = now - in_flight_lease()
    count = 0
    due = Publication.objects.filter(
        Q(state__in=(S.PENDING, S.FAILED), next_attempt_at__lte=now) | Q(state__in=(S.RENDERING, S.SENDING), updated_at__lte=stale)
    )
    for pub in due.only("pk"):
        send(pub)
        count += 1
    for pub in Publication.objects.filter(state=S.RETRACTING, next_attempt_at__lte=now).only("pk"):
        withdraw(pub)
        count += 1
    return count


# --- channel settings ---------------------------------------------------------------------


def check_webhook_settings(url: str, secret: str) -> tuple[str, str]:
    url, secret = (url or "").strip(), (secret or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise DomainError(_("Enter the full address of the webhook, starting with https://"), field="url")
    if len(secret) < 16:
        raise DomainError(_("The secret must have at least 16 characters."), field="secret")
    return url, secret


def configure_webhook(*, actor, channel: Channel, url: str, secret: str) -> Channel:
    """Store a channel's webhook address and signing secret, encrypted. They are never shown again."""
    if not perms.can_configure_channels(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor may configure channels."))
    url, secret = check_webhook_settings(url, secret)
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        replaced = channel.has_credentials
        channel.credentials = credentials.encrypt({"adapter": "webhook", "url": url, "secret": secret})
        channel.save(update_fields=["credentials"])
        # The audit line names the channel only: no address, no secret.
        audit.record(
            "channel.configure",
            actor=actor,
            subject=channel,
            summary=_("Webhook settings replaced") if replaced else _("Webhook settings entered"),
        )
    return channel


def configure_channel(*, actor, channel: Channel, adapter: str, settings: dict) -> Channel:
    """Store a channel's delivery settings (ftp, sftp, smtp, wechat or webhook), encrypted.

    Secrets are never shown again; an empty secret field keeps the stored one, so an operator can
    change the host without retyping the password. The audit line names the fields, never values.
    """
    from rongmei.distribution.adapters import allowed_for
    from rongmei.distribution.adapters.settings_util import FIELDS, check_settings

    if not perms.can_configure_channels(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor may configure channels."))
    if adapter not in allowed_for(channel):
        raise DomainError(_("This kind of delivery is not available for this channel."), field="adapter")
    if adapter == "webhook":
        return configure_webhook(actor=actor, channel=channel, url=settings.get("url", ""), secret=settings.get("secret", ""))
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        old = credentials.decrypt(channel.credentials) if channel.has_credentials else {}
        merged = dict(settings)
        if old.get("adapter") == adapter:
            for name, _required, secret in FIELDS[adapter]:
                if secret and not merged.get(name) and old.get(name):
                    merged[name] = old[name]
        cleaned = check_settings(adapter, merged)
        replaced = channel.has_credentials
        channel.credentials = credentials.encrypt(cleaned)
        channel.save(update_fields=["credentials"])
        audit.record(
            "channel.configure",
            actor=actor,
            subject=channel,
            summary=(_("Delivery settings replaced: %(kind)s") if replaced else _("Delivery settings entered: %(kind)s"))
            % {"kind": adapter},
            data={"adapter": adapter, "fields": sorted(k for k in cleaned if k != "adapter")},
        )
    return channel


def clear_credentials(*, actor, channel: Channel) -> Channel:
    if not perms.can_configure_channels(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor may configure channels."))
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        channel.credentials = ""
        channel.save(update_fields=["credentials"])
        audit.record("channel.clear", actor=actor, subject=channel, summary=_("Channel settings removed"))
    return channel
