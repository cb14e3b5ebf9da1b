"""The center's own WeChat official account: its daily figures fetched from WeChat's statistics
interface (数据统计, datacube) into ChannelDay, instead of uploaded by hand.

HAS ONLY MET THE LOCAL CONTRACT SERVER (partners/tests/wechat_datacube_server.py), NEVER WECHAT
ITSELF. It follows the public API documents (read 2026-11):

  获取累计用户数据 getusercumulate (at most 7 days a call)
    https://developers.weixin.qq.com/doc/subscription/api/wedata/user/api_getusercumulate.html
    {"begin_date", "end_date"} → {"list": [{"ref_date": "2026-11-01", "cumulate_user": 201233}, …]}
  获取发表内容概况总数据 getbizsummary (the replacement of getuserread; asked one day at a time, as
  the documents name no largest span and the old interfaces allowed one to three days)
    https://developers.weixin.qq.com/doc/subscription/api/wedata/news/api_getbizsummary
    → {"list": [{"ref_date", "detail": {"read_user", "share_user", "zaikan_user", "like_user",
       "comment_count", …}}], "is_delay": false}
  获取发表内容发表详细数据 getarticletotaldetail (the pieces published on a day and their reads so
  far: the day's number of posts and its most read post), as the partners' readership adapter
  reads it (partners/adapters/wechat.py).

Mapping to ChannelDay: followers = cumulate_user; reads = read_user (阅读人数, what the back office
shows as 阅读); shares = share_user; likes = like_user + zaikan_user (拇指赞 and 在看, as the upload
takes 在看 for likes); comments = comment_count; posts and top_reads from getarticletotaldetail.
WeChat prepares yesterday's figures by 08:00: the cron runs after that. end_date is at most
yesterday. A day is written only when getbizsummary reports it and says it is not delayed
(is_delay false); otherwise it is left as it was (asked again by the next fetch). A piece that
getarticletotaldetail lists twice counts once (by msgid).

Everything is fetched first and written in one transaction: a refusal half way writes nothing, and
the message says what to do (partners.adapters.wechat.wechat_error: wrong AppID or secret, IP not
on the allow list, an unverified account, busy). The AppID and secret are the channel's own
publishing credentials (distribution), so the access token is the one publishing uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.dashboard.channel_import import may_upload
from rongmei.dashboard.models import ChannelDay

CUMULATE_PATH = "/datacube/getusercumulate"
SUMMARY_PATH = "/datacube/getbizsummary"
DETAIL_PATH = "/datacube/getarticletotaldetail"
CUMULATE_SPAN_DAYS = 7
MAX_DAYS = 62  # one fetch: two months (a cron run asks for the last week)


@dataclass
class Fetched:
    days: int
    first: dt.date | None
    last: dt.date | None


def wechat_channel():
    """The center's WeChat official account channel, when it has its AppID and secret."""
    from rongmei.distribution.models import Channel

    channel = Channel.objects.filter(code=Channel.Code.WECHAT_OA, active=True).first()
    return channel if channel is not None and channel.has_credentials else None


def _count(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _days(since: dt.date, until: dt.date):
    day = since
    while day <= until:
        yield day
        day += dt.timedelta(days=1)


def _collect(client, since: dt.date, until: dt.date) -> dict[dt.date, dict]:
    figures: dict[dt.date, dict] = {day: {} for day in _days(since, until)}
    start = since
    while start <= until:
        stop = min(until, start + dt.timedelta(days=CUMULATE_SPAN_DAYS - 1))
        answer = client.call(CUMULATE_PATH, data={"begin_date": start.isoformat(), "end_date": stop.isoformat()})
        for item in answer.get("list") or []:
            day = _day(item.get("ref_date")) if isinstance(item, dict) else None
            if day in figures:
                figures[day]["followers"] = _count(item.get("cumulate_user"))
        start = stop + dt.timedelta(days=1)
    for day in _days(since, until):
        answer = client.call(SUMMARY_PATH, data={"begin_date": day.isoformat(), "end_date": day.isoformat()})
        if answer.get("is_delay"):
            continue  # WeChat has not finished counting the day: fetched again next time
        for item in answer.get("list") or []:
            if not isinstance(item, dict) or _day(item.get("ref_date")) != day:
                continue
            detail = item.get("detail") if isinstance(item.get("detail"), dict) else {}
            figures[day].update(
                reads=_count(detail.get("read_user")),
                shares=_count(detail.get("share_user")),
                likes=_count(detail.get("like_user")) + _count(detail.get("zaikan_user")),
                comments=_count(detail.get("comment_count")),
            )
        if "reads" not in figures[day]:
            continue
        answer = client.call(DETAIL_PATH, data={"begin_date": day.isoformat(), "end_date": day.isoformat()})
        pieces: dict[str, int] = {}
        for item in answer.get("list") or []:
            msgid = str(item.get("msgid") or "").strip() if isinstance(item, dict) else ""
            if not msgid or _day(item.get("ref_date")) != day:
                continue
            details = [d for d in item.get("detail_list") or [] if isinstance(d, dict)]
            latest = max(details, key=lambda d: str(d.get("stat_date") or ""), default={})
            pieces[msgid] = max(pieces.get(msgid, 0), _count(latest.get("read_user")))  # a piece once
        figures[day].update(posts=len(pieces), top_reads=max(pieces.values(), default=0))
    # A day without its summary (before the account's data, or still being counted) is left as
    # it was: no day is written with reads of 0 that WeChat has simply not reported yet.
    return {day: values for day, values in figures.items() if "reads" in values}


def fetch(*, actor, since: dt.date, until: dt.date, channel=None) -> Fetched:
    """Fetch the days from ``since`` to ``until`` (cut at yesterday) and save them as the
    channel's figures (source: fetched from the platform). ``actor`` None is the cron."""
    from rongmei.distribution.adapters.base import AdapterError
    from rongmei.distribution.adapters.wechat import WechatError
    from rongmei.partners.adapters.base import FetchError
    from rongmei.partners.adapters.wechat import _Client, wechat_error

    if actor is not None and not may_upload(actor):
        raise NotAllowed(_("Only the center's editors, leads and operators may upload channel figures."))
    channel = channel or wechat_channel()
    if channel is None:
        raise DomainError(_("The WeChat official account channel has no AppID and secret yet: enter them under Channels first."))
    until = min(until, timezone.localdate() - dt.timedelta(days=1))
    if since > until:
        raise DomainError(_("WeChat gives a day's figures from the next day on: choose days up to yesterday."), field="since")
    if (until - since).days >= MAX_DAYS:
        raise DomainError(_("Fetch at most %(n)s days at a time.") % {"n": MAX_DAYS}, field="since")
    client = _Client(channel)
    try:
        figures = _collect(client, since, until)
    except WechatError as e:
        error = wechat_error(e, channel.name)
        raise DomainError(error.message) from None
    except (AdapterError, FetchError) as e:  # the token refused, a timeout, settings missing
        raise DomainError(e.message) from None
    now = timezone.now()
    with transaction.atomic():
        for day, values in figures.items():
            ChannelDay.objects.update_or_create(
                channel=channel,
                day=day,
                defaults={**values, "source": ChannelDay.Source.ADAPTER, "updated_by": actor, "updated_at": now},
            )
        audit.record(
            "dashboard.channel_fetch",
            actor=actor,
            subject=channel,
            summary=_("Figures of %(c)s fetched from WeChat: %(n)s days (%(a)s to %(b)s)")
            % {"c": channel.name, "n": len(figures), "a": since.isoformat(), "b": until.isoformat()},
            data={"days": sorted(d.isoformat() for d in figures)},
        )
    days = sorted(figures)
    return Fetched(days=len(days), first=days[0] if days else None, last=days[-1] if days else None)


def fetch_recent(*, actor, days: int) -> Fetched:
    """The last ``days`` days up to yesterday (the button and the morning cron)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return fetch(actor=actor, since=yesterday - dt.timedelta(days=days - 1), until=yesterday)
