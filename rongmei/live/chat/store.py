"""The chat server's database side, all of it synchronous and run on the chat's own threads
(``rongmei.live.chat.hub.run_db``), never in the event loop: who is connecting (from the session
cookie), a room's settings and sanctions, the history on (re)connection, writing a batch of
messages in one transaction, and the rooms' counters.

Nothing here broadcasts: the hub does that with what these functions return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from rongmei.core import safety
from rongmei.live.models import ChatMessage, ChatSanction, LiveRoom

M = ChatMessage.Status
HISTORY_DEFAULT = 50
HISTORY_MAX = 200
# On a resume, messages removed this recently are named again, in case the viewer had them.
REMOVED_LOOKBACK = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Identity:
    """Who is on the other end of a socket. A fan may send; a host (staff who may manage live
    rooms, with the second factor where their role needs it) may send and moderate."""

    fan_id: int | None = None
    fan_name: str = ""
    fan_since: float = 0.0  # registration time, epoch seconds (the new-account gate)
    user_id: int | None = None
    user_name: str = ""

    @property
    def is_host(self) -> bool:
        return self.user_id is not None

    @property
    def role(self) -> str:
        return "host" if self.is_host else "fan" if self.fan_id else "viewer"


ANONYMOUS = Identity()


@dataclass
class RoomInfo:
    room_id: int
    state: str
    started_at: float | None
    open: bool
    premod: bool
    slow: int
    gate_hours: int
    pinned: str
    likes: int
    views: int
    # fan id -> (kind, until epoch seconds or None)
    sanctions: dict[int, tuple[str, float | None]] = field(default_factory=dict)

    def mode(self) -> dict:
        return {"open": self.open, "slow": self.slow, "premod": self.premod, "gate_hours": self.gate_hours}


@dataclass
class Draft:
    """A message accepted by the hub's quick checks, waiting for the next batch to be written."""

    room_id: int
    body: str
    name: str
    fan_id: int | None
    user_id: int | None
    client_id: str
    at: dt.datetime
    conn: object = None  # the sender's connection (the hub's), for the acknowledgement


def fresh_connection() -> None:
    """Before each piece of database work on a chat thread: drop a connection that broke (a
    restarted PostgreSQL). Unlike Django's request cycle, a healthy one is kept whatever
    CONN_MAX_AGE says: these few threads live as long as the process and talk to the database
    ten times a second."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.errors_occurred:
            if conn.is_usable():
                conn.errors_occurred = False
            else:
                conn.close()


def _ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


def as_wire(m: ChatMessage) -> dict:
    return {
        "id": m.pk,
        "n": m.name,
        "f": m.fan_id,
        "b": m.body,
        "at": _ms(m.created_at),
        "k": m.kind,
        "h": m.highlighted,
    }


# --- who is connecting ----------------------------------------------------------------------------


class _SessionRequest:
    """What django.contrib.auth.get_user and django-otp read from a request: the session."""

    def __init__(self, session) -> None:
        self.session = session
        self.META: dict = {}


def session_key_from(cookie_header: str) -> str:
    if not cookie_header:
        return ""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return ""
    morsel = jar.get(settings.SESSION_COOKIE_NAME)
    return morsel.value if morsel else ""


def authenticate(cookie_header: str) -> Identity:
    """The fan and/or the host behind a session cookie; ANONYMOUS for none or a stale one."""
    from importlib import import_module

    key = session_key_from(cookie_header)
    if not key or len(key) > 64:
        return ANONYMOUS
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    try:
        data_loaded = session.load()
    except Exception:  # a broken session row is an anonymous viewer, not a failed socket
        return ANONYMOUS
    if not data_loaded:
        return ANONYMOUS
    fan_id, fan_name, fan_since = None, "", 0.0
    raw_fan = session.get("fan_id")
    if isinstance(raw_fan, int):
        from rongmei.fans.models import Fan

        fan = Fan.objects.filter(pk=raw_fan, banned=False).only("pk", "nickname", "phone", "created_at").first()
        if fan is not None:
            fan_id, fan_name, fan_since = fan.pk, fan.display_name, fan.created_at.timestamp()
    user_id, user_name = None, ""
    if session.get("_auth_user_id"):
        from django.contrib.auth import get_user
        from django_otp.middleware import OTPMiddleware

        from rongmei.accounts.middleware import needs_two_factor
        from rongmei.live.services import can_manage

        request = _SessionRequest(session)
        user = get_user(request)
        if user.is_authenticated:
            user = OTPMiddleware(lambda r: None)._verify_user_sync(request, user)
            if can_manage(user) and not needs_two_factor(user):
                user_id, user_name = user.pk, user.display_name
    return Identity(fan_id=fan_id, fan_name=fan_name, fan_since=fan_since, user_id=user_id, user_name=user_name)


# --- rooms ----------------------------------------------------------------------------------------


def sanctions_of(room_id: int, now: dt.datetime | None = None) -> dict[int, tuple[str, float | None]]:
    now = now or timezone.now()
    out: dict[int, tuple[str, float | None]] = {}
    for fan_id, kind, until in ChatSanction.objects.filter(room_id=room_id).values_list("fan_id", "kind", "until"):
        if until is not None and until <= now:
            continue
        # A ban outranks a mute of the same fan.
        if out.get(fan_id, ("",))[0] == ChatSanction.Kind.BAN:
            continue
        out[fan_id] = (kind, until.timestamp() if until else None)
    return out


def room_info(room_id: int) -> RoomInfo | None:
    room = LiveRoom.objects.filter(pk=room_id).first()
    if room is None:
        return None
    return RoomInfo(
        room_id=room.pk,
        state=room.state,
        started_at=room.started_at.timestamp() if room.started_at else None,
        open=room.chat_open,
        premod=room.chat_premoderated,
        slow=room.chat_slow_seconds,
        gate_hours=room.chat_min_account_hours,
        pinned=room.pinned_text,
        likes=room.likes,
        views=room.views_total,
        sanctions=sanctions_of(room.pk),
    )


def history(room_id: int, *, after: int = 0, hosts: bool = False) -> dict:
    """What a (re)connecting socket gets: visible messages after ``after`` (or the latest ones),
    for hosts the pending ones, and on a resume the ids removed recently."""
    visible = ChatMessage.objects.filter(room_id=room_id, status=M.VISIBLE)
    if after > 0:
        rows = list(visible.filter(pk__gt=after).order_by("pk")[:HISTORY_MAX])
    else:
        rows = list(reversed(visible.order_by("-pk")[:HISTORY_DEFAULT]))
    out: dict = {"m": [as_wire(m) for m in rows]}
    if after > 0:
        since = timezone.now() - REMOVED_LOOKBACK
        removed = ChatMessage.objects.filter(room_id=room_id, status=M.REMOVED, pk__lte=after, moderated_at__gte=since).values_list(
            "pk", flat=True
        )
        out["removed"] = list(removed[:HISTORY_MAX])
    if hosts:
        pending = ChatMessage.objects.filter(room_id=room_id, status=M.PENDING).order_by("pk")[:HISTORY_MAX]
        out["pending"] = [as_wire(m) for m in pending]
    return out


# --- writing a batch ------------------------------------------------------------------------------


def persist(drafts: list[Draft], *, premod: bool) -> list[tuple[Draft, dict, str]]:
    """Write one room's batch in one transaction. A fan's message with a sensitive-word hit, or
    any fan's message in a pre-moderated room, is kept ``pending`` for the hosts; a host's is shown.
    Returns (draft, wire form, status) in order."""
    rows = []
    for d in drafts:
        hits = [] if d.user_id else safety.scan(d.body)
        held = d.user_id is None and (premod or bool(hits))
        rows.append(
            ChatMessage(
                room_id=d.room_id,
                fan_id=d.fan_id,
                user_id=d.user_id,
                name=d.name[:30],
                body=d.body,
                kind=ChatMessage.Kind.HOST if d.user_id else ChatMessage.Kind.CHAT,
                status=M.PENDING if held else M.VISIBLE,
                hits=[h.as_dict() for h in hits],
                created_at=d.at,
            )
        )
    with transaction.atomic():
        ChatMessage.objects.bulk_create(rows)
    if any(r.pk is None for r in rows):  # a backend that returns no ids from a bulk insert
        for r in rows:
            if r.pk is None:
                r.save()
    return [(d, as_wire(r), r.status) for d, r in zip(drafts, rows, strict=True)]


def remove_now(ids: list[int]) -> None:
    """Messages written just as their author was banned: removed after the fact."""
    ChatMessage.objects.filter(pk__in=ids).update(status=M.REMOVED, moderated_at=timezone.now())


def flush_counters(room_id: int, *, likes: int, views: int, viewers: int) -> tuple[int, int, int]:
    """Add this process's new likes and views, note the viewers now, raise the peak, and read the
    totals back."""
    # One write a tick: the new likes and views, and the viewers now (the command screen's figure).
    LiveRoom.objects.filter(pk=room_id).update(
        likes=F("likes") + likes, views_total=F("views_total") + views, viewers_now=viewers, viewers_at=timezone.now()
    )
    if viewers:
        LiveRoom.objects.filter(pk=room_id, viewers_peak__lt=viewers).update(viewers_peak=viewers)
    row = LiveRoom.objects.filter(pk=room_id).values_list("likes", "views_total", "state").first()
    if row is None:
        return 0, 0, ""
    return row
