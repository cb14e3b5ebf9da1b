"""An app user's own data: the download of everything we hold about them (/me/data/, GET
/public/me/data) and the deletion of their account (/me/delete/, POST /public/me/deletion).

Deleting needs a fresh SMS code sent to the account's number for that purpose (the same proof as
logging in, so a borrowed unlocked phone with a live session is not enough) and an explicit
confirmation. It does not remove the row: the other apps' public content (comments, answered
questions) points at it. It empties the number and nickname, ends the login, and asks every app
(rongmei.core.privacy) to anonymise what it holds; the comments then read "Deleted user". One
audit line records it, with the counts and without any personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit, privacy
from rongmei.core.exceptions import DomainError, StateConflict
from rongmei.fans.models import Fan, SmsCode

EXPORT_FORMAT = "rongmei.personal-data.v1"


def _account(fan: Fan) -> dict[str, Any]:
    return {
        "id": fan.pk,
        "mobile_number": fan.phone,
        "nickname": fan.nickname,
        "registered_at": privacy.iso(fan.created_at),
        "last_login_at": privacy.iso(fan.last_login_at),
        "banned": fan.banned,
        "ban_reason": fan.ban_reason,
        "favorites": [{"article": f.story_id, "kept_at": privacy.iso(f.created_at)} for f in fan.favorites.order_by("created_at", "pk")],
        "likes": [{"article": like.story_id, "liked_at": privacy.iso(like.created_at)} for like in fan.likes.order_by("created_at", "pk")],
        "followed_columns": [
            {"column": f.column.name, "since": privacy.iso(f.created_at)}
            for f in fan.follows.select_related("column").order_by("created_at", "pk")
        ],
        "notifications": [
            {"text": n.text, "link": n.url, "at": privacy.iso(n.created_at), "read_at": privacy.iso(n.read_at)}
            for n in fan.notifications.order_by("created_at", "pk")
        ],
    }


def export_own_data(*, fan: Fan, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the apps hold about ``fan`` (and only about them), JSON-ready. Audited."""
    now = now or timezone.now()
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "account": _account(fan),
        **privacy.export_all(fan),
    }
    with transaction.atomic():
        audit.record("privacy.export", actor=None, subject=fan, summary=_("App user %(id)s downloaded their data") % {"id": fan.pk})
    return data


def request_deletion_code(*, fan: Fan, ip: str | None) -> SmsCode:
    """Send a code to the account's own number, good only for deleting the account."""
    from rongmei.fans import services

    if fan.deleted_at is not None or not fan.phone:
        raise StateConflict(_("This account has been deleted."))
    return services.request_code(phone=fan.phone, ip=ip, purpose=SmsCode.Purpose.DELETE_ACCOUNT)


def delete_account(*, fan: Fan, code: str, confirmed: bool, ip: str | None, now: dt.datetime | None = None) -> dict[str, dict]:
    """Delete the account of ``fan``: check the confirmation and the deletion code, then anonymise
    everything in one transaction. The caller ends the session (auth.log_out). Returns the counts."""
    from rongmei.fans import services

    if fan.deleted_at is not None or not fan.phone:
        raise StateConflict(_("This account has been deleted."))
    if not confirmed:
        raise DomainError(
            _("Tick the box to confirm that the account and its data are to be deleted."), field="confirm", code="not_confirmed"
        )
    # Raises on a wrong, spent or expired code (and counts the wrong try) before anything changes.
    services.verify_code(phone=fan.phone, code=code, ip=ip, purpose=SmsCode.Purpose.DELETE_ACCOUNT)
    now = now or timezone.now()
    with transaction.atomic():
        fan = Fan.objects.select_for_update().get(pk=fan.pk)
        if fan.deleted_at is not None:
            raise StateConflict(_("This account has been deleted."))
        done = privacy.erase_all(fan, now)
        done["fans"] = {
            "favorites": fan.favorites.all().delete()[0],
            "likes": fan.likes.all().delete()[0],
            "follows": fan.follows.all().delete()[0],
            "notifications": fan.notifications.all().delete()[0],
        }
        SmsCode.objects.filter(phone=fan.phone).delete()
        fan.phone = ""
        fan.nickname = ""
        fan.last_login_at = None
        fan.deleted_at = now
        fan.save(update_fields=["phone", "phone_hash", "nickname", "last_login_at", "deleted_at"])
        audit.record(
            "privacy.delete_account",
            actor=None,
            subject=fan,
            summary=_("App user %(id)s deleted their account") % {"id": fan.pk},
            data={app: counts for app, counts in done.items()},
        )
    return done


def sweep(now: dt.datetime, retention: dict) -> dict:
    """SMS codes (their keyed hashes and the encrypted number) go after ``sms_code_days``."""
    cutoff = now - dt.timedelta(days=retention["sms_code_days"])
    deleted, _kinds = SmsCode.objects.filter(created_at__lt=cutoff).delete()
    return {"sms_codes": deleted}
