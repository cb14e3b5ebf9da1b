"""Reads of the screening desk (/newsroom/wenzheng/) and the units portal (/units/).

The desk's queue and a unit's inbox are lists in tabs; each list costs a fixed number of queries
whatever it holds (the tests pin them). Deadlines and ages are counted in working days by
:mod:`rongmei.inquiries.workdays`, whose per-year cache makes that free after the first row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.core.crypto import normalise_phone
from rongmei.core.models import Notification
from rongmei.inquiries import services, workdays
from rongmei.inquiries.models import ANSWERED, FINAL, WITH_UNIT, Extension, Inquiry, Reply, State, Unit

SPAM_THRESHOLD = 0.5
_PHONE = re.compile(r"1[3-9]\d{9}")

# --- the desk's queue ------------------------------------------------------------------------------

SCREEN_STATES = (State.SUBMITTED, State.SCREENING)


@dataclass(frozen=True)
class Tab:
    key: str
    label: object


DESK_TABS = (
    Tab("screen", _("To screen")),
    Tab("check", _("Replies to check")),
    Tab("publish", _("To publish")),
    Tab("extensions", _("Extension requests")),
    Tab("handling", _("With units")),
    Tab("overdue", _("Overdue")),
    Tab("done", _("Finished")),
    Tab("all", _("All")),
)
DESK_TAB_KEYS = {t.key for t in DESK_TABS}


def desk_filter(tab: str, *, now: dt.datetime) -> Q:
    """The rows of one tab of the desk's queue."""
    if tab == "screen":
        return Q(state__in=SCREEN_STATES)
    if tab == "needs_info":
        return Q(state=State.NEEDS_INFO)
    if tab == "check":
        return Q(state=State.REPLIED)
    if tab == "publish":
        return Q(state=State.REPLY_APPROVED)
    if tab == "extensions":
        return Q(state__in=WITH_UNIT, extensions__status=Extension.Status.PENDING)
    if tab == "handling":
        return Q(state__in=WITH_UNIT)
    if tab == "overdue":
        return Q(state__in=WITH_UNIT, deadline__lt=now)
    if tab == "done":
        return Q(state__in=(*ANSWERED, *FINAL))
    return Q()


def desk_counts(*, now: dt.datetime | None = None) -> dict[str, int]:
    """How many questions each tab holds, in one query."""
    now = now or timezone.now()
    pending = Extension.objects.filter(status=Extension.Status.PENDING, inquiry__state__in=WITH_UNIT)
    aggregates = {
        key: Count("pk", filter=desk_filter(key, now=now))
        for key in ("screen", "needs_info", "check", "publish", "handling", "overdue", "done")
    }
    counts = Inquiry.objects.aggregate(all=Count("pk"), **aggregates)
    counts["extensions"] = pending.values("inquiry").distinct().count()
    return counts


def desk_queue(tab: str, *, search: str = "", now: dt.datetime | None = None) -> QuerySet[Inquiry]:
    """The questions of one tab; ``search`` matches the receipt number or the title (original or
    public), or is the citizen's whole mobile number."""
    now = now or timezone.now()
    rows = Inquiry.objects.filter(desk_filter(tab, now=now)).select_related("lead_unit", "category")
    if tab == "extensions":
        rows = rows.distinct().prefetch_related(
            Prefetch(
                "extensions",
                queryset=Extension.objects.filter(status=Extension.Status.PENDING).select_related("unit"),
                to_attr="pending_extensions",
            )
        )
    search = (search or "").strip()[:60]
    if search:
        found = Q(receipt__icontains=search) | Q(title__icontains=search) | Q(public_title__icontains=search)
        if _PHONE.fullmatch(normalise_phone(search)):
            # The phone is encrypted: equality on its keyed hash finds the citizen's other questions.
            found |= Q(phone=search)
        rows = rows.filter(found)
    if tab in ("screen", "needs_info", "check", "publish", "extensions"):
        return rows.order_by("submitted_at", "id")  # the oldest waits longest: first
    if tab in ("handling", "overdue"):
        return rows.order_by("deadline", "id")
    return rows.order_by("-submitted_at", "-id")


def screening_due(inquiry: Inquiry) -> dt.datetime:
    """When screening should be done: SCREEN_WITHIN_DAYS working days after submission."""
    return workdays.add_workdays(inquiry.submitted_at, services.conf("SCREEN_WITHIN_DAYS"))


def decorate_for_desk(rows: list[Inquiry], *, now: dt.datetime | None = None) -> list[Inquiry]:
    """Add what a row of the queue shows: age, screening due time, flags, the suggested route and the
    similar questions that are still open (their current state read in one query for the whole page)."""
    now = now or timezone.now()
    similar_ids = set()
    for q in rows:
        for item in (q.suggestions or {}).get("similar", [])[:5]:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                similar_ids.add(item["id"])
    current = {}
    if similar_ids:
        current = {
            pk: (receipt, title, state)
            for pk, receipt, title, state in Inquiry.objects.filter(pk__in=similar_ids).values_list("pk", "receipt", "title", "state")
        }
    for q in rows:
        suggestions = q.suggestions or {}
        q.age = now - q.submitted_at
        q.waits_for_screening = q.state in (*SCREEN_STATES, State.NEEDS_INFO)
        if q.waits_for_screening:
            q.screen_due = screening_due(q)
            q.screen_overdue = q.state != State.NEEDS_INFO and now > q.screen_due
        else:
            q.screen_due, q.screen_overdue = None, False
        q.route = suggestions.get("route") or {}
        q.likely_spam = (q.spam_score or 0) >= SPAM_THRESHOLD
        q.spam_reasons = suggestions.get("spam_reasons") or []
        q.sensitive_words = sorted({h.get("word", "") for h in (q.safety_hits or []) if isinstance(h, dict)} - {""})
        q.open_similar = [
            {
                "id": item["id"],
                "receipt": current[item["id"]][0],
                "title": current[item["id"]][1],
                "state": current[item["id"]][2],
                "state_label": State(current[item["id"]][2]).label,
                "score": item.get("score"),
            }
            for item in suggestions.get("similar", [])[:5]
            if isinstance(item, dict) and item.get("id") in current and current[item["id"]][2] not in FINAL
        ]
        _deadline_facts(q, now)
    return rows


def _deadline_facts(q: Inquiry, now: dt.datetime) -> None:
    q.overdue = q.is_overdue(now)
    q.days_left = workdays.workdays_between(now, q.deadline) if q.deadline and q.state in WITH_UNIT else None


# --- the desk's detail page -------------------------------------------------------------------------


def desk_question(pk: int) -> Inquiry:
    """One question with everything the detail page shows; raises Inquiry.DoesNotExist."""
    return (
        Inquiry.objects.select_related("lead_unit", "category", "merged_into", "lead", "asked_category", "asked_unit", "fan")
        .prefetch_related(
            "co_units",
            Prefetch("attachments", queryset=_citizen_files(), to_attr="citizen_files"),
            Prefetch("replies", queryset=Reply.objects.select_related("unit", "author").prefetch_related("attachments")),
            Prefetch("extensions", queryset=Extension.objects.select_related("unit", "requested_by", "decided_by")),
            "messages",
            Prefetch("events", queryset=_events()),
        )
        .get(pk=pk)
    )


def _citizen_files():
    from rongmei.inquiries.models import Attachment

    return Attachment.objects.filter(side=Attachment.Side.CITIZEN)


def _events():
    from rongmei.inquiries.models import Event

    return Event.objects.select_related("unit").order_by("created_at", "id")


def find_by_receipt(receipt: str) -> Inquiry | None:
    receipt = (receipt or "").strip().upper()
    return Inquiry.objects.filter(receipt=receipt).first() if receipt else None


def masked_runs(text: str, spans: list[dict], field: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The original and its masked form as runs of (text, kind-or-""), the found personal data marked."""
    from rongmei.inquiries import masking

    original, masked, pos = [], [], 0
    found = sorted((s for s in spans or [] if s.get("field") == field), key=lambda s: s.get("start", 0))
    for s in found:
        start, end, kind = int(s.get("start", 0)), int(s.get("end", 0)), str(s.get("kind", ""))
        if start < pos or end > len(text) or end <= start:
            continue
        if start > pos:
            original.append((text[pos:start], ""))
            masked.append((text[pos:start], ""))
        piece = text[start:end]
        original.append((piece, kind))
        masked.append((masking.mask(piece, [masking.Span(0, len(piece), kind, piece)]), kind))
        pos = end
    if pos < len(text):
        original.append((text[pos:], ""))
        masked.append((text[pos:], ""))
    return original, masked


# --- the units portal ---------------------------------------------------------------------------

UNIT_TABS = (
    Tab("new", _("To accept")),
    Tab("handling", _("Being handled")),
    Tab("replied", _("Replied, being checked")),
    Tab("sent_back", _("Sent back to redo")),
    Tab("done", _("Finished")),
    Tab("overdue", _("Overdue")),
)
UNIT_TAB_KEYS = {t.key for t in UNIT_TABS}


def _latest_reply_status():
    return Subquery(Reply.objects.filter(inquiry=OuterRef("pk")).order_by("-created_at", "-id").values("status")[:1])


def unit_filter(tab: str, *, now: dt.datetime) -> Q:
    if tab == "new":
        return Q(state=State.FORWARDED)
    if tab == "handling":
        # NULL (no reply yet) compared with anything is not true: say it apart.
        return Q(state=State.ACCEPTED) & (Q(last_reply_status__isnull=True) | ~Q(last_reply_status=Reply.Status.SENT_BACK))
    if tab == "sent_back":
        return Q(state=State.ACCEPTED, last_reply_status=Reply.Status.SENT_BACK)
    if tab == "replied":
        return Q(state__in=(State.REPLIED, State.REPLY_APPROVED))
    if tab == "done":
        return Q(state__in=ANSWERED)
    if tab == "overdue":
        return Q(state__in=WITH_UNIT, deadline__lt=now)
    return Q()


def _of_units(unit_ids: list[int]) -> QuerySet[Inquiry]:
    """The questions of these units: led by one of them, or given to one of them as co-unit."""
    co = Exists(Unit.co_inquiries.through.objects.filter(inquiry_id=OuterRef("pk"), unit_id__in=unit_ids))
    return Inquiry.objects.filter(Q(lead_unit_id__in=unit_ids) | co).annotate(last_reply_status=_latest_reply_status())


def unit_counts(unit_ids: list[int], *, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return _of_units(unit_ids).aggregate(**{t.key: Count("pk", filter=unit_filter(t.key, now=now)) for t in UNIT_TABS})


def unit_inbox(unit_ids: list[int], tab: str, *, now: dt.datetime | None = None) -> QuerySet[Inquiry]:
    now = now or timezone.now()
    rows = _of_units(unit_ids).filter(unit_filter(tab, now=now)).select_related("lead_unit", "category")
    if tab in ("done",):
        return rows.order_by("-published_at", "-id")
    return rows.order_by("deadline", "submitted_at", "id")


def decorate_for_unit(rows: list[Inquiry], unit_ids: list[int], *, now: dt.datetime | None = None) -> list[Inquiry]:
    now = now or timezone.now()
    for q in rows:
        q.is_co = q.lead_unit_id not in unit_ids
        q.sent_back = q.state == State.ACCEPTED and getattr(q, "last_reply_status", None) == Reply.Status.SENT_BACK
        _deadline_facts(q, now)
    return rows


def unread_notices(user, limit: int = 10) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user, kind__startswith="inquiry.", read_at__isnull=True).order_by("-created_at", "-id")[
            :limit
        ]
    )


def unit_question(pk: int, unit_ids: list[int]) -> Inquiry:
    """One question of these units with what the unit's page shows; raises Inquiry.DoesNotExist when
    it is not theirs (a question returned by the unit is no longer theirs)."""
    return (
        _of_units(unit_ids)
        .select_related("lead_unit", "category")
        .prefetch_related(
            "co_units",
            Prefetch("attachments", queryset=_citizen_files(), to_attr="citizen_files"),
            Prefetch("replies", queryset=Reply.objects.select_related("unit", "author").prefetch_related("attachments")),
            Prefetch("extensions", queryset=Extension.objects.select_related("unit")),
            "messages",
            Prefetch("events", queryset=_events()),
        )
        .get(pk=pk)
    )


def extension_room(inquiry: Inquiry) -> int:
    """How many working days an extension may still add (0: none), as services.request_extension counts."""
    return max(0, workdays.MAX_DEADLINE - workdays.deadline_days(inquiry.kind) - inquiry.extended_days)
