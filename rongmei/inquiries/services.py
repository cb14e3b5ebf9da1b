"""The one write path of 问政: every change of a question goes through a function here.

The state machine (docs/architecture.md, "问政"): ``submitted → screening → rejected | merged |
to_helpdesk | forwarded``; the desk may also ask the citizen for more (``needs_info``, back to
screening when answered); ``forwarded → accepted`` or returned by the unit (back to ``screening``,
counted); ``accepted → replied`` (the deadline counted in working days, extended on request);
``replied → reply_approved`` (or sent back to ``accepted``) ``→ published → rated → closed``; an
unsatisfied rating may reopen the question once (back to ``accepted`` at the same unit, with a new
deadline); questions past their deadline are escalated (督办).

Every transition locks the row, checks who may do it and from which state, saves, writes the audit
log and the citizen's timeline in the same transaction, and leaves notices and deadline tasks to
``transaction.on_commit``. Nothing here deletes a question: a rejected one keeps its reason and
stays visible to its author.

Actors: ``desk`` people (editors, column leads, the chief editor, operators, administrators) screen
and check replies; ``unit_staff`` act only for the units they belong to; citizens act as app users
(``fans.Fan``, logged in with an SMS code, so their phone is verified); ``actor=None`` is the
server itself (the deadline sweep, a management command).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.accounts.models import Role
from rongmei.core import audit, ratelimit, safety
from rongmei.core import uploads as upload_checks
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.input import strip_controls
from rongmei.inquiries import masking, workdays
from rongmei.inquiries.models import (
    WITH_UNIT,
    Attachment,
    Category,
    Event,
    Extension,
    Follow,
    Inquiry,
    Kind,
    Message,
    Rating,
    Reply,
    State,
    Unit,
)

log = logging.getLogger(__name__)

DESK_ROLES = (Role.EDITOR, Role.COLUMN_LEAD, Role.CHIEF_EDITOR, Role.OPERATOR, Role.ADMIN)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.SUBMITTED: (State.SCREENING, State.NEEDS_INFO, State.REJECTED, State.MERGED, State.TO_HELPDESK, State.FORWARDED),
    State.SCREENING: (State.NEEDS_INFO, State.REJECTED, State.MERGED, State.TO_HELPDESK, State.FORWARDED),
    State.NEEDS_INFO: (State.SCREENING, State.REJECTED, State.MERGED, State.TO_HELPDESK, State.FORWARDED),
    State.FORWARDED: (State.ACCEPTED, State.SCREENING, State.REPLIED),
    State.ACCEPTED: (State.REPLIED, State.SCREENING),
    State.REPLIED: (State.REPLY_APPROVED, State.ACCEPTED),
    State.REPLY_APPROVED: (State.PUBLISHED,),
    State.PUBLISHED: (State.RATED, State.CLOSED),
    State.RATED: (State.CLOSED, State.ACCEPTED),
    State.REJECTED: (),
    State.MERGED: (),
    State.TO_HELPDESK: (),
    State.CLOSED: (),
}


class NotFound(DomainError):
    status = 404


class Throttled(DomainError):
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="throttled")
        self.retry_after = retry_after


# --- settings ----------------------------------------------------------------------------------

DEFAULTS = {
    "TITLE_LENGTH": (10, 25),
    "BODY_LENGTH": (10, 3000),
    "LOCATION_LENGTH": (2, 40),
    "REASON_LENGTH": (4, 500),
    "REPLY_LENGTH": (10, 10000),
    "MAX_ATTACHMENTS": 9,
    "MAX_IMAGE_BYTES": 10 * 2**20,
    "MAX_VIDEO_BYTES": 200 * 2**20,
    "MAX_DOCUMENT_BYTES": 20 * 2**20,
    "MAX_FOLLOW_UPS": 3,
    "REOPEN_DAYS": 15,  # calendar days after the rating in which an unsatisfied citizen may reopen
    "AUTO_CLOSE_DAYS": 15,  # calendar days after publication without a rating: closed by the sweep
    "SCREEN_WITHIN_DAYS": 1,  # working days; FixMyStreet Zurich's rule
    "REMIND_HOUR": 9,  # local hour of the reminder on the deadline's last working day
    "HELPDESK_TEAM": "rongmeibang",
    "FAN_GAP": 60,
    # The same title and description from the same person within this many seconds is the same
    # question sent again (its answer was lost on the way: a web process died after saving it,
    # while Redis, and with it the per-person limit, was away): the earlier one is answered.
    "RESEND_SECONDS": 600,
    "FAN_DAY": (24 * 3600, 5),
    "ADDRESS_HOUR": (3600, 30),
}


def conf(name: str):
    return getattr(settings, "RONGMEI_INQUIRIES", {}).get(name, DEFAULTS[name])


# --- who may do what --------------------------------------------------------------------------


def is_desk(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in DESK_ROLES)


def is_unit_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role == Role.UNIT_STAFF)


def units_of(user) -> list[Unit]:
    if not is_unit_staff(user):
        return []
    return list(user.units.filter(active=True))


def acts_for(user, unit: Unit | None) -> bool:
    return unit is not None and is_unit_staff(user) and user.units.filter(pk=unit.pk).exists()


def sees_original(user, inquiry: Inquiry) -> bool:
    """Staff and the units given the question read the original text; everybody else the public version."""
    if is_desk(user):
        return True
    if not is_unit_staff(user):
        return False
    unit_ids = {u.pk for u in units_of(user)}
    return bool(unit_ids & ({inquiry.lead_unit_id} | set(inquiry.co_units.values_list("pk", flat=True))))


def _require_desk(actor) -> None:
    if actor is not None and not is_desk(actor):
        raise NotAllowed(_("Only the media center's screening desk may do this."))


def _require_unit(actor, inquiry: Inquiry) -> Unit:
    if not acts_for(actor, inquiry.lead_unit):
        raise NotAllowed(_("Only the staff of the unit handling this question may do this."))
    return inquiry.lead_unit


def _require_author(fan, inquiry: Inquiry) -> None:
    if fan is None or inquiry.fan_id != fan.pk:
        raise NotAllowed(_("Only the person who asked this question may do this."))


# --- text --------------------------------------------------------------------------------------


def clean(value: str | None, *, field: str, label, bounds: tuple[int, int]) -> str:
    value = strip_controls(value).strip()
    low, high = bounds
    if not value:
        raise DomainError(_("Enter the %(label)s.") % {"label": label}, field=field, code="required")
    if len(value) < low:
        raise DomainError(
            _("The %(label)s needs at least %(n)s characters (now %(m)s).") % {"label": label, "n": low, "m": len(value)}, field=field
        )
    if len(value) > high:
        raise DomainError(
            _("The %(label)s can have at most %(n)s characters (now %(m)s).") % {"label": label, "n": high, "m": len(value)}, field=field
        )
    return value


# --- receipts ----------------------------------------------------------------------------------

RECEIPT_PREFIX = "WZ"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud on the phone


def _next_receipt(day: dt.date) -> str:
    """The day's next receipt number. Call inside the transaction that stores the question: on
    PostgreSQL it takes the day's advisory lock first, so questions arriving at the same instant
    (a burst after a broadcast, 8 at once) get consecutive numbers instead of colliding; SQLite's
    write transactions are one at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RECEIPT_LOCK, int(f"{day:%Y%m%d}")])
    prefix = f"{RECEIPT_PREFIX}{day:%Y%m%d}-"
    last = Inquiry.objects.filter(receipt__startswith=prefix).order_by("-receipt").values_list("receipt", flat=True).first()
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


RECEIPT_LOCK = 0x52_45_43  # "REC": the advisory lock's first key; the second is the day


def new_query_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _i in range(8))


# --- uploads -----------------------------------------------------------------------------------

_IMAGE_TYPES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/webp": (b"RIFF",), "image/gif": (b"GIF8",)}
_VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm", "video/3gpp"}
_DOCUMENT_TYPES = {"application/pdf": (b"%PDF",)}


def _sniff(upload) -> str:
    """The content type judged from the first bytes (the browser's claim is not trusted)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for ctype, magics in {**_IMAGE_TYPES, **_DOCUMENT_TYPES}.items():
        if any(head.startswith(m) for m in magics):
            if ctype == "image/webp" and head[8:12] != b"WEBP":
                continue
            return ctype
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "video/quicktime" if brand == b"qt  " else ("video/3gpp" if brand.startswith(b"3g") else "video/mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return ""


def _check_image(upload, name: str) -> None:
    """The first bytes said picture: decode it (rongmei.core.uploads), so that a bomb, a damaged
    file or something else behind a picture's first bytes is refused."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        upload_checks.inspect_image(data)
    except upload_checks.BadImage as bad:
        if bad.kind == "too_many_pixels":
            raise DomainError(_("%(name)s has too many pixels.") % {"name": name}, field="files", code="too_large") from None
        raise DomainError(
            _("%(name)s is damaged or not a picture; send the photo again.") % {"name": name}, field="files", code="not_an_image"
        ) from None


def check_uploads(uploads: Iterable, *, allow_documents: bool = False) -> list[tuple[object, str]]:
    """Validate every file before anything is stored; returns (upload, content type). Raises DomainError naming the file."""
    uploads = [u for u in uploads if u is not None]
    if len(uploads) > conf("MAX_ATTACHMENTS"):
        raise DomainError(_("At most %(n)s files can be attached.") % {"n": conf("MAX_ATTACHMENTS")}, field="files")
    checked = []
    for upload in uploads:
        ctype = _sniff(upload)
        name = (getattr(upload, "name", "") or "file")[-100:]
        if ctype in _IMAGE_TYPES:
            limit = conf("MAX_IMAGE_BYTES")
        elif ctype in _VIDEO_TYPES:
            limit = conf("MAX_VIDEO_BYTES")
        elif ctype in _DOCUMENT_TYPES and allow_documents:
            limit = conf("MAX_DOCUMENT_BYTES")
        else:
            accepted = _("photos (JPEG, PNG, WebP, GIF), videos (MP4, MOV, WebM)") + ("、PDF" if allow_documents else "")
            raise DomainError(
                _("%(name)s is not a file we can take. Accepted: %(types)s.") % {"name": name, "types": accepted}, field="files"
            )
        if upload.size > limit:
            raise DomainError(
                _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": limit // 2**20}, field="files", code="too_large"
            )
        if ctype in _IMAGE_TYPES:
            _check_image(upload, name)
        checked.append((upload, ctype))
    return checked


def _store_uploads(inquiry: Inquiry, checked, *, side: str, reply: Reply | None = None) -> None:
    for upload, ctype in checked:
        upload.seek(0)
        Attachment.objects.create(
            inquiry=inquiry,
            reply=reply,
            side=side,
            file=upload,
            name=(getattr(upload, "name", "") or "file")[-200:],
            content_type=ctype,
            size=upload.size,
        )


# --- suggestions for the desk -------------------------------------------------------------------

_similar_lock = threading.Lock()
_similar_state: dict = {"index": None, "ids": {}}
SIMILAR_WINDOW_DAYS = 180
# Below this many questions of its own, the platform weighs words by a reference corpus of real
# questions (IDF computed once and kept under VAR_DIR/models).
OWN_IDF_MIN = 200


def fingerprint_of(inquiry: Inquiry):
    """The stored fingerprint, made (and stored) if missing: imported or older rows."""
    from rongmei.inquiries import similar

    if inquiry.fingerprint:
        return similar.Fingerprint.from_json(inquiry.fingerprint)
    fp = similar.fingerprint(inquiry.title, inquiry.body)
    Inquiry.objects.filter(pk=inquiry.pk).update(fingerprint=fp.as_json())
    inquiry.fingerprint = fp.as_json()
    return fp


def _similar_index():
    """The process's index of recent questions that are not rejected or merged, brought up to date.

    Fingerprints are stored with the questions, so (re)building costs no text segmentation."""
    from rongmei.inquiries import similar

    since = timezone.now() - dt.timedelta(days=SIMILAR_WINDOW_DAYS)
    candidates = Inquiry.objects.filter(submitted_at__gte=since).exclude(state__in=(State.REJECTED, State.MERGED))
    # id → receipt: a test database (rolled back) can give a new question an id the index has seen.
    current = dict(candidates.values_list("pk", "receipt"))
    index = _similar_state["index"]
    if index is None:
        index = similar.Index()
        if len(current) >= OWN_IDF_MIN:
            index.fit_fingerprints(fingerprint_of(q) for q in candidates.only("pk", "title", "body", "fingerprint"))
        else:
            index.set_document_frequencies(*_reference_frequencies())
        _similar_state["index"] = index
        _similar_state["ids"] = {}
    known = _similar_state["ids"]
    for pk in [pk for pk, receipt in known.items() if current.get(pk) != receipt]:
        index.remove(pk)
        del known[pk]
    for q in Inquiry.objects.filter(pk__in=current.keys() - known.keys()).only("pk", "receipt", "title", "body", "fingerprint"):
        index.add_fingerprint(q.pk, fingerprint_of(q))
        known[q.pk] = q.receipt
    return index


_reference_memo: dict = {}


def _reference_frequencies():
    """Document frequencies of real questions (messages_with_replies.csv), computed once and kept on disk."""
    import csv
    from collections import Counter
    from pathlib import Path

    import joblib

    from rongmei.inquiries import similar
    from rongmei.inquiries.classify import training_csv_path

    path = training_csv_path().parent / "messages_with_replies.csv"
    if not path.exists():
        return Counter(), 0
    cached = Path(settings.VAR_DIR) / "models" / "similar_reference_df.joblib"
    stamp = (path.stat().st_size, int(path.stat().st_mtime))
    if _reference_memo.get("stamp") == stamp:
        return _reference_memo["df"], _reference_memo["n"]
    try:
        saved = joblib.load(cached)
        if saved.get("stamp") == stamp:
            _reference_memo.update(saved)
            return saved["df"], saved["n"]
    except Exception:  # missing or unreadable: compute again
        log.info("computing the reference word frequencies of the similar-question index")
    df, n = Counter(), 0
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            df.update(similar.fingerprint(row.get("subject", ""), row.get("detail", "")).terms.keys())
            n += 1
    _reference_memo.update({"stamp": stamp, "df": df, "n": n})
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"stamp": stamp, "df": df, "n": n}, cached)
    except OSError:
        pass
    return df, n


def reset_similar_index() -> None:
    with _similar_lock:
        _similar_state["index"] = None
        _similar_state["ids"] = {}


def similar_questions(inquiry: Inquiry, limit: int = 5) -> list[dict]:
    with _similar_lock:
        index = _similar_index()
        found = index.similar(inquiry.title, inquiry.body, limit=limit, exclude=inquiry.pk)
    by_id = {q.pk: q for q in Inquiry.objects.filter(pk__in=[pk for pk, _s in found])}
    return [
        {"id": pk, "receipt": by_id[pk].receipt, "title": by_id[pk].title, "state": by_id[pk].state, "score": round(score, 3)}
        for pk, score in found
        if pk in by_id
    ]


def _classifier():
    from rongmei.inquiries import classify

    return classify.available_model()


def suggest_route(title: str, body: str) -> dict:
    """Category, unit and confidence from the classifier; {} when no model can be had."""
    try:
        prediction = _classifier().predict(title, body)
    except (FileNotFoundError, ValueError):
        log.warning("no classifier available: the desk routes without a suggestion")
        return {}
    category = Category.objects.filter(name=prediction.category, active=True).select_related("unit").first()
    unit = category.unit if category and category.unit and category.unit.active else None
    if unit is None:
        from rongmei.inquiries.classify import DEFAULT_UNITS

        unit = Unit.objects.filter(name=DEFAULT_UNITS.get(prediction.category, ""), active=True).first()
    return {
        "category": prediction.category,
        "category_id": category.pk if category else None,
        "unit": unit.name if unit else "",
        "unit_id": unit.pk if unit else None,
        "confidence": round(prediction.confidence, 3),
        "ranked": [[c, round(p, 3)] for c, p in prediction.ranked[:3]],
    }


_URL_RE = re.compile(r"https?://|www\.|\.com\b|\.cn\b", re.I)
_REPEAT_RE = re.compile(r"(.)\1{7,}")
_SPAM_WORDS = ("加微信", "加V", "代办", "贷款", "兼职", "刷单", "彩票", "博彩", "发票", "优惠券", "返利", "QQ群")


def spam_signals(inquiry: Inquiry) -> tuple[float, list[str]]:
    """A score in 0..1 and the reasons, for the desk to judge ("likely spam" at 0.5 or more). Nothing is refused on it."""
    text = f"{inquiry.title}\n{inquiry.body}"
    reasons = []
    if _URL_RE.search(text):
        reasons.append(_("contains a web address"))
    if _REPEAT_RE.search(text):
        reasons.append(_("the same character repeated many times"))
    words = [w for w in _SPAM_WORDS if w.lower() in text.lower()]
    if words:
        reasons.append(_("advertising words: %(w)s") % {"w": "、".join(words)})
    if inquiry.fan_id:
        since = inquiry.submitted_at - dt.timedelta(days=7)
        twins = Inquiry.objects.filter(fan_id=inquiry.fan_id, submitted_at__gte=since, body=inquiry.body).exclude(pk=inquiry.pk).count()
        if twins:
            reasons.append(_("the same text sent %(n)s times this week") % {"n": twins + 1})
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if len(text) >= 20 and cjk / len(text) < 0.3:
        reasons.append(_("little Chinese text"))
    score = min(1.0, 0.35 * len(reasons) + (0.3 if words else 0.0))
    return round(score, 2), [str(r) for r in reasons]


def compute_suggestions(inquiry: Inquiry) -> dict:
    """What the desk sees beside a new question. Never raises for a missing model or index."""
    route = suggest_route(inquiry.title, inquiry.body)
    try:
        similar = similar_questions(inquiry)
    except Exception:  # the index is a help, never a reason to lose a question
        log.exception("similar-question lookup failed for %s", inquiry.receipt)
        similar = []
    spam, spam_reasons = spam_signals(inquiry)
    return {"route": route, "similar": similar, "spam": spam, "spam_reasons": spam_reasons}


# --- the transition core ------------------------------------------------------------------------


def _lock(inquiry: Inquiry | int) -> Inquiry:
    pk = inquiry.pk if isinstance(inquiry, Inquiry) else inquiry
    found = Inquiry.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("This question was not found."))
    return found


def _event(inquiry: Inquiry, action: str, text, *, public: bool = True, unit: Unit | None = None, at=None) -> Event:
    with_lang = str(text)
    return Event.objects.create(
        inquiry=inquiry, action=action, text=with_lang[:300], state=inquiry.state, public=public, unit=unit, created_at=at or timezone.now()
    )


def _move(
    inquiry: Inquiry,
    to: str,
    *,
    actor,
    action: str,
    summary,
    timeline=None,
    public: bool = True,
    unit: Unit | None = None,
    data: dict | None = None,
    **changes,
) -> Inquiry:
    """Change the state of a locked question: check the transition, save, audit, timeline.

    Call inside the transaction that locked ``inquiry`` (``_lock``)."""
    current = inquiry.state
    if to not in TRANSITIONS.get(current, ()):
        raise StateConflict(_("This question is %(state)s; that cannot be done now.") % {"state": State(current).label}, code="wrong_state")
    for name, value in changes.items():
        setattr(inquiry, name, value)
    inquiry.state = to
    inquiry.version += 1
    inquiry.save()
    audit.record(action, actor=actor, subject=inquiry, summary=summary, from_state=current, to_state=to, data=data)
    _event(inquiry, action.removeprefix("inquiry."), timeline or summary, public=public, unit=unit)
    return inquiry


def _after_commit(fn: Callable[[], None]) -> None:
    def run():
        try:
            fn()
        except Exception:  # a notice or task that fails must not undo or hide the change
            log.exception("after-commit step of an inquiry change failed")

    transaction.on_commit(run)


def _tell_citizen(inquiry: Inquiry, text, *, kind: str) -> None:
    from rongmei.inquiries import notify

    _after_commit(lambda: notify.citizen(inquiry.pk, kind=kind, text=str(text)))


def _tell_unit(unit: Unit, inquiry: Inquiry, text, *, kind: str, leaders: bool = False) -> None:
    from rongmei.inquiries import notify

    _after_commit(lambda: notify.unit(unit.pk, inquiry.pk, kind=kind, text=str(text), leaders=leaders))


def _tell_followers(inquiry: Inquiry, text) -> None:
    from rongmei.inquiries import notify

    _after_commit(lambda: notify.followers(inquiry.pk, text=str(text)))


def _schedule_deadline(inquiry: Inquiry) -> None:
    from rongmei.inquiries import tasks

    pk, version = inquiry.pk, inquiry.version
    _after_commit(lambda: tasks.schedule_deadline_checks(pk, version))


# --- citizens ----------------------------------------------------------------------------------


def _sent_again(fan, title: str, body: str, now: dt.datetime) -> Inquiry | None:
    """The question this person sent with the same words within RESEND_SECONDS, if any."""
    since = now - dt.timedelta(seconds=conf("RESEND_SECONDS"))
    earlier = Inquiry.objects.filter(fan=fan, title=title, body=body, submitted_at__gte=since).order_by("-pk").first()
    if earlier is not None:
        log.info("inquiries: %s sent again by fan %s; the earlier question answers", earlier.receipt, fan.pk)
    return earlier


def _limits(fan_id: int, ip: str | None, now: float) -> None:
    gap, (day_window, day_max), (hour_window, hour_max) = conf("FAN_GAP"), conf("FAN_DAY"), conf("ADDRESS_HOUR")
    sent = ratelimit.recent(f"inq:fan:{fan_id}", day_window, now)
    if sent and now - sent[-1] < gap:
        wait = gap - (now - sent[-1])
        raise Throttled(
            _("You sent a question just now. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)}, retry_after=math.ceil(wait)
        )
    if len(sent) >= day_max:
        wait = day_window - (now - sent[-day_max])
        raise Throttled(
            _("You have sent %(n)s questions today, the most we take in a day. Try again in %(wait)s.")
            % {"n": day_max, "wait": ratelimit.wait_words(wait)},
            retry_after=math.ceil(wait),
        )
    if ip:
        asked = ratelimit.recent(f"inq:addr:{ip}", hour_window, now)
        if len(asked) >= hour_max:
            wait = hour_window - (now - asked[-hour_max])
            raise Throttled(
                _("Too many questions were sent from your network. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
                retry_after=math.ceil(wait),
            )


def submit(
    *,
    fan,
    kind: str,
    title: str,
    body: str,
    location: str,
    is_public: bool = True,
    category_id: int | None = None,
    unit_id: int | None = None,
    uploads: Iterable = (),
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> Inquiry:
    """Take a citizen's question: validate, store with a receipt number and a query code, mask a
    public version, and attach the desk's suggestions. Sensitive words flag the question for a
    person; nothing is refused for its content. Raises DomainError (a field), NotAllowed or Throttled.
    """
    if fan is None or getattr(fan, "banned", False):
        raise NotAllowed(_("Log in with your phone number to ask a question."))
    if kind not in Kind.values:
        raise DomainError(_("Choose the type of your question."), field="kind")
    title = clean(title, field="title", label=gettext_lazy("title"), bounds=tuple(conf("TITLE_LENGTH")))
    body = clean(body, field="body", label=gettext_lazy("description"), bounds=tuple(conf("BODY_LENGTH")))
    location = clean(location, field="location", label=gettext_lazy("town or village"), bounds=tuple(conf("LOCATION_LENGTH")))
    category = None
    if category_id:
        category = Category.objects.filter(pk=category_id, active=True).first()
        if category is None:
            raise DomainError(_("This category does not exist."), field="category")
    unit = None
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id, active=True).first()
        if unit is None:
            raise DomainError(_("This unit does not take questions."), field="unit")
    checked = check_uploads(uploads)
    now = now or timezone.now()
    stamp = now.timestamp()
    earlier = _sent_again(fan, title, body, now)
    if earlier is not None:
        return earlier  # its receipt again, not "you sent a question just now"
    _limits(fan.pk, ip, stamp)
    hits = safety.scan(f"{title}\n{body}\n{location}")
    from rongmei.inquiries import similar

    stored_print = similar.fingerprint(title, body).as_json()
    public_title, title_spans = masking.mask_with_report(title)
    public_body, body_spans = masking.mask_with_report(body)
    inquiry = None
    # Two questions in the same instant may pick the same number: the unique receipt refuses the
    # second, which takes the next number.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                receipt = _next_receipt(timezone.localdate(now))  # after the day's lock: earlier ones are seen
                earlier = _sent_again(fan, title, body, now)  # the same words at the same instant
                if earlier is not None:
                    return earlier
                inquiry = Inquiry.objects.create(
                    receipt=receipt,
                    query_code=new_query_code(),
                    fan=fan,
                    phone=getattr(fan, "phone", "") or "",
                    kind=kind,
                    title=title,
                    body=body,
                    location=location,
                    is_public=bool(is_public),
                    asked_category=category,
                    asked_unit=unit,
                    public_title=public_title,
                    public_body=public_body,
                    mask_spans=[{"field": "title", **asdict(s)} for s in title_spans]
                    + [{"field": "body", **asdict(s)} for s in body_spans],
                    safety_hits=[h.as_dict() for h in hits],
                    flagged=bool(hits),
                    fingerprint=stored_print,
                    submitted_at=now,
                )
                _store_uploads(inquiry, checked, side=Attachment.Side.CITIZEN)
                audit.record(
                    "inquiry.submit",
                    actor=None,
                    subject=inquiry,
                    summary=_("Question %(receipt)s received") % {"receipt": inquiry.receipt},
                    to_state=State.SUBMITTED,
                    data={"fan": fan.pk, "flagged": bool(hits), "words": sorted({h.word for h in hits})[:20]},
                )
                _event(inquiry, "submit", _("Question received, receipt number %(r)s.") % {"r": inquiry.receipt}, at=now)
            break
        except IntegrityError:
            inquiry = None
    if inquiry is None:
        raise StateConflict(_("Too many questions are arriving at this moment. Please send yours again."))
    ratelimit.record(f"inq:fan:{fan.pk}", conf("FAN_DAY")[0], stamp)
    if ip:
        ratelimit.record(f"inq:addr:{ip}", conf("ADDRESS_HOUR")[0], stamp)
    refresh_suggestions(inquiry)
    return inquiry


def refresh_suggestions(inquiry: Inquiry) -> Inquiry:
    """Compute the desk's suggestions again (after more information arrived, or by hand)."""
    suggestions = compute_suggestions(inquiry)
    spam = suggestions["spam"]
    Inquiry.objects.filter(pk=inquiry.pk).update(suggestions=suggestions, spam_score=spam)
    inquiry.suggestions, inquiry.spam_score = suggestions, spam
    return inquiry


def give_info(*, fan, inquiry: Inquiry, text: str, uploads: Iterable = ()) -> Inquiry:
    """The citizen answers the desk's request for more information; the question goes back to screening."""
    text = clean(text, field="text", label=gettext_lazy("information"), bounds=tuple(conf("BODY_LENGTH")))
    checked = check_uploads(uploads)
    with transaction.atomic():
        inquiry = _lock(inquiry)
        _require_author(fan, inquiry)
        # Without this a forwarded question (forwarded → screening is the unit's return) could be
        # pulled back from its unit by the citizen, keeping the unit and the deadline.
        if inquiry.state != State.NEEDS_INFO:
            raise StateConflict(_("No more information was asked for this question."))
        Message.objects.filter(inquiry=inquiry, kind=Message.Kind.INFO_REQUEST, answered=False).update(answered=True)
        Message.objects.create(inquiry=inquiry, kind=Message.Kind.INFO, body=text)
        _store_uploads(inquiry, checked, side=Attachment.Side.CITIZEN)
        _move(
            inquiry,
            State.SCREENING,
            actor=None,
            action="inquiry.info_given",
            summary=_("The citizen added information"),
            timeline=_("You added the information asked for; the question is being screened again."),
        )
    return inquiry


def follow_up(*, fan, inquiry: Inquiry, text: str) -> Message:
    """追问: the author asks the unit again about an answered question."""
    text = clean(text, field="text", label=gettext_lazy("follow-up question"), bounds=(5, 1000))
    with transaction.atomic():
        inquiry = _lock(inquiry)
        _require_author(fan, inquiry)
        if inquiry.state not in (State.PUBLISHED, State.RATED):
            raise StateConflict(_("You can ask a follow-up question once the answer is published."))
        if inquiry.messages.filter(kind=Message.Kind.FOLLOW_UP).count() >= conf("MAX_FOLLOW_UPS"):
            raise StateConflict(_("You have asked %(n)s follow-up questions, the most for one question.") % {"n": conf("MAX_FOLLOW_UPS")})
        message = Message.objects.create(inquiry=inquiry, kind=Message.Kind.FOLLOW_UP, body=text, unit=inquiry.lead_unit)
        audit.record("inquiry.follow_up", actor=None, subject=inquiry, summary=_("Follow-up question"), data={"message": message.pk})
        _event(inquiry, "follow_up", _("The citizen asked a follow-up question."))
        if inquiry.lead_unit:
            _tell_unit(inquiry.lead_unit, inquiry, _("Follow-up question on %(r)s") % {"r": inquiry.receipt}, kind="follow_up")
    return message


def rate(*, fan, inquiry: Inquiry, rating: str, reason: str = "") -> Inquiry:
    """满意 / 基本满意 / 不满意 (a reason required). A satisfied rating closes the question."""
    if rating not in Rating.values:
        raise DomainError(_("Choose 满意, 基本满意 or 不满意."), field="rating")
    reason = strip_controls(reason).strip()[:200]
    if rating == Rating.UNSATISFIED and len(reason) < 2:
        raise DomainError(_("Tell us why you are not satisfied."), field="reason", code="required")
    with transaction.atomic():
        inquiry = _lock(inquiry)
        _require_author(fan, inquiry)
        now = timezone.now()
        _move(
            inquiry,
            State.RATED,
            actor=None,
            action="inquiry.rate",
            summary=_("Rated: %(r)s") % {"r": Rating(rating).label},
            rating=rating,
            rating_reason=reason,
            rated_at=now,
            data={"rating": rating},
        )
        if rating != Rating.UNSATISFIED:
            _move(inquiry, State.CLOSED, actor=None, action="inquiry.close", summary=_("Closed"), closed_at=now)
        if inquiry.lead_unit:
            _tell_unit(
                inquiry.lead_unit, inquiry, _("%(r)s was rated: %(v)s") % {"r": inquiry.receipt, "v": Rating(rating).label}, kind="rated"
            )
    return inquiry


def reopen(*, fan, inquiry: Inquiry, reason: str = "") -> Inquiry:
    """An unsatisfied citizen sends the question back to the unit, once, within REOPEN_DAYS of rating it."""
    with transaction.atomic():
        inquiry = _lock(inquiry)
        _require_author(fan, inquiry)
        if inquiry.state != State.RATED or inquiry.rating != Rating.UNSATISFIED:
            raise StateConflict(_("Only a question you rated 不满意 can be reopened."))
        if inquiry.reopened >= 1:
            raise StateConflict(_("This question has been reopened once already."))
        if inquiry.rated_at and timezone.now() - inquiry.rated_at > dt.timedelta(days=conf("REOPEN_DAYS")):
            raise StateConflict(_("A question can be reopened within %(n)s days of rating it.") % {"n": conf("REOPEN_DAYS")})
        if inquiry.lead_unit is None:
            raise StateConflict(_("This question has no unit to send it back to."))
        now = timezone.now()
        reason = strip_controls(reason or inquiry.rating_reason).strip()[:500]
        if reason:
            Message.objects.create(inquiry=inquiry, kind=Message.Kind.FOLLOW_UP, body=reason, unit=inquiry.lead_unit)
        _move(
            inquiry,
            State.ACCEPTED,
            actor=None,
            action="inquiry.reopen",
            summary=_("Reopened by the citizen"),
            timeline=_("You were not satisfied; the question went back to %(u)s to be handled again.") % {"u": inquiry.lead_unit.name},
            reopened=inquiry.reopened + 1,
            accepted_at=now,
            deadline=workdays.add_workdays(now, workdays.deadline_days(inquiry.kind)),
            extended_days=0,
            reminded_at=None,
            escalated_at=None,
            unit=inquiry.lead_unit,
        )
        _tell_unit(
            inquiry.lead_unit, inquiry, _("%(r)s was reopened: the citizen is not satisfied") % {"r": inquiry.receipt}, kind="reopened"
        )
        _schedule_deadline(inquiry)
    return inquiry


def set_follow(*, fan, inquiry: Inquiry, keep: bool) -> bool:
    """关注 a published question (or stop). Returns whether the fan follows it now."""
    if fan is None:
        raise NotAllowed(_("Log in to follow a question."))
    if not keep:
        with transaction.atomic():
            if Follow.objects.filter(fan=fan, inquiry=inquiry).delete()[0]:
                Inquiry.objects.filter(pk=inquiry.pk).update(followers_count=F("followers_count") - 1)
        return False
    if not (inquiry.fan_id == fan.pk or (inquiry.is_public and not inquiry.hidden and inquiry.state not in (State.REJECTED, State.MERGED))):
        raise NotFound(_("This question was not found."))
    with transaction.atomic():
        _follow, created = Follow.objects.get_or_create(fan=fan, inquiry=inquiry)
        if created:
            Inquiry.objects.filter(pk=inquiry.pk).update(followers_count=F("followers_count") + 1)
    return True


# --- the screening desk --------------------------------------------------------------------------


def start_screening(*, actor, inquiry: Inquiry) -> Inquiry:
    _require_desk(actor)
    with transaction.atomic():
        inquiry = _lock(inquiry)
        if inquiry.state != State.SUBMITTED:
            return inquiry
        return _move(
            inquiry,
            State.SCREENING,
            actor=actor,
            action="inquiry.screen",
            summary=_("Screening started"),
            timeline=_("The media center is screening the question."),
        )


def edit_public_version(*, actor, inquiry: Inquiry, title: str, body: str) -> Inquiry:
    """The desk edits what the public reads; the original stays as written."""
    _require_desk(actor)
    title = clean(title, field="public_title", label=gettext_lazy("public title"), bounds=(2, 60))
    body = clean(body, field="public_body", label=gettext_lazy("public text"), bounds=(2, 10000))
    with transaction.atomic():
        inquiry = _lock(inquiry)
        if (title, body) == (inquiry.public_title, inquiry.public_body):
            return inquiry
        inquiry.public_title, inquiry.public_body = title, body
        inquiry.version += 1
        inquiry.save(update_fields=["public_title", "public_body", "version"])
        audit.record("inquiry.edit_public", actor=actor, subject=inquiry, summary=_("Public version edited"))
    return inquiry


def ask_for_info(*, actor, inquiry: Inquiry, question: str) -> Inquiry:
    _require_desk(actor)
    question = clean(question, field="question", label=gettext_lazy("question to the citizen"), bounds=tuple(conf("REASON_LENGTH")))
    with transaction.atomic():
        inquiry = _lock(inquiry)
        Message.objects.create(inquiry=inquiry, kind=Message.Kind.INFO_REQUEST, body=question, author=actor)
        _move(
            inquiry,
            State.NEEDS_INFO,
            actor=actor,
            action="inquiry.ask_info",
            summary=_("More information asked"),
            timeline=_("The media center asked you for more information: %(q)s") % {"q": question},
            screened_at=timezone.now(),
        )
        _tell_citizen(inquiry, _("Your question %(r)s needs more information: %(q)s") % {"r": inquiry.receipt, "q": question}, kind="info")
    return inquiry


def reject(*, actor, inquiry: Inquiry, reason: str) -> Inquiry:
    """Not accepted, with a reason the citizen reads. The question stays, visible to its author."""
    _require_desk(actor)
    reason = clean(reason, field="reason", label=gettext_lazy("reason"), bounds=tuple(conf("REASON_LENGTH")))
    with transaction.atomic():
        inquiry = _lock(inquiry)
        _move(
            inquiry,
            State.REJECTED,
            actor=actor,
            action="inquiry.reject",
            summary=_("Not accepted: %(r)s") % {"r": reason},
            timeline=_("Not accepted: %(r)s") % {"r": reason},
            reason=reason,
            screened_at=timezone.now(),
        )
        _tell_citizen(inquiry, _("Your question %(r)s was not accepted: %(why)s") % {"r": inquiry.receipt, "why": reason}, kind="rejected")
    return inquiry


def merge(*, actor, inquiry: Inquiry, into: Inquiry, note: str = "") -> Inquiry:
    """A duplicate joins an earlier question: its author follows that one and hears its answer."""
    _require_desk(actor)
    if into.pk == inquiry.pk:
        raise DomainError(_("A question cannot be merged into itself."), field="into")
    with transaction.atomic():
        # Lock both in id order so two desks merging crosswise cannot deadlock.
        first, second = sorted([inquiry.pk, into.pk])
        locked = {pk: _lock(pk) for pk in (first, second)}
        inquiry, into = locked[inquiry.pk], locked[into.pk]
        if into.state in (State.REJECTED, State.MERGED, State.TO_HELPDESK):
            raise StateConflict(_("The question to merge into is %(state)s.") % {"state": State(into.state).label})
        note = strip_controls(note).strip()[:500]
        _move(
            inquiry,
            State.MERGED,
            actor=actor,
            action="inquiry.merge",
            summary=_("Merged into %(r)s") % {"r": into.receipt},
            timeline=_("Merged with question %(r)s about the same matter; you will hear its answer.") % {"r": into.receipt},
            merged_into=into,
            reason=note,
            screened_at=timezone.now(),
            data={"into": into.pk},
        )
        _event(
            into, "merged_in", _("Question %(r)s about the same matter was merged into this one.") % {"r": inquiry.receipt}, public=False
        )
        if inquiry.fan_id:
            _f, created = Follow.objects.get_or_create(fan_id=inquiry.fan_id, inquiry=into)
            if created:
                Inquiry.objects.filter(pk=into.pk).update(followers_count=F("followers_count") + 1)
        _tell_citizen(
            inquiry,
            _("Your question %(r)s joined %(into)s about the same matter.") % {"r": inquiry.receipt, "into": into.receipt},
            kind="merged",
        )
    return inquiry


def hand_to_helpdesk(*, actor, inquiry: Inquiry, note: str = "") -> Inquiry:
    """融媒帮: the question becomes a newsroom lead for the help-desk team of reporters."""
    from rongmei.accounts.models import Team
    from rongmei.newsroom.models import Lead
    from rongmei.newsroom.services.leads import create_lead

    _require_desk(actor)
    note = strip_controls(note).strip()[:500]
    with transaction.atomic():
        inquiry = _lock(inquiry)
        if inquiry.state not in (State.SUBMITTED, State.SCREENING, State.NEEDS_INFO):
            raise StateConflict(_("This question is %(state)s; that cannot be done now.") % {"state": State(inquiry.state).label})
        team = Team.objects.filter(slug=conf("HELPDESK_TEAM")).first()
        description = f"{inquiry.public_body or inquiry.body}\n\n" + _("From 问政 %(r)s, %(place)s.") % {
            "r": inquiry.receipt,
            "place": inquiry.location,
        }
        if note:
            description += "\n" + note
        lead = create_lead(
            actor=actor,
            title=(inquiry.public_title or inquiry.title)[:80],
            description=description[:5000],
            source=Lead.Source.INQUIRY,
            source_contact=inquiry.receipt,
            team=team,
        )
        _move(
            inquiry,
            State.TO_HELPDESK,
            actor=actor,
            action="inquiry.to_helpdesk",
            summary=_("Handed to 融媒帮 (lead %(id)s)") % {"id": lead.pk},
            timeline=_("Handed to the 融媒帮 reporters, who will follow it up."),
            lead=lead,
            reason=note,
            screened_at=timezone.now(),
            data={"lead": lead.pk},
        )
        _tell_citizen(inquiry, _("Your question %(r)s was handed to the 融媒帮 reporters.") % {"r": inquiry.receipt}, kind="helpdesk")
    return inquiry


def forward(
    *,
    actor,
    inquiry: Inquiry,
    unit: Unit,
    co_units: Iterable[Unit] = (),
    category: Category | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Inquiry:
    """转办: give the question to a lead unit (and co-units) with a deadline in working days."""
    _require_desk(actor)
    if unit is None or not unit.active:
        raise DomainError(_("Choose a unit that takes questions."), field="unit")
    co_units = [u for u in co_units if u.pk != unit.pk]
    if any(not u.active for u in co_units):
        raise DomainError(_("A co-unit does not take questions."), field="co_units")
    now = now or timezone.now()
    with transaction.atomic():
        inquiry = _lock(inquiry)
        deadline = workdays.add_workdays(now, workdays.deadline_days(inquiry.kind))
        _move(
            inquiry,
            State.FORWARDED,
            actor=actor,
            action="inquiry.forward",
            summary=_("Forwarded to %(u)s") % {"u": unit.name},
            timeline=_("Forwarded to %(u)s, to be answered by %(d)s.")
            % {"u": unit.name, "d": timezone.localtime(deadline).strftime("%Y-%m-%d")},
            unit=unit,
            lead_unit=unit,
            category=category or inquiry.category,
            forwarded_at=now,
            screened_at=inquiry.screened_at or now,
            deadline=deadline,
            extended_days=0,
            reminded_at=None,
            escalated_at=None,
            reason=strip_controls(note).strip()[:500],
            data={
                "unit": unit.pk,
                "co_units": [u.pk for u in co_units],
                "category": (category or inquiry.category or None) and (category or inquiry.category).name,
            },
        )
        inquiry.co_units.set(co_units)
        for target in [unit, *co_units]:
            _tell_unit(target, inquiry, _("New question %(r)s: %(t)s") % {"r": inquiry.receipt, "t": inquiry.shown_title}, kind="forwarded")
        _tell_citizen(inquiry, _("Your question %(r)s was forwarded to %(u)s.") % {"r": inquiry.receipt, "u": unit.name}, kind="forwarded")
        _schedule_deadline(inquiry)
        if category is not None:
            from rongmei.inquiries import classify

            _after_commit(classify.routing_changed)
    return inquiry


def hide(*, actor, inquiry: Inquiry, hidden: bool, reason: str = "") -> Inquiry:
    _require_desk(actor)
    with transaction.atomic():
        inquiry = _lock(inquiry)
        if inquiry.hidden == hidden:
            return inquiry
        inquiry.hidden = hidden
        inquiry.save(update_fields=["hidden"])
        audit.record(
            "inquiry.hide" if hidden else "inquiry.show",
            actor=actor,
            subject=inquiry,
            summary=(reason or "")[:300] or ("hidden" if hidden else "shown"),
        )
    return inquiry


def decide_extension(*, actor, extension: Extension, grant: bool, note: str = "") -> Extension:
    """The desk grants (the deadline moves by the days asked) or refuses a unit's request."""
    _require_desk(actor)
    with transaction.atomic():
        inquiry = _lock(extension.inquiry_id)
        extension = Extension.objects.select_for_update().get(pk=extension.pk)
        if extension.status != Extension.Status.PENDING:
            raise StateConflict(_("This request has been decided already."))
        if inquiry.state not in WITH_UNIT:
            raise StateConflict(_("The question is no longer with the unit."))
        now = timezone.now()
        extension.status = Extension.Status.GRANTED if grant else Extension.Status.REFUSED
        extension.decided_by, extension.decided_at = actor, now
        extension.save()
        if grant:
            inquiry.deadline = workdays.add_workdays(inquiry.deadline or now, extension.days)
            inquiry.extended_days += extension.days
            inquiry.reminded_at = None
            inquiry.version += 1
            inquiry.save()
            text = _("Extension of %(n)s working days granted; now due %(d)s.") % {
                "n": extension.days,
                "d": timezone.localtime(inquiry.deadline).strftime("%Y-%m-%d"),
            }
            _schedule_deadline(inquiry)
        else:
            text = _("Extension refused.") + (f" {note}" if note else "")
        audit.record(
            "inquiry.extension_granted" if grant else "inquiry.extension_refused",
            actor=actor,
            subject=inquiry,
            summary=text,
            data={"extension": extension.pk, "days": extension.days},
        )
        _event(inquiry, "extension", text, unit=extension.unit)
        _tell_unit(extension.unit, inquiry, f"{inquiry.receipt}: {text}", kind="extension")
    return extension


def approve_reply(*, actor, reply: Reply, public_body: str | None = None) -> Reply:
    """The desk accepts the unit's reply (optionally editing the public text)."""
    _require_desk(actor)
    with transaction.atomic():
        inquiry = _lock(reply.inquiry_id)
        reply = Reply.objects.select_for_update().get(pk=reply.pk)
        if reply.status != Reply.Status.SUBMITTED:
            raise StateConflict(_("This reply has been decided already."))
        if public_body is not None:
            reply.public_body = clean(public_body, field="public_body", label=gettext_lazy("public text"), bounds=(2, 10000))
        elif not reply.public_body:
            reply.public_body = masking.mask(reply.body)
        reply.status, reply.decided_at = Reply.Status.APPROVED, timezone.now()
        reply.save()
        _move(
            inquiry,
            State.REPLY_APPROVED,
            actor=actor,
            action="inquiry.approve_reply",
            summary=_("Reply approved"),
            timeline=_("The reply passed the media center's check."),
            data={"reply": reply.pk},
        )
    return reply


def send_back_reply(*, actor, reply: Reply, note: str) -> Reply:
    """The reply does not answer the question: back to the unit with the desk's note; the deadline still runs."""
    _require_desk(actor)
    note = clean(note, field="note", label=gettext_lazy("note to the unit"), bounds=tuple(conf("REASON_LENGTH")))
    with transaction.atomic():
        inquiry = _lock(reply.inquiry_id)
        reply = Reply.objects.select_for_update().get(pk=reply.pk)
        if reply.status != Reply.Status.SUBMITTED:
            raise StateConflict(_("This reply has been decided already."))
        reply.status, reply.desk_note, reply.decided_at = Reply.Status.SENT_BACK, note, timezone.now()
        reply.save()
        _move(
            inquiry,
            State.ACCEPTED,
            actor=actor,
            action="inquiry.send_back_reply",
            summary=_("Reply sent back: %(n)s") % {"n": note},
            timeline=_("The reply was sent back to the unit to be completed."),
            data={"reply": reply.pk},
        )
        _tell_unit(reply.unit, inquiry, _("Your reply to %(r)s was sent back: %(n)s") % {"r": inquiry.receipt, "n": note}, kind="sent_back")
    return reply


def publish(*, actor, inquiry: Inquiry) -> Inquiry:
    """The approved reply goes out: to the author always, and to the public when the question is public."""
    _require_desk(actor)
    with transaction.atomic():
        inquiry = _lock(inquiry)
        reply = inquiry.replies.filter(status=Reply.Status.APPROVED).order_by("-created_at").first()
        if reply is None and inquiry.state == State.REPLY_APPROVED:
            raise StateConflict(_("There is no approved reply to publish."))
        now = timezone.now()
        _move(
            inquiry,
            State.PUBLISHED,
            actor=actor,
            action="inquiry.publish",
            summary=_("Answer published"),
            timeline=_("%(u)s answered.") % {"u": reply.unit.name} if reply else _("Answered."),
            published_at=now,
        )
        if reply:
            reply.status = Reply.Status.PUBLISHED
            reply.save(update_fields=["status"])
        _tell_citizen(
            inquiry, _("Your question %(r)s has been answered. Please rate the answer.") % {"r": inquiry.receipt}, kind="answered"
        )
        _tell_followers(inquiry, _("A question you follow was answered: %(t)s") % {"t": inquiry.shown_title})
        for merged in inquiry.merged.all():
            _tell_citizen(merged, _("The question %(r)s, which yours joined, has been answered.") % {"r": inquiry.receipt}, kind="answered")
    return inquiry


def close(*, actor, inquiry: Inquiry, note: str = "") -> Inquiry:
    """Close a rated question (or an answered one never rated; the sweep does that after AUTO_CLOSE_DAYS)."""
    _require_desk(actor)
    with transaction.atomic():
        inquiry = _lock(inquiry)
        return _move(
            inquiry,
            State.CLOSED,
            actor=actor,
            action="inquiry.close",
            summary=_("Closed") + (f": {note}" if note else ""),
            timeline=_("Closed."),
            closed_at=timezone.now(),
        )


# --- units ------------------------------------------------------------------------------------


def accept(*, actor, inquiry: Inquiry) -> Inquiry:
    with transaction.atomic():
        inquiry = _lock(inquiry)
        unit = _require_unit(actor, inquiry)
        if inquiry.state != State.FORWARDED:
            raise StateConflict(_("This question is %(state)s; that cannot be done now.") % {"state": State(inquiry.state).label})
        return _move(
            inquiry,
            State.ACCEPTED,
            actor=actor,
            action="inquiry.accept",
            summary=_("Accepted by %(u)s") % {"u": unit.name},
            timeline=_("%(u)s accepted the question and is handling it.") % {"u": unit.name},
            unit=unit,
            accepted_at=timezone.now(),
        )


def return_to_desk(*, actor, inquiry: Inquiry, reason: str) -> Inquiry:
    """退回: not this unit's matter. Back to screening with the reason; the unit's returns are counted."""
    reason = clean(reason, field="reason", label=gettext_lazy("reason"), bounds=tuple(conf("REASON_LENGTH")))
    with transaction.atomic():
        inquiry = _lock(inquiry)
        unit = _require_unit(actor, inquiry)
        _move(
            inquiry,
            State.SCREENING,
            actor=actor,
            action="inquiry.return",
            summary=_("Returned by %(u)s: %(r)s") % {"u": unit.name, "r": reason},
            timeline=_("%(u)s said the matter is not theirs; the media center is routing it again.") % {"u": unit.name},
            public=True,
            unit=unit,
            returns=inquiry.returns + 1,
            lead_unit=None,
            deadline=None,
            reminded_at=None,
            escalated_at=None,
            reason=reason,
            data={"unit": unit.pk, "reason": reason},
        )
        inquiry.co_units.clear()
        Extension.objects.filter(inquiry=inquiry, status=Extension.Status.PENDING).update(
            status=Extension.Status.REFUSED, decided_at=timezone.now()
        )
    return inquiry


def request_extension(*, actor, inquiry: Inquiry, days: int, reason: str) -> Extension:
    reason = clean(reason, field="reason", label=gettext_lazy("reason"), bounds=tuple(conf("REASON_LENGTH")))
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError(_("Enter the number of working days."), field="days") from None
    with transaction.atomic():
        inquiry = _lock(inquiry)
        unit = _require_unit(actor, inquiry)
        if inquiry.state not in WITH_UNIT:
            raise StateConflict(_("An extension can be asked only while the unit is handling the question."))
        if inquiry.extensions.filter(status=Extension.Status.PENDING).exists():
            raise StateConflict(_("An extension request is already waiting for the desk."))
        if inquiry.extensions.filter(
            status=Extension.Status.GRANTED, created_at__gte=inquiry.forwarded_at or inquiry.submitted_at
        ).exists():
            raise StateConflict(_("An extension has been granted already; only one is allowed."))
        room = workdays.MAX_DEADLINE - workdays.deadline_days(inquiry.kind) - inquiry.extended_days
        if room < 1:
            raise StateConflict(_("The deadline is at its longest (%(n)s working days).") % {"n": workdays.MAX_DEADLINE})
        if not 1 <= days <= room:
            raise DomainError(_("Ask for 1 to %(n)s working days.") % {"n": room}, field="days")
        extension = Extension.objects.create(inquiry=inquiry, unit=unit, days=days, reason=reason, requested_by=actor)
        audit.record(
            "inquiry.extension_requested",
            actor=actor,
            subject=inquiry,
            summary=_("%(u)s asked for %(n)s more working days") % {"u": unit.name, "n": days},
            data={"extension": extension.pk, "days": days},
        )
        _event(
            inquiry, "extension_requested", _("%(u)s asked for more time: %(r)s") % {"u": unit.name, "r": reason}, public=False, unit=unit
        )
    return extension


def submit_reply(*, actor, inquiry: Inquiry, body: str, uploads: Iterable = ()) -> Reply:
    """答复: the unit's answer goes to the desk's check (empty, template-like or off-topic answers are flagged there)."""
    from rongmei.inquiries.reply_check import check_reply

    body = clean(body, field="body", label=gettext_lazy("reply"), bounds=tuple(conf("REPLY_LENGTH")))
    checked = check_uploads(uploads, allow_documents=True)
    with transaction.atomic():
        inquiry = _lock(inquiry)
        unit = _require_unit(actor, inquiry)
        now = timezone.now()
        on_time = inquiry.deadline is None or now <= inquiry.deadline
        reply = Reply.objects.create(inquiry=inquiry, unit=unit, author=actor, body=body, checks=check_reply(inquiry, body, unit))
        _store_uploads(inquiry, checked, side=Attachment.Side.UNIT, reply=reply)
        _move(
            inquiry,
            State.REPLIED,
            actor=actor,
            action="inquiry.reply",
            summary=_("Replied by %(u)s") % {"u": unit.name},
            timeline=_("%(u)s replied; the media center is checking the reply.") % {"u": unit.name},
            unit=unit,
            replied_at=now,
            accepted_at=inquiry.accepted_at or now,
            data={"reply": reply.pk, "on_time": on_time, "flags": [c["code"] for c in reply.checks]},
        )
    return reply


def answer_follow_up(*, actor, message: Message, text: str) -> Message:
    text = clean(text, field="text", label=gettext_lazy("answer"), bounds=(2, 5000))
    with transaction.atomic():
        inquiry = _lock(message.inquiry_id)
        unit = _require_unit(actor, inquiry)
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.kind != Message.Kind.FOLLOW_UP or message.answered:
            raise StateConflict(_("This follow-up question has been answered already."))
        message.answered = True
        message.save(update_fields=["answered"])
        answer = Message.objects.create(inquiry=inquiry, kind=Message.Kind.FOLLOW_UP_ANSWER, body=text, unit=unit, author=actor)
        audit.record("inquiry.follow_up_answer", actor=actor, subject=inquiry, summary=_("Follow-up answered by %(u)s") % {"u": unit.name})
        _event(inquiry, "follow_up_answer", _("%(u)s answered the follow-up question.") % {"u": unit.name}, unit=unit)
        _tell_citizen(
            inquiry, _("%(u)s answered your follow-up question on %(r)s.") % {"u": unit.name, "r": inquiry.receipt}, kind="follow_up"
        )
    return answer


# --- deadlines ---------------------------------------------------------------------------------


def remind_at(inquiry: Inquiry) -> dt.datetime | None:
    """The morning of the last working day before the deadline ends."""
    if inquiry.deadline is None:
        return None
    local = timezone.localtime(inquiry.deadline)
    return local.replace(hour=conf("REMIND_HOUR"), minute=0, second=0, microsecond=0)


def remind(*, inquiry: Inquiry, now: dt.datetime | None = None) -> bool:
    """Tell the unit its question is due today. Once per deadline; False when not due or no longer with the unit."""
    now = now or timezone.now()
    with transaction.atomic():
        inquiry = _lock(inquiry)
        due = remind_at(inquiry)
        if inquiry.state not in WITH_UNIT or inquiry.reminded_at or due is None or now < due or now > inquiry.deadline:
            return False
        inquiry.reminded_at = now
        inquiry.save(update_fields=["reminded_at"])
        audit.record("inquiry.remind", actor=None, subject=inquiry, summary=_("Reminder: due today"))
        _event(
            inquiry,
            "remind",
            _("Reminder sent to %(u)s: the answer is due today.") % {"u": inquiry.lead_unit.name},
            public=False,
            unit=inquiry.lead_unit,
        )
        _tell_unit(
            inquiry.lead_unit, inquiry, _("Due today: %(r)s %(t)s") % {"r": inquiry.receipt, "t": inquiry.shown_title}, kind="reminder"
        )
    return True


def escalate(*, inquiry: Inquiry, now: dt.datetime | None = None) -> bool:
    """督办: past the deadline and still with the unit. Its leader and the supervising unit are told; the question is listed as overdue."""
    now = now or timezone.now()
    with transaction.atomic():
        inquiry = _lock(inquiry)
        if inquiry.state not in WITH_UNIT or inquiry.escalated_at or inquiry.deadline is None or now <= inquiry.deadline:
            return False
        unit = inquiry.lead_unit
        inquiry.escalated_at = now
        inquiry.save(update_fields=["escalated_at"])
        audit.record("inquiry.escalate", actor=None, subject=inquiry, summary=_("Overdue: escalated (督办)"), data={"unit": unit.pk})
        _event(inquiry, "escalate", _("Overdue: the media center is pressing %(u)s for an answer (督办).") % {"u": unit.name}, unit=unit)
        text = _("Overdue (督办): %(r)s %(t)s was due %(d)s") % {
            "r": inquiry.receipt,
            "t": inquiry.shown_title,
            "d": timezone.localtime(inquiry.deadline).strftime("%Y-%m-%d"),
        }
        _tell_unit(unit, inquiry, text, kind="escalated", leaders=True)
        if unit.parent_id:
            _tell_unit(unit.parent, inquiry, _("%(u)s: ") % {"u": unit.name} + text, kind="escalated", leaders=True)
    return True


def sweep(*, now: dt.datetime | None = None) -> dict:
    """What the deferred tasks would have done, for anything they missed: reminders, 督办, closing unrated answers."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0, "closed": 0}
    for inquiry in Inquiry.objects.filter(state__in=WITH_UNIT, reminded_at__isnull=True, deadline__isnull=False).only("pk", "deadline"):
        due = remind_at(inquiry)
        if due and due <= now <= inquiry.deadline and remind(inquiry=inquiry, now=now):
            counts["reminded"] += 1
    for inquiry in Inquiry.objects.filter(state__in=WITH_UNIT, escalated_at__isnull=True, deadline__lt=now).only("pk"):
        if escalate(inquiry=inquiry, now=now):
            counts["escalated"] += 1
    stale = now - dt.timedelta(days=conf("AUTO_CLOSE_DAYS"))
    for inquiry in Inquiry.objects.filter(state=State.PUBLISHED, published_at__lt=stale).only("pk"):
        with transaction.atomic():
            locked = _lock(inquiry)
            if locked.state == State.PUBLISHED:
                _move(locked, State.CLOSED, actor=None, action="inquiry.close", summary=_("Closed: not rated in time"), closed_at=now)
                counts["closed"] += 1
    return counts
