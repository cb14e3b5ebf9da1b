"""Notices of 问政: to citizens (in the app, and by text message) and to units (in the app, by
e-mail and by text message), each through a pluggable gateway.

Called after the change committed (services use ``transaction.on_commit``). A gateway that fails is
logged and never undoes or hides the change: the in-app notice is stored first, and the timeline of
the question always tells the citizen what happened.

Gateways (``settings.RONGMEI_INQUIRIES``):
- ``SMS_GATEWAY``: a dotted path to a class with ``send_text(phone, text)``; default
  ``rongmei.inquiries.gateways.ConsoleSms`` (the log and an outbox; nothing leaves the machine).
  ``rongmei.inquiries.gateways.AliyunSms`` sends through Aliyun SMS with a notice template; it has
  only met the local contract server, never the real service.
- e-mail: Django's mail settings (``EMAIL_HOST`` …); units without an address get none.
- ``CITIZEN_SMS`` (default True) and ``UNIT_SMS`` (default False) switch the text messages.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.module_loading import import_string

from rongmei.core.notify import notify as notify_staff

log = logging.getLogger(__name__)

DEFAULT_SMS_GATEWAY = "rongmei.inquiries.gateways.ConsoleSms"


def _conf(name: str, default):
    return getattr(settings, "RONGMEI_INQUIRIES", {}).get(name, default)


def sms_gateway():
    return import_string(_conf("SMS_GATEWAY", DEFAULT_SMS_GATEWAY))()


def _sms(phone: str, text: str) -> bool:
    if not phone:
        return False
    try:
        sms_gateway().send_text(phone=phone, text=text)
        return True
    except Exception:
        log.warning("text message to %s… not sent", phone[:3], exc_info=True)
        return False


def citizen(inquiry_id: int, *, kind: str, text: str) -> None:
    """The author hears of a step: in the app's messages and, if on, by text message."""
    from rongmei.fans.notify import notify_fan
    from rongmei.inquiries.models import Inquiry

    inquiry = Inquiry.objects.select_related("fan").filter(pk=inquiry_id).first()
    if inquiry is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = str(text)
        if inquiry.fan_id:
            notify_fan(inquiry.fan, kind=f"inquiry.{kind}", text=text, url=inquiry.get_absolute_url())
        if _conf("CITIZEN_SMS", True):
            _sms(inquiry.phone, text)


def followers(inquiry_id: int, *, text: str) -> int:
    from rongmei.fans.notify import notify_fans
    from rongmei.inquiries.models import Follow, Inquiry

    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None:
        return 0
    fan_ids = Follow.objects.filter(inquiry_id=inquiry_id).exclude(fan_id=inquiry.fan_id).values_list("fan_id", flat=True)
    return notify_fans(list(fan_ids), kind="inquiry.followed", text=text, url=inquiry.get_absolute_url())


def unit(unit_id: int, inquiry_id: int | None, *, kind: str, text: str, leaders: bool = False) -> None:
    """A unit hears of a question: its staff in the app; its mailbox; its phone if UNIT_SMS is on.
    ``leaders``: the unit's leader too (督办)."""
    from rongmei.inquiries.models import Unit

    target = Unit.objects.filter(pk=unit_id).first()
    if target is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = str(text)
        url = f"/units/q/{inquiry_id}/" if inquiry_id else "/units/"
        people = list(target.members.filter(is_active=True))
        if leaders and target.leader_id:
            people.append(target.leader)
        notify_staff(people, kind=f"inquiry.{kind}", text=text, url=url)
        if target.email:
            try:
                body = text + "\n\n" + settings.RONGMEI.get("PUBLIC_URL", "").rstrip("/") + url
                send_mail(subject=f"【问政】{text[:60]}", message=body, from_email=None, recipient_list=[target.email])
            except Exception:
                log.warning("mail to unit %s not sent", target.pk, exc_info=True)
        if _conf("UNIT_SMS", False) or leaders:
            _sms(target.phone, text)
            if leaders and target.leader_id and target.leader.phone:
                _sms(target.leader.phone, text)
