from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import NotAllowed, StateConflict
from rongmei.core.notify import notify
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import EditLock, Story


def _held_by_other(actor, story: Story) -> EditLock | None:
    lock = EditLock.objects.select_related("holder").filter(story=story).first()
    if lock is not None and lock.is_active and lock.holder_id != actor.pk:
        return lock
    return None


def check_lock(actor, story: Story) -> None:
    """Refuse when someone else holds a live edit lock. Call inside the transaction that locked the story."""
    lock = _held_by_other(actor, story)
    if lock is not None:
        raise StateConflict(
            _("%(name)s is editing this story (locked until %(t)s).")
            % {"name": lock.holder.display_name, "t": timezone.localtime(lock.expires_at).strftime("%H:%M:%S")},
            code="locked",
        )


@transaction.atomic
def acquire_lock(*, actor, story: Story) -> EditLock:
    """Take or renew the edit lock; the editor page renews it while it stays open."""
    story = Story.objects.select_for_update(of=("self",)).get(pk=story.pk)
    if not perms.can_edit_story(actor, story):
        raise NotAllowed(_("You may not edit this story."))
    check_lock(actor, story)
    expires = timezone.now() + timedelta(seconds=settings.RONGMEI["EDIT_LOCK_SECONDS"])
    lock = EditLock.objects.filter(story=story).first()
    if lock is None:
        return EditLock.objects.create(story=story, holder=actor, expires_at=expires)
    if lock.holder_id != actor.pk:
        lock.holder = actor
        lock.acquired_at = timezone.now()
    lock.expires_at = expires
    lock.save()
    return lock


@transaction.atomic
def release_lock(*, actor, story: Story) -> None:
    EditLock.objects.filter(story=story, holder=actor).delete()


@transaction.atomic
def force_unlock(*, actor, story: Story) -> None:
    story = Story.objects.select_for_update(of=("self",)).select_related("team").get(pk=story.pk)
    if not perms.can_force_unlock(actor, story):
        raise NotAllowed(_("Only the column lead or the chief editor may force the lock open."))
    lock = EditLock.objects.select_related("holder").filter(story=story).first()
    if lock is None:
        return
    holder = lock.holder
    lock.delete()
    audit.record(
        "story.force_unlock",
        actor=actor,
        subject=story,
        summary=_("Forced the edit lock of %(name)s open") % {"name": holder.display_name},
    )
    notify(
        [holder],
        kind="lock",
        text=_("%(name)s took over the edit lock of %(t)s") % {"name": actor.display_name, "t": story.headline},
        url=f"/newsroom/stories/{story.pk}/",
        exclude=actor,
    )
