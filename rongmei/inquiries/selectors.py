"""The citizens' reads of 问政: the published questions and answers, the overdue list, one question
as a given reader may see it, and an app user's own questions.

Who sees what (one rule, used by the pages and the API alike):
- the public reads only questions that are public, answered and not hidden, and only their public
  version (the masked title and text, the published reply, the public timeline lines);
- the author (the app user who asked, or whoever holds the receipt number with its query code)
  reads their own question in any state, still in the public version of the unit's side but with
  their own text as written;
- nobody else learns that any other question exists (404).
The original text, the phone number and the masking spans never leave the staff side.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from rongmei.inquiries import masking
from rongmei.inquiries.models import WITH_UNIT, Attachment, Category, Event, Inquiry, Kind, Message, Reply, State, Unit

SORTS = ("new", "hot")
MAX_QUERY = 50
MAX_WORDS = 5

_CONTROL = {code: None for code in (*range(0, 32), 127)}


def clean_query(q: str | None) -> str:
    """A search or filter word as typed: control characters gone (a NUL breaks PostgreSQL), at most 50 characters."""
    return (q or "").translate(_CONTROL).strip()[:MAX_QUERY]


def options() -> dict:
    """What a submission or filter form offers: the active categories and units."""
    return {
        "kinds": Kind.choices,
        "categories": list(Category.objects.filter(active=True)),
        "units": list(Unit.objects.filter(active=True)),
    }


def _published_replies() -> Prefetch:
    return Prefetch(
        "replies",
        queryset=Reply.objects.filter(status=Reply.Status.PUBLISHED).select_related("unit").order_by("-created_at", "-id"),
        to_attr="published_replies",
    )


def published(
    *,
    kind: str | None = None,
    location: str | None = None,
    unit_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    sort: str = "new",
) -> QuerySet[Inquiry]:
    """Public, answered, not hidden questions, newest answer first (or most followed for ``hot``).

    Words in ``q`` (split at spaces, at most five) must each appear in the public title, the
    public text or the published reply."""
    qs = Inquiry.objects.public().select_related("lead_unit", "category")
    if kind:
        qs = qs.filter(kind=kind)
    location = clean_query(location)
    if location:
        qs = qs.filter(location__icontains=location)
    if unit_id:
        qs = qs.filter(lead_unit_id=unit_id)
    if category_id:
        qs = qs.filter(category_id=category_id)
    for word in clean_query(q).split()[:MAX_WORDS]:
        in_reply = Reply.objects.filter(status=Reply.Status.PUBLISHED).filter(
            Q(public_body__icontains=word) | Q(public_body="", body__icontains=word)
        )
        qs = qs.filter(
            Q(public_title__icontains=word)
            | Q(public_body__icontains=word)
            | Q(receipt__iexact=word)
            | Q(pk__in=in_reply.values("inquiry_id"))
        )
    if sort == "hot":
        return qs.order_by("-followers_count", "-published_at", "-id")
    return qs.order_by("-published_at", "-id")


def overdue() -> QuerySet[Inquiry]:
    """督办: public questions escalated after their deadline and still with the unit, longest overdue first."""
    return (
        Inquiry.objects.filter(is_public=True, hidden=False, escalated_at__isnull=False, state__in=WITH_UNIT)
        .select_related("lead_unit")
        .order_by("deadline", "id")
    )


def mine(fan) -> QuerySet[Inquiry]:
    """The app user's own questions, newest first, in every state."""
    return Inquiry.objects.filter(fan=fan).select_related("lead_unit", "merged_into").order_by("-submitted_at", "-id")


def is_public(inquiry: Inquiry) -> bool:
    return inquiry.is_public and not inquiry.hidden and inquiry.state in (State.PUBLISHED, State.RATED, State.CLOSED)


def code_matches(inquiry: Inquiry, code: str | None) -> bool:
    """The query code, compared in constant time and without regard to case or spaces."""
    given = (code or "").strip().upper().replace(" ", "")
    return bool(given) and secrets.compare_digest(given.encode(), inquiry.query_code.encode())


@dataclass
class View:
    """One question as one reader may read it."""

    inquiry: Inquiry
    as_author: bool  # the reader asked it (or holds its query code): their own text, any state
    can_act: bool  # the reader is the logged-in author: rate, reopen, 追问, give information
    title: str = ""
    body: str = ""
    reply: Reply | None = None
    reply_body: str = ""
    reply_attachments: list[Attachment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)
    info_request: Message | None = None
    following: bool = False

    @property
    def published(self) -> bool:
        return self.inquiry.state in (State.PUBLISHED, State.RATED, State.CLOSED)


def find(receipt: str, *, fan=None, unlocked: bool = False) -> View | None:
    """The question with this receipt number as this reader may see it, or None (show a 404).

    ``unlocked``: the reader gave the right query code (the lookup page keeps that in the session)."""
    inquiry = (
        Inquiry.objects.filter(receipt=receipt)
        .select_related("lead_unit", "category", "merged_into")
        .prefetch_related(
            _published_replies(),
            Prefetch("attachments", queryset=Attachment.objects.order_by("id"), to_attr="all_attachments"),
            Prefetch("messages", queryset=Message.objects.select_related("unit").order_by("created_at", "id"), to_attr="all_messages"),
            Prefetch("events", queryset=Event.objects.filter(public=True).order_by("created_at", "id"), to_attr="public_events"),
        )
        .first()
    )
    if inquiry is None:
        return None
    own = fan is not None and inquiry.fan_id == fan.pk
    as_author = own or unlocked
    if not as_author and not is_public(inquiry):
        return None
    reply = inquiry.published_replies[0] if inquiry.published_replies else None
    view = View(inquiry=inquiry, as_author=as_author, can_act=own, reply=reply, timeline=inquiry.public_events)
    if as_author:
        view.title, view.body = inquiry.title, inquiry.body
        view.attachments = [a for a in inquiry.all_attachments if a.side == Attachment.Side.CITIZEN]
    else:
        view.title, view.body = inquiry.shown_title, inquiry.shown_body
    if reply is not None:
        view.reply_body = reply.shown_body
        view.reply_attachments = [a for a in inquiry.all_attachments if a.reply_id == reply.pk]
    for message in inquiry.all_messages:
        if message.kind in (Message.Kind.FOLLOW_UP, Message.Kind.FOLLOW_UP_ANSWER):
            # A citizen's follow-up is read by the public masked like the question itself.
            body = message.body if as_author or message.kind == Message.Kind.FOLLOW_UP_ANSWER else masking.mask(message.body)
            view.messages.append({"kind": message.kind, "body": body, "unit": message.unit, "at": message.created_at})
        elif as_author and message.kind in (Message.Kind.INFO_REQUEST, Message.Kind.INFO):
            view.messages.append({"kind": message.kind, "body": message.body, "unit": None, "at": message.created_at})
            if message.kind == Message.Kind.INFO_REQUEST and not message.answered:
                view.info_request = message
    if fan is not None:
        view.following = inquiry.follows.filter(fan=fan).exists()
    return view


def attachment(receipt: str, pk: int, *, fan=None, unlocked: bool = False) -> Attachment | None:
    """A file the reader may open: the author's own photos and videos, or the files of a reply the public may read."""
    found = Attachment.objects.filter(pk=pk, inquiry__receipt=receipt).select_related("inquiry", "reply").first()
    if found is None:
        return None
    inquiry = found.inquiry
    as_author = unlocked or (fan is not None and inquiry.fan_id == fan.pk)
    published_reply = found.reply is not None and found.reply.status == Reply.Status.PUBLISHED
    if found.side == Attachment.Side.CITIZEN:
        return found if as_author else None
    if published_reply and (as_author or is_public(inquiry)):
        return found
    return None


LOOKUP_FAILS = (3600, 10)  # wrong receipt/code pairs per address per hour, then a wait


def lookup(receipt: str, code: str, *, ip: str | None, now: float | None = None) -> Inquiry | None:
    """The question with this receipt number and query code, or None. Wrong guesses are counted per
    address and, past LOOKUP_FAILS, refused with services.Throttled, so that codes cannot be tried
    in bulk. Both parts are required; the code is compared in constant time."""
    import math
    import time

    from django.utils.translation import gettext as _

    from rongmei.core import ratelimit
    from rongmei.inquiries.services import Throttled

    now = time.time() if now is None else now
    key = f"inq:lookup:{ip or '-'}"
    window = LOOKUP_FAILS[0]
    wait = ratelimit.over(ratelimit.recent(key, window, now), LOOKUP_FAILS, now)
    if wait is not None:
        raise Throttled(
            _("Too many wrong receipt numbers or query codes from your network. Try again in %(wait)s.")
            % {"wait": ratelimit.wait_words(wait)},
            retry_after=math.ceil(wait),
        )
    receipt = clean_query(receipt).upper()
    inquiry = Inquiry.objects.filter(receipt=receipt).first() if receipt else None
    if inquiry is not None and code_matches(inquiry, code):
        return inquiry
    ratelimit.record(key, window, now)
    return None
