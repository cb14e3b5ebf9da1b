"""The moderation queue (审核) at /newsroom/moderation/: comments, topic posts and chat messages
awaiting a moderator (and those hidden by reports), hidden and flagged first, and the moderators'
actions on them; /newsroom/moderation/places/: each place's policy (pre- or post-moderation) and
the app users whose posts are all held for review.

Every action posts to the queue's own address (with its filters in the query string), so a plain
form lands back on the same list (POST, redirect, GET) and a refusal is shown on the item with
the typed reason kept (status 400). With htmx, a row's action answers with that row only. A row
names its item by ``kind`` (comment, post, message; comment when absent) and ``item`` (or
``comment``, the older name).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from rongmei.community import moderation, selectors, services
from rongmei.community import permissions as perms
from rongmei.community.forms import QueueFilterForm
from rongmei.community.models import ChatRoom, FanStanding, ModeratedItem, RoomMember, Topic
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.newsroom.views._common import forbidden, staff_view

PAGE_SIZE = 30
ROW_ACTIONS = ("approve", "reject", "remove", "restore", "ban", "hold", "lift")


def _decorate(item: ModeratedItem) -> ModeratedItem:
    item.runs = selectors.highlighted(item)
    item.key = f"{item.KIND}-{item.pk}"
    return item


def _one(kind: str, pk) -> ModeratedItem:
    if kind not in selectors.KIND_MODELS or not str(pk).isdigit() or not 0 < int(pk) < 2**63:
        raise Http404
    items = selectors.load([(kind, int(pk))])
    if not items:
        raise Http404
    return items[0]


def _render_queue(request: HttpRequest, *, row_error: dict | None = None, status: int = 200) -> HttpResponse:
    places = selectors.places()
    form = QueueFilterForm(request.GET or None, articles=selectors.articles_with_comments(), topics=places["topics"], rooms=places["rooms"])
    filters = form.filters()
    page = Paginator(selectors.review_queue(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [_decorate(c) for c in selectors.load(list(page.object_list))]
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "comments": items,
        "counts": selectors.review_counts(),
        "bulk": any(c.KIND == "comment" and c.status == "pending" for c in items),
        "row_error": row_error or {},
        # A refused action on an item not on this page (its state changed): say it at the top.
        "row_error_elsewhere": bool(row_error) and all(c.key != row_error["key"] for c in items),
        "here": request.get_full_path(),
    }
    return render(request, "community/queue.html", context, status=status)


def _render_row(request: HttpRequest, item: ModeratedItem, *, row_error: dict | None = None, notice: str = "", status: int = 200):
    context = {"c": _decorate(item), "row_error": row_error or {}, "notice": notice, "here": request.get_full_path()}
    return render(request, "community/_item.html", context, status=status)


def _notice(kind: str, action: str) -> str:
    if kind == "comment":
        return {
            "approve": _("The comment is published; its author has been told."),
            "reject": _("The comment is not published; its author reads your reason."),
            "remove": _("The comment is removed; its author reads your reason."),
        }[action]
    return {
        "approve": _("Published; its author has been told."),
        "reject": _("Not published; its author reads your reason."),
        "remove": _("Removed; its author reads your reason."),
    }[action]


def _act(request: HttpRequest, action: str, item: ModeratedItem) -> str:
    """Run one row action; returns the message for the moderator."""
    reason = request.POST.get("reason", "")
    actor = request.user
    if action == "approve":
        moderation.approve(actor=actor, item=item)
        return _notice(item.KIND, action)
    if action == "reject":
        moderation.reject(actor=actor, item=item, reason=reason)
        return _notice(item.KIND, action)
    if action == "remove":
        moderation.remove(actor=actor, item=item, reason=reason)
        return _notice(item.KIND, action)
    if action == "restore":
        moderation.restore(actor=actor, item=item)
        return _("Shown again; its reports are closed and its author has been told.")
    if action in ("hold", "lift"):
        moderation.set_standing(actor=actor, fan=item.fan, premoderated=action == "hold", note=reason)
        if action == "hold":
            return _("Everything %(name)s writes is now reviewed before it is shown.") % {"name": item.fan.display_name}
        return _("%(name)s's posts follow each place's own rule again.") % {"name": item.fan.display_name}
    rejected = moderation.ban_fan(actor=actor, fan=item.fan, reason=reason)
    return ngettext(
        "%(name)s is banned; %(n)s pending comment was rejected.",
        "%(name)s is banned; %(n)s pending comments were rejected.",
        len(rejected),
    ) % {"name": item.fan.display_name, "n": len(rejected)}


@require_http_methods(["GET", "POST"])
@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    if not perms.can_moderate(request.user):
        return forbidden(request, _("Only operators, editors and the chief editor may moderate comments."))
    if request.method == "GET":
        return _render_queue(request)
    action = request.POST.get("action", "")
    htmx = bool(request.headers.get("HX-Request"))
    if action == "approve_many":
        try:
            done = services.approve_many(actor=request.user, comment_ids=_ids(request.POST.getlist("ids")))
        except NotAllowed:
            raise
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(
                request,
                ngettext("%(n)s comment published.", "%(n)s comments published.", len(done)) % {"n": len(done)},
            )
        return redirect(request.get_full_path())
    if action not in ROW_ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect(request.get_full_path())
    kind = request.POST.get("kind") or "comment"
    item = _one(kind, request.POST.get("item") or request.POST.get("comment", ""))
    try:
        notice = _act(request, action, item)
    except NotAllowed:
        raise
    except DomainError as e:
        error = {"key": f"{kind}-{item.pk}", "action": action, "message": e.message, "reason": request.POST.get("reason", "")[:500]}
        if htmx:
            return _render_row(request, _one(kind, item.pk), row_error=error, status=400)
        return _render_queue(request, row_error=error, status=400)
    if htmx and action not in ("ban", "hold", "lift"):
        return _render_row(request, _one(kind, item.pk), notice=notice)
    messages.success(request, notice)
    return redirect(request.get_full_path())


def _ids(raw: list[str]) -> list[int]:
    return [int(v) for v in raw if v.isdigit() and 0 < int(v) < 2**63]


# --- places: policies, new topics and rooms, members, standing -------------------------------------


def _pk(value) -> int:
    value = str(value or "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else 0


def _member_fan(phone: str):
    from rongmei.fans.models import Fan
    from rongmei.fans.services import normalize_phone

    fan = Fan.objects.filter(phone=normalize_phone(phone)).first()
    if fan is None:
        raise DomainError(_("No app user has this mobile number."), field="phone", code="not_found")
    return fan


def _places_action(request: HttpRequest, action: str) -> str:
    """Run one action of the places page; returns the message for the moderator."""
    from rongmei.community import chat, topics

    post, actor = request.POST, request.user
    premoderated = post.get("premoderated") == "1"
    if action == "comments":
        moderation.set_comment_policy(actor=actor, premoderated=premoderated)
    elif action in ("topic", "room"):
        place = get_object_or_404(Topic if action == "topic" else ChatRoom, pk=_pk(post.get("id")))
        moderation.set_place_policy(actor=actor, place=place, premoderated=premoderated)
    elif action == "lift":
        standing = get_object_or_404(FanStanding.objects.select_related("fan"), fan_id=_pk(post.get("fan")))
        moderation.set_standing(actor=actor, fan=standing.fan, premoderated=False, note=post.get("note", ""))
    elif action == "new_topic":
        topic = topics.create_topic(
            actor=actor,
            slug=post.get("slug", ""),
            name=post.get("name", ""),
            description=post.get("description", ""),
            cover=request.FILES.get("cover"),
            premoderated=premoderated,
        )
        return _("The topic %(topic)s is open.") % {"topic": topic.hashtag}
    elif action == "new_room":
        room = chat.create_room(
            actor=actor,
            name=post.get("name", ""),
            description=post.get("description", ""),
            access=post.get("access", ""),
            premoderated=premoderated,
        )
        return _("The chat room “%(room)s” is open.") % {"room": room.name}
    elif action == "add_member":
        room = get_object_or_404(ChatRoom, pk=_pk(post.get("room")))
        member = chat.add_member(actor=actor, chat_room=room, fan=_member_fan(post.get("phone", "")), role=post.get("role", ""))
        return _("%(name)s is in the chat room “%(room)s” now.") % {"name": member.fan.display_name, "room": room.name}
    else:
        raise DomainError(_("Unknown action."), field="action")
    return _("Saved.")


@require_http_methods(["GET", "POST"])
@staff_view
def places(request: HttpRequest) -> HttpResponse:
    """Each place's policy, new topics and chat rooms, room members, and the app users held for
    review; a moderator changes them here (every change through the services, audited)."""
    if not perms.can_moderate(request.user):
        return forbidden(request, _("Only operators, editors and the chief editor may moderate comments."))
    error, typed, status = None, {}, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            notice = _places_action(request, action)
        except NotAllowed:
            raise
        except DomainError as e:
            error, status = e, e.status
            typed = {k: request.POST.get(k, "")[:600] for k in ("action", "slug", "name", "description", "access", "phone", "role", "room")}
            typed["premoderated"] = request.POST.get("premoderated", "")
        else:
            messages.success(request, notice)
            return redirect(request.get_full_path())
    context = {
        "comments_premoderated": moderation.comments_premoderated(),
        "topics": Topic.objects.order_by("name"),
        "rooms": ChatRoom.objects.annotate(member_count=Count("members")).order_by("name"),
        "held": FanStanding.objects.filter(premoderated=True).select_related("fan", "changed_by").order_by("-changed_at"),
        "access_choices": ChatRoom.Access.choices,
        "role_choices": RoomMember.Role.choices,
        "error": error,
        "typed": typed,
    }
    return render(request, "community/places.html", context, status=status)
