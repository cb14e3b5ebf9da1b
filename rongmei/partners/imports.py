"""Readership uploaded as a file (Excel .xlsx or CSV): one row per post, written through
``services.upsert_post`` so an upload behaves exactly like a post entered by hand.

Each row is saved in its own savepoint: a bad row is refused with its row number (the header is
row 1) and the reason, the good rows are kept. A file that cannot be read at all, lacks a
required column or is too large is refused as a whole and nothing is imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.input import strip_controls
from rongmei.partners import permissions as perms
from rongmei.partners import services
from rongmei.partners.models import Account, Partner, Platform, Post

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
HEADER_SEARCH_ROWS = 5  # a title line above the header row is tolerated
MAX_READS = 10**9

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
UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000}
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_READS_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|w|亿)?$", re.IGNORECASE)
# Excel's serial day numbers for 2000-01-01 and 2099-12-31: a date cell saved without a date format.
_SERIAL_RANGE = (36526, 73415)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    total: int = 0  # rows of data read (blank rows not counted)

    @property
    def saved(self) -> int:
        return self.created + self.updated


@dataclass
class _Row:
    number: int
    values: dict[str, object]


# --- reading the file ------------------------------------------------------------------------


def _normalise_header(value) -> str:
    text = strip_controls(str(value or "")).strip().lower()
    text = re.sub(r"[（(].*?[)）]", "", text)
    return re.sub(r"[\s_*:：]", "", text)


_HEADER_KEYS = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}


def _is_blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _read_bytes(uploaded) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB; split it into smaller files.") % {"mb": MAX_BYTES // 2**20})
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB; split it into smaller files.") % {"mb": MAX_BYTES // 2**20})
    if not data:
        raise DomainError(_("The file is empty."))
    return data


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    unreadable = _("The file could not be read as an Excel workbook (.xlsx). Save it again from Excel or WPS.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DomainError(unreadable) from None
    if unpacked > MAX_UNPACKED_BYTES:
        # A few MB of workbook never unpacks to this much; a crafted one would fill the memory.
        raise DomainError(
            _("The workbook unpacks to more than %(mb)s MB; split it into smaller files.") % {"mb": MAX_UNPACKED_BYTES // 2**20}
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of error on a damaged file
        raise DomainError(unreadable) from None
    try:
        rows = iter(book.worksheets[0].iter_rows(values_only=True))
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except Exception:  # noqa: BLE001 - a damaged sheet fails only as it is read
                raise DomainError(unreadable) from None
            number += 1
            yield number, list(cells)
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise DomainError(_("The file is not a CSV text file. Upload an Excel workbook (.xlsx) or a CSV file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(_("The CSV file is neither UTF-8 nor GB18030 (GBK) text. Save it again as CSV (UTF-8).")) from None


def _csv_rows(data: bytes):
    text = _decode(data)
    # Excel saves CSV with commas, or semicolons in some locales; a copy from a web page has tabs.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as e:
        raise DomainError(_("The CSV file could not be read: %(e)s") % {"e": e}) from None


def _rows_of(uploaded, data: bytes):
    name = str(getattr(uploaded, "name", "") or "")
    ext = PurePath(name).suffix.lower()
    content_type = str(getattr(uploaded, "content_type", "") or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError(_("Old Excel files (.xls) are not read. Save the sheet as .xlsx (Excel 2007 or later) or as CSV."))
    if ext in (".csv", ".txt") or content_type in ("text/csv", "text/plain", "application/csv"):
        return _csv_rows(data)
    if ext == ".xlsx":
        raise DomainError(_("The file could not be read as an Excel workbook (.xlsx). Save it again from Excel or WPS."))
    raise DomainError(_("Upload an Excel workbook (.xlsx) or a CSV file; this file is neither."))


def read_table(uploaded) -> tuple[dict[str, int], list[_Row]]:
    """The file's columns (key -> position) and its non-blank rows of data. Refuses the whole
    file when it cannot be read, lacks a required column or holds too many rows."""
    data = _read_bytes(uploaded)
    columns: dict[str, int] | None = None
    rows: list[_Row] = []
    for number, cells in _rows_of(uploaded, data):
        if columns is None:
            found: dict[str, int] = {}
            for position, cell in enumerate(cells):
                key = _HEADER_KEYS.get(_normalise_header(cell))
                if key and key not in found:
                    found[key] = position
            if len(found) >= 2:
                columns = found
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if _is_blank(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise DomainError(_("The file has more than %(n)s rows of data; split it into smaller files.") % {"n": MAX_ROWS})
        rows.append(_Row(number, {key: (cells[pos] if pos < len(cells) else None) for key, pos in columns.items()}))
    if columns is None:
        raise DomainError(
            _("The file has no header row: the first row names the columns (%(names)s …).")
            % {"names": "、".join(COLUMNS[key][0] for key in REQUIRED)}
        )
    return columns, rows


# --- cleaning one row ------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_controls(str(value)).strip()


def parse_reads(value) -> int:
    """A non-negative whole number: 1200, "1,200", 1200.0, "1.2万" (12000)."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = _text(value).replace(",", "").replace("，", "").replace(" ", "")
        match = _READS_RE.match(text)
        if not match:
            raise ValueError
        number = Decimal(match.group(1))
        if match.group(2):
            number = (number * UNITS[match.group(2).lower()]).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if number < 0 or number != number.to_integral_value() or number > MAX_READS:
        raise ValueError
    return int(number)


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    match = _DATE_RE.match(_text(value))
    if not match:
        raise ValueError
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


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
