"""A channel's daily figures uploaded as a table (.xlsx or CSV, as the platforms' back offices
export them or as typed in Excel): one row per day. A bad row is refused with its row number and
the reason, the good rows are kept; a day uploaded again is updated, not doubled. A file that
cannot be read at all is refused whole (rongmei.core.tables)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit, tables
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.dashboard.models import ChannelDay

COLUMNS: dict[str, tuple[str, ...]] = {
    "day": ("日期", "时间", "date", "day"),
    "followers": ("粉丝数", "粉丝", "总粉丝数", "累计关注人数", "关注人数", "followers"),
    "posts": ("发文数", "发布数", "发文量", "作品数", "posts"),
    "reads": ("阅读量", "阅读数", "播放量", "阅读次数", "reads", "plays", "views"),
    "top_reads": ("单篇最高阅读", "最高阅读", "最高阅读量", "单条最高播放", "topreads"),
    "likes": ("点赞", "点赞数", "点赞量", "在看", "likes"),
    "shares": ("转发", "转发数", "分享", "分享数", "shares"),
    "comments": ("评论", "评论数", "留言", "comments"),
}
REQUIRED = ("day", "reads")
COUNTS = ("followers", "posts", "reads", "top_reads", "likes", "shares", "comments")
LABELS = {
    "followers": "粉丝数",
    "posts": "发文数",
    "reads": "阅读量",
    "top_reads": "单篇最高阅读",
    "likes": "点赞",
    "shares": "转发",
    "comments": "评论",
}
MAX_AGE_DAYS = 3 * 366


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def may_upload(user) -> bool:
    from rongmei.analytics.selectors import sees_whole_site

    return sees_whole_site(user)


def _clean(row: tables.Row, today) -> tuple[dict, list[str]]:
    v, problems, values = row.values, [], {}
    try:
        day = tables.parse_date(v.get("day"))
        if day > today or (today - day).days > MAX_AGE_DAYS:
            problems.append(_("Date: %(d)s is in the future or more than three years ago.") % {"d": day})
        values["day"] = day
    except ValueError:
        problems.append(_("Date: %(v)s is not a date; write it as 2026-03-05 or 2026/3/5.") % {"v": tables.text_of(v.get("day"))[:30]})
    for key in COUNTS:
        if key not in v or tables.text_of(v.get(key)) == "":
            if key in REQUIRED:
                problems.append(_("%(c)s: the cell is empty.") % {"c": LABELS[key]})
            values[key] = None if key == "followers" else 0
            continue
        try:
            values[key] = tables.parse_count(v.get(key))
        except ValueError:
            problems.append(
                _("%(c)s: %(v)s is not a whole number (write 1200 or 1.2万).") % {"c": LABELS[key], "v": tables.text_of(v.get(key))[:30]}
            )
    return values, problems


def import_table(*, actor, channel, uploaded) -> Result:
    if not may_upload(actor):
        raise NotAllowed(_("Only the center's editors, leads and operators may upload channel figures."))
    from rongmei.distribution.models import Channel

    if not isinstance(channel, Channel):
        raise DomainError(_("Choose a channel."), field="channel")
    if channel.code in ("website", "app"):
        raise DomainError(
            _("Our website's and app's figures come from our own readership counting; upload an external channel's."), field="channel"
        )
    _columns, rows = tables.read_table(uploaded, COLUMNS, REQUIRED)
    missing = [key for key in REQUIRED if key not in _columns]
    if missing:
        raise DomainError(_("The file lacks the column %(c)s.") % {"c": "、".join(COLUMNS[key][0] for key in missing)}, field="file")
    result, seen = Result(), {}
    today = timezone.localdate()
    for row in rows:
        values, problems = _clean(row, today)
        if not problems and values["day"] in seen:
            problems.append(_("Date: %(d)s is also on row %(n)s.") % {"d": values["day"], "n": seen[values["day"]]})
        if problems:
            result.errors.append((row.number, "；".join(problems)))
            continue
        seen[values["day"]] = row.number
        day = values.pop("day")
        with transaction.atomic():
            _obj, created = ChannelDay.objects.update_or_create(
                channel=channel,
                day=day,
                defaults={**values, "source": ChannelDay.Source.UPLOAD, "updated_by": actor, "updated_at": timezone.now()},
            )
        if created:
            result.created += 1
        else:
            result.updated += 1
    audit.record(
        "dashboard.channel_upload",
        actor=actor,
        subject=channel,
        summary=_("Figures of %(c)s uploaded: %(n)s days saved, %(e)s rows refused")
        % {"c": channel.name, "n": result.created + result.updated, "e": len(result.errors)},
        data={"created": result.created, "updated": result.updated, "refused": [n for n, _e in result.errors]},
    )
    return result
