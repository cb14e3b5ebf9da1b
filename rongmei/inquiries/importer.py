"""Import historical questions with their answers (the format of messages_with_replies.csv).

The columns: ``msg_id``, ``subject``, ``msg_time``, ``detail``, ``reply``, ``reply_time`` (required)
and ``category``, ``unit``, ``kind``, ``location``, ``rating`` (optional). UTF-8 (a BOM is fine) or
GB18030, as spreadsheets save Chinese CSV. Times are local (Asia/Shanghai), ``YYYY-MM-DD HH:MM[:SS]``
(``/`` also accepted) or ISO 8601.

Each good row becomes a question that is answered and closed: receipt ``HIS-<msg_id>`` (so running the
import again skips the rows already in), public, its public version masked (masking.mask), one
published Reply from the unit at ``reply_time``, the citizen's timeline (received, answered) and one
audit line ``inquiry.import``. There is no app user and no phone: history has none, and no limit
or notice applies, so this does not go through ``services.submit``.

Which unit answered: the ``unit`` column when given (it must name a unit); else the first unit whose
name or short name (three characters or more) the reply mentions; else the fallback unit
``历史导入`` (``RONGMEI_INQUIRIES["IMPORT_FALLBACK_UNIT"]``), created on demand and not taking new
questions. Unrated rows are closed at the reply time, not left published: the sweep would otherwise
close them all on its next run, dated that day.

Bad rows are refused one by one, with their row number (the header is row 1) and the reason; the
good rows are kept. Rows are written in batches, each batch in one transaction, each row in its own
savepoint, so one row failing in the database loses only that row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.inquiries import masking
from rongmei.inquiries.models import Category, Event, Inquiry, Kind, Rating, Reply, State, Unit
from rongmei.inquiries.services import new_query_code

REQUIRED = ("msg_id", "subject", "msg_time", "detail", "reply", "reply_time")
OPTIONAL = ("category", "unit", "kind", "location", "rating")
RECEIPT_PREFIX = "HIS-"
DEFAULT_FALLBACK_UNIT = "历史导入"
BATCH = 200

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_KIND_WORDS = {"咨询": Kind.CONSULT, "投诉": Kind.COMPLAINT, "建议": Kind.SUGGESTION, "求助": Kind.HELP}
_RATING_WORDS = {"满意": Rating.SATISFIED, "基本满意": Rating.PARTLY, "不满意": Rating.UNSATISFIED}


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, missing columns); nothing was imported."""


@dataclass
class RowError:
    row: int
    msg_id: str
    reason: str
    values: dict = field(default_factory=dict)


@dataclass
class Result:
    total: int = 0
    created: int = 0
    skipped: int = 0  # already imported
    errors: list[RowError] = field(default_factory=list)
    fallback_used: int = 0
    dry_run: bool = False


@dataclass
class _Good:
    row: int
    msg_id: str
    subject: str
    detail: str
    reply: str
    asked: dt.datetime
    replied: dt.datetime
    kind: str
    location: str
    rating: str
    category: Category | None
    unit: Unit | None  # None: the fallback unit


class _Bad(Exception):
    pass


def read_csv(raw: bytes) -> tuple[list[str], list[dict]]:
    """Columns and rows of a CSV file's bytes: UTF-8 (with or without a BOM), else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            _("The file lacks the column(s) %(missing)s (found: %(found)s).")
            % {"missing": ", ".join(missing), "found": ", ".join(columns) or "-"}
        )
    rows = []
    for row in reader:
        row.pop(None, None)
        rows.append({k: (v or "") for k, v in row.items()})
    return columns, rows


def _time(value: str, label: str) -> dt.datetime:
    value = value.strip()
    if not value:
        raise _Bad(_("%(f)s is empty.") % {"f": label})
    moment = None
    for fmt in _TIME_FORMATS:
        try:
            moment = dt.datetime.strptime(value, fmt)  # noqa: DTZ007 - made aware just below
            break
        except ValueError:
            continue
    if moment is None:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise _Bad(_("%(f)s is not a date and time: %(v)s (write YYYY-MM-DD HH:MM:SS).") % {"f": label, "v": value[:40]}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class _Units:
    """Finds the unit an answer comes from; one pass over the units, then a scan per reply."""

    def __init__(self, fallback_name: str) -> None:
        self.by_name: dict[str, Unit] = {}
        self.names: list[tuple[str, Unit]] = []
        for unit in Unit.objects.all():
            self.by_name[unit.name] = unit
            if unit.short_name:
                self.by_name.setdefault(unit.short_name, unit)
            if unit.name == fallback_name or not unit.active:
                continue
            for name in {unit.name, unit.short_name}:
                if len(name) >= 3:
                    self.names.append((name, unit))
        # Longest first, so 住房和城乡建设局 wins over 建设局 at the same place.
        self.names.sort(key=lambda pair: -len(pair[0]))

    def named(self, name: str) -> Unit:
        unit = self.by_name.get(name.strip())
        if unit is None:
            raise _Bad(_("There is no unit called %(u)s.") % {"u": name.strip()[:40]})
        return unit

    def in_reply(self, text: str) -> Unit | None:
        best: tuple[int, int, Unit] | None = None
        for name, unit in self.names:
            at = text.find(name)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, -len(name), unit)
        return best[2] if best else None


def _check(row: dict, number: int, units: _Units, categories: dict[str, Category], now: dt.datetime) -> _Good:
    msg_id = row.get("msg_id", "").strip()
    if not msg_id:
        raise _Bad(_("msg_id is empty."))
    if not _ID_RE.match(msg_id):
        raise _Bad(_("msg_id %(v)s is not 1 to 16 letters, digits, - or _.") % {"v": msg_id[:40]})
    subject = " ".join(row.get("subject", "").split())
    if not subject:
        raise _Bad(_("The subject is empty."))
    if len(subject) > 60:
        raise _Bad(_("The subject is longer than 60 characters (%(n)s).") % {"n": len(subject)})
    detail = row.get("detail", "").strip()
    if not detail:
        raise _Bad(_("The question text (detail) is empty."))
    reply = row.get("reply", "").strip()
    if not reply:
        raise _Bad(_("The reply is empty."))
    asked = _time(row.get("msg_time", ""), "msg_time")
    replied = _time(row.get("reply_time", ""), "reply_time")
    if replied < asked:
        raise _Bad(_("reply_time comes before msg_time."))
    if replied > now:
        raise _Bad(_("reply_time is in the future."))
    kind_raw = row.get("kind", "").strip()
    kind = _KIND_WORDS.get(kind_raw, kind_raw) or Kind.CONSULT
    if kind not in Kind.values:
        raise _Bad(_("Unknown type %(v)s (咨询, 投诉, 建议 or 求助).") % {"v": kind_raw[:20]})
    rating_raw = row.get("rating", "").strip()
    rating = _RATING_WORDS.get(rating_raw, rating_raw)
    if rating and rating not in Rating.values:
        raise _Bad(_("Unknown rating %(v)s (满意, 基本满意 or 不满意).") % {"v": rating_raw[:20]})
    category = None
    if row.get("category", "").strip():
        category = categories.get(row["category"].strip())
        if category is None:
            raise _Bad(_("There is no category called %(c)s.") % {"c": row["category"].strip()[:40]})
    unit = units.named(row["unit"]) if row.get("unit", "").strip() else units.in_reply(reply)
    location = row.get("location", "").strip()[:40]
    return _Good(number, msg_id, subject, detail, reply, asked, replied, kind, location, rating, category, unit)


def _fallback_unit(name: str) -> Unit:
    unit, _created = Unit.objects.get_or_create(name=name, defaults={"short_name": name[:20], "active": False, "sort_order": 9999})
    return unit


def _write(good: _Good, fallback: Unit, actor) -> Inquiry:
    unit = good.unit or fallback
    public_title, title_spans = masking.mask_with_report(good.subject)
    public_body, body_spans = masking.mask_with_report(good.detail)
    closed = good.replied
    inquiry = Inquiry.objects.create(
        receipt=f"{RECEIPT_PREFIX}{good.msg_id}",
        query_code=new_query_code(),
        kind=good.kind,
        title=good.subject,
        body=good.detail,
        location=good.location,
        is_public=True,
        public_title=public_title,
        public_body=public_body,
        mask_spans=[{"field": "title", **asdict(s)} for s in title_spans] + [{"field": "body", **asdict(s)} for s in body_spans],
        state=State.CLOSED,
        category=good.category,
        lead_unit=unit,
        submitted_at=good.asked,
        screened_at=good.asked,
        forwarded_at=good.asked,
        accepted_at=good.asked,
        replied_at=good.replied,
        published_at=good.replied,
        rating=good.rating,
        rated_at=good.replied if good.rating else None,
        closed_at=closed,
    )
    Reply.objects.create(
        inquiry=inquiry,
        unit=unit,
        body=good.reply,
        public_body=masking.mask(good.reply),
        status=Reply.Status.PUBLISHED,
        created_at=good.replied,
        decided_at=good.replied,
    )
    Event.objects.bulk_create(
        [
            Event(
                inquiry=inquiry,
                action="submit",
                text=_("Question received, receipt number %(r)s.") % {"r": inquiry.receipt},
                state=State.SUBMITTED,
                created_at=good.asked,
            ),
            Event(
                inquiry=inquiry,
                action="publish",
                text=_("%(u)s answered.") % {"u": unit.name},
                state=State.PUBLISHED,
                unit=unit,
                created_at=good.replied,
            ),
            Event(
                inquiry=inquiry,
                action="import",
                text=_("Imported from the earlier platform (message %(id)s).") % {"id": good.msg_id},
                state=State.CLOSED,
                public=False,
                created_at=timezone.now(),
            ),
        ]
    )
    audit.record(
        "inquiry.import",
        actor=actor,
        subject=inquiry,
        summary=_("Imported historical question %(r)s") % {"r": inquiry.receipt},
        to_state=State.CLOSED,
        data={"source_id": good.msg_id, "row": good.row, "unit": unit.pk, "unit_found": good.unit is not None},
    )
    return inquiry


def import_rows(rows: Iterable[dict], *, actor=None, dry_run: bool = False, batch: int = BATCH) -> Result:
    """Import parsed rows (dicts by column name; row numbers count the header as row 1).

    ``dry_run`` checks everything and writes nothing. Returns counts and the refused rows."""
    rows = list(rows)
    now = timezone.now()
    fallback_name = getattr(settings, "RONGMEI_INQUIRIES", {}).get("IMPORT_FALLBACK_UNIT", DEFAULT_FALLBACK_UNIT)
    result = Result(total=len(rows), dry_run=dry_run)
    units = _Units(fallback_name)
    categories = {c.name: c for c in Category.objects.all()}
    existing = set(Inquiry.objects.filter(receipt__startswith=RECEIPT_PREFIX).values_list("receipt", flat=True).iterator(chunk_size=2000))
    seen: dict[str, int] = {}
    good_rows: list[_Good] = []
    for index, row in enumerate(rows):
        number = index + 2
        try:
            good = _check(row, number, units, categories, now)
        except _Bad as bad:
            result.errors.append(RowError(number, row.get("msg_id", "").strip(), str(bad), row))
            continue
        if f"{RECEIPT_PREFIX}{good.msg_id}" in existing:
            result.skipped += 1
            continue
        if good.msg_id in seen:
            result.errors.append(
                RowError(
                    number, good.msg_id, _("msg_id %(id)s appears already in row %(n)s.") % {"id": good.msg_id, "n": seen[good.msg_id]}, row
                )
            )
            continue
        seen[good.msg_id] = number
        good_rows.append(good)
    result.fallback_used = sum(1 for g in good_rows if g.unit is None)
    if dry_run:
        result.created = len(good_rows)
        return result
    fallback = _fallback_unit(fallback_name) if result.fallback_used else None
    for start in range(0, len(good_rows), batch):
        with transaction.atomic():
            for good in good_rows[start : start + batch]:
                try:
                    with transaction.atomic():
                        _write(good, fallback, actor)
                    result.created += 1
                except DatabaseError as exc:
                    # Another import took the same receipt meanwhile, or the row breaks a constraint.
                    result.errors.append(RowError(good.row, good.msg_id, _("Not saved: %(e)s") % {"e": str(exc)[:200]}, rows[good.row - 2]))
    result.errors.sort(key=lambda e: e.row)
    return result


def write_errors(errors: list[RowError], columns: list[str], out) -> None:
    """The refused rows as CSV: row, reason, then the row as it was, so a corrected file can be imported again."""
    columns = [c for c in columns if c not in ("row", "reason")]  # an errors file imported again
    writer = csv.writer(out)
    writer.writerow(["row", "reason", *columns])
    for error in errors:
        writer.writerow([error.row, error.reason, *(error.values.get(c, "") for c in columns)])
