"""Readership uploaded as a file (Excel .xlsx or CSV): one row per post, written through
``services.upsert_post`` so an upload behaves exactly like a post entered by hand.

Each row is saved in its own savepoint: a bad row is refused with its row number (the header is
row 1) and the reason, the good rows are kept. A file that cannot be read at all, lacks a
required column or is too large is refused as a whole and nothing is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rongmei.core import audit, tables
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.partners import permissions as perms
from rongmei.partners import services
from rongmei.partners.models import Account, Partner, Platform, Post

MAX_ROWS = tables.MAX_ROWS
MAX_BYTES = tables.MAX_BYTES

# Column key -> the headers accepted for it (compared after normalising: lower case, no spaces,
# no note in brackets, no trailing "*" or ":").
COLUMNS: dict[str, tuple[str, ...]] = {
    "platform": ("平台", "platform"),
    "account": ("账号", "账号名称", "帐号", "account", "accountname"),
    "title": ("标题", "title"),
    "url": ("链接", "网址", "url", "link"),
    "date": ("发布日期", "日期", "date", "publishedon", "published"),
    "kind": ("类型", "kind", "type"),
    "reads": ("阅读量", "阅读数", "reads", "views"),
    "partner": ("合作方", "自媒体", "partner"),
}
REQUIRED = ("title", "url", "date", "reads")

PLATFORM_NAMES = {
    "微信公众号": Platform.WECHAT,
    "公众号": Platform.WECHAT,
    "视频号": Platform.CHANNELS,
    "微信视频号": Platform.CHANNELS,
    "抖音": Platform.DOUYIN,
    "快手": Platform.KUAISHOU,
    "微博": Platform.WEIBO,
    "新浪微博": Platform.WEIBO,
    "今日头条": Platform.TOUTIAO,
    "头条": Platform.TOUTIAO,
    "哔哩哔哩": Platform.BILIBILI,
    "b站": Platform.BILIBILI,
    "其他": Platform.OTHER,
}
KIND_NAMES = {
    "原创": Post.Kind.ORIGINAL,
    "original": Post.Kind.ORIGINAL,
    "转发": Post.Kind.REPOST,
    "转载": Post.Kind.REPOST,
    "repost": Post.Kind.REPOST,
}
_PLATFORM_HINT = ("微信公众号", "视频号", "抖音", "快手", "微博", "今日头条", "哔哩哔哩")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    total: int = 0  # rows of data read (blank rows not counted)

    @property
    def saved(self) -> int:
        return self.created + self.updated


Row = tables.Row
_Row = tables.Row
_text = tables.text_of
parse_reads = tables.parse_count
parse_date = tables.parse_date


def read_table(uploaded) -> tuple[dict[str, int], list[tables.Row]]:
    """The file's columns and rows (rongmei.core.tables.read_table with this upload's columns)."""
    return tables.read_table(uploaded, COLUMNS, REQUIRED, max_rows=MAX_ROWS)


def parse_platform(value) -> str:
    text = _text(value)
    if not text:
        return ""
    folded = text.lower().replace(" ", "")
    if folded in PLATFORM_NAMES:
        return PLATFORM_NAMES[folded]
    for platform in Platform:
        if folded in (platform.value, str(platform.label).lower().replace(" ", "")):
            return platform.value
    raise ValueError


class _Context:
    """Look-ups shared by the rows of one upload (partners and accounts by name)."""

    def __init__(self, partner: Partner | None) -> None:
        self.partner = partner
        self._partners: dict[str, Partner | None] = {}
        self.urls: dict[tuple[int, str], int] = {}

    def partner_named(self, name: str) -> Partner | None:
        if name not in self._partners:
            self._partners[name] = Partner.objects.filter(name=name).first()
        return self._partners[name]


def _clean_row(row: _Row, ctx: _Context) -> tuple[dict, list[str]]:
    """The arguments for upsert_post, and the row's problems (empty when it may be saved)."""
    v = row.values
    problems: list[str] = []
    partner = ctx.partner
    named = _text(v.get("partner"))
    if ctx.partner is None:
        if not named:
            problems.append(_("Partner: give the partner's name."))
        else:
            partner = ctx.partner_named(named)
            if partner is None:
                problems.append(_("Partner: no partner is named %(n)s.") % {"n": named})
    elif named and named != ctx.partner.name:
        problems.append(
            _("Partner: this row is for %(other)s; this upload is for %(own)s only.") % {"other": named, "own": ctx.partner.name}
        )
        partner = None

    platform = ""
    try:
        platform = parse_platform(v.get("platform"))
    except ValueError:
        problems.append(
            _("Platform: %(v)s is not known; write one of %(names)s.") % {"v": _text(v.get("platform")), "names": "、".join(_PLATFORM_HINT)}
        )

    account = None
    account_name = _text(v.get("account"))
    if partner is not None and account_name:
        accounts = Account.objects.filter(name=account_name)
        if platform:
            accounts = accounts.filter(platform=platform)
        own = [a for a in accounts if a.partner_id == partner.pk]
        if len(own) == 1:
            account = own[0]
        elif len(own) > 1:
            problems.append(_("Account: %(a)s exists on several platforms; fill in the platform.") % {"a": account_name})
        elif accounts:
            problems.append(_("Account: %(a)s belongs to another partner, not %(p)s.") % {"a": account_name, "p": partner.name})
        else:
            problems.append(_("Account: %(p)s has no account named %(a)s.") % {"a": account_name, "p": partner.name})
    elif partner is not None and platform:
        # Without an account name the platform picks the account when the partner has just one there.
        candidates = list(Account.objects.filter(partner=partner, platform=platform)[:2])
        if len(candidates) == 1:
            account = candidates[0]

    title = _text(v.get("title"))
    if not title:
        problems.append(_("Title: the title is empty."))

    url = _text(v.get("url"))
    if not url:
        problems.append(_("Link: the link is empty."))
    else:
        try:
            url = services.clean_url(url)
        except DomainError as e:
            problems.append(_("Link: %(e)s") % {"e": e.message})
        else:
            if partner is not None:
                seen = ctx.urls.get((partner.pk, url))
                if seen is not None:
                    problems.append(_("Link: the same link is on row %(r)s already.") % {"r": seen})

    published_on = None
    if v.get("date") is None or _text(v.get("date")) == "":
        problems.append(_("Date: the date of publication is empty."))
    else:
        try:
            published_on = parse_date(v.get("date"))
        except ValueError:
            problems.append(_("Date: %(v)s is not a date; write it as 2026-03-05 or 2026/3/5.") % {"v": _text(v.get("date"))})

    kind_text = _text(v.get("kind")).lower()
    kind = Post.Kind.ORIGINAL
    if kind_text:
        kind = KIND_NAMES.get(kind_text, "")
        if not kind:
            problems.append(_("Kind: %(v)s is neither 原创 (original) nor 转发 (repost).") % {"v": _text(v.get("kind"))})

    reads = None
    if v.get("reads") is None or _text(v.get("reads")) == "":
        problems.append(_("Reads: the number of reads is empty."))
    else:
        try:
            reads = parse_reads(v.get("reads"))
        except (ValueError, InvalidOperation):
            problems.append(_("Reads: %(v)s is not a whole number of reads (write 1200 or 1.2万).") % {"v": _text(v.get("reads"))[:30]})

    fields = {
        "partner": partner,
        "account": account,
        "title": title,
        "url": url,
        "published_on": published_on,
        "kind": kind,
        "reads": reads,
    }
    return fields, problems


# --- the import ------------------------------------------------------------------------------


def _check_actor(actor, partner: Partner | None) -> None:
    if perms.is_manager(actor):
        return
    own = perms.partner_of(actor)
    if partner is not None and own is not None and own.pk == partner.pk:
        return
    if partner is None and own is not None:
        raise NotAllowed(_("A partner uploads its own figures only."))
    raise NotAllowed(_("Only operators and the partner itself may upload readership figures."))


@transaction.atomic
def import_posts(*, actor, uploaded, partner: Partner | None = None) -> ImportResult:
    """Record the posts of an uploaded .xlsx or .csv file, or update their reads (the same link is
    the same post). ``partner=None``: an operator's file for all partners, with a partner column."""
    _check_actor(actor, partner)
    columns, rows = read_table(uploaded)
    required = [*REQUIRED, "partner"] if partner is None else list(REQUIRED)
    missing = [key for key in required if key not in columns]
    if missing:
        names = "、".join(f"{COLUMNS[key][0]}（{COLUMNS[key][1]}）" for key in missing)
        raise DomainError(_("The file lacks the columns %(names)s: nothing was imported.") % {"names": names})
    if not rows:
        raise DomainError(_("The file has no rows of data below its header."))

    result = ImportResult(total=len(rows))
    ctx = _Context(partner)
    partners_touched: set[int] = set()
    for row in rows:
        fields, problems = _clean_row(row, ctx)
        if problems:
            result.errors.append((row.number, "；".join(problems)))
            continue
        try:
            with transaction.atomic():
                post, created = services.upsert_post(actor=actor, source=Post.Source.UPLOAD, **fields)
        except DomainError as e:
            result.errors.append((row.number, e.message))
            continue
        except IntegrityError:
            result.errors.append((row.number, _("The row could not be saved: it conflicts with a post recorded already.")))
            continue
        ctx.urls[(post.partner_id, post.url)] = row.number
        partners_touched.add(post.partner_id)
        if created:
            result.created += 1
        else:
            result.updated += 1

    name = str(getattr(uploaded, "name", "") or "")[:100]
    audit.record(
        "partner.import",
        actor=actor,
        subject=partner or actor,
        summary=_("Uploaded %(f)s: %(c)s posts added, %(u)s updated, %(e)s rows refused of %(t)s")
        % {"f": name, "c": result.created, "u": result.updated, "e": len(result.errors), "t": result.total},
        data={
            "file": name,
            "created": result.created,
            "updated": result.updated,
            "refused": len(result.errors),
            "total": result.total,
            "partners": sorted(partners_touched),
            "errors": [[n, reason] for n, reason in result.errors[:50]],
        },
    )
    return result
