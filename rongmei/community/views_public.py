"""The public conversation pages under /huati/ (plain forms that work without JavaScript; the chat
room page polls for new messages with chat.js):

- /huati/                 the topics (话题); an app user may start one when the setting allows
- /huati/<slug>/          a topic: its posts (text and up to 9 pictures), replies, likes, reports
- /huati/chat/            the chat rooms (聊天室) the reader may see
- /huati/chat/<id>/       a room: its messages, join / leave, send, report
- /huati/p/<id>/          a post's picture (published posts, the author's own, and moderators)

Each POST names its ``action``; after a success the page is shown again (POST, redirect, GET); a
refusal re-renders the page with the message and everything typed kept, with the error's status.
Not logged in: to the login page and back.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from rongmei.community import chat, moderation, selectors, topics
from rongmei.community import permissions as perms
from rongmei.community.models import BODY_MAX, POST_MAX, ChatRoom, Report, RoomMember
from rongmei.core.exceptions import DomainError
from rongmei.core.middleware import request_ip
from rongmei.core.storage import stored_file_response
from rongmei.fans.auth import current_fan


def _columns():
    from rongmei.portal import pages

    return pages.columns()


def _login(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("fans:login") + "?" + urlencode({"next": request.path}))


def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def _base(request: HttpRequest, **extra) -> dict:
    fan = current_fan(request)
    return {"columns": _columns(), "fan": fan, "report_categories": Report.Category.choices, "error": None, "typed": {}, **extra}


# --- topics --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def topic_list(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    context = _base(request, topics=selectors.topics(), fans_may_start=bool(moderation.conf("COMMUNITY_FANS_CREATE_TOPICS")))
    status = 200
    if request.method == "POST":
        if fan is None:
            return _login(request)
        typed = {k: request.POST.get(k, "")[:600] for k in ("slug", "name", "description")}
        try:
            topic = topics.create_topic(fan=fan, **typed)
        except DomainError as e:
            context.update(error=e, typed=typed)
            status = e.status
        else:
            messages.success(request, _("Your topic is open. Posts in it are reviewed before others see them."))
            return redirect("huati:topic", topic.slug)
    return render(request, "community/public/topics.html", context, status=status)


@require_http_methods(["GET", "POST"])
def topic_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        topic = topics.shown_topic(slug)
    except DomainError:
        raise Http404 from None
    fan = current_fan(request)
    error, typed, status = None, {}, 200
    if request.method == "POST":
        if fan is None:
            return _login(request)
        action = request.POST.get("action", "")
        typed = {
            "action": action,
            "text": request.POST.get("text", "")[: POST_MAX * 2],
            "reply_to": request.POST.get("reply_to", ""),
            "id": request.POST.get("id", ""),
        }
        try:
            anchor = _topic_action(request, fan, topic, action)
        except DomainError as e:
            error, status = e, e.status
        else:
            return redirect(reverse("huati:topic", args=[topic.slug]) + anchor)
    try:
        page = selectors.topic_posts(topic, fan=fan, cursor=request.GET.get("cursor") or None, limit=20)
    except DomainError as e:
        page, error, status = selectors.topic_posts(topic, fan=fan, limit=20), e, 400
    selectors.mark_liked(page.items, fan, "post")
    context = _base(
        request,
        topic=topic,
        page=page,
        error=error,
        typed=typed,
        post_max=POST_MAX,
        most_pictures=moderation.conf("COMMUNITY_MAX_PICTURES"),
    )
    return render(request, "community/public/topic.html", context, status=status)


def _topic_action(request: HttpRequest, fan, topic, action: str) -> str:
    if action == "post":
        post = topics.submit_post(
            fan=fan, topic=topic, body=request.POST.get("text", ""), pictures=request.FILES.getlist("pictures"), ip=request_ip(request)
        )
        messages.success(
            request,
            _("Your post is published.") if post.public else _("Thank you! Your post will be shown to others once it has been reviewed."),
        )
        return f"#post-{post.pk}"
    if action == "reply":
        parent = _int(request.POST.get("reply_to"))
        if parent is None:
            raise DomainError(_("You can only reply to a published post on this topic."), field="reply_to")
        post = topics.submit_post(fan=fan, topic=topic, body=request.POST.get("text", ""), reply_to_id=parent, ip=request_ip(request))
        messages.success(
            request,
            _("Your reply is published.") if post.public else _("Thank you! Your reply will be shown to others once it has been reviewed."),
        )
        return f"#post-{post.reply_to_id or post.pk}"
    if action == "like":
        moderation.toggle_like(fan=fan, kind="post", item_id=request.POST.get("id"))
        return f"#post-{_int(request.POST.get('id')) or ''}"
    if action == "report":
        moderation.report(
            fan=fan,
            kind="post",
            item_id=request.POST.get("id"),
            category=request.POST.get("category", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Thank you for the report; a moderator will look at it."))
        return ""
    raise DomainError(_("Unknown action."), field="action")


@require_safe
def picture(request: HttpRequest, pk: int) -> HttpResponse:
    fan = current_fan(request)
    found = topics.picture_for(pk, fan)
    if found is None and perms.can_moderate(request.user):
        from rongmei.community.models import TopicPicture

        found = TopicPicture.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise Http404
    try:
        handle = found.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=topics.picture_type(found))
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def topic_cover(request: HttpRequest, slug: str) -> HttpResponse:
    """The cover picture of a topic that is shown (from MEDIA_ROOT or the bucket)."""
    try:
        topic = topics.shown_topic(slug)
    except DomainError:
        raise Http404 from None
    if not topic.cover:
        raise Http404
    response = stored_file_response(topic.cover.name)
    if not response["Content-Type"].startswith("image/"):
        response.close()
        raise Http404
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- chat rooms ----------------------------------------------------------------------------------


@require_safe
def room_list(request: HttpRequest) -> HttpResponse:
    fan = current_fan(request)
    return render(request, "community/public/rooms.html", _base(request, rooms=selectors.rooms(fan)))


@require_http_methods(["GET", "POST"])
def room_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        room = chat.room(pk)
    except DomainError:
        raise Http404 from None
    fan = current_fan(request)
    error, typed, status = None, {}, 200
    if request.method == "POST":
        if fan is None:
            return _login(request)
        action = request.POST.get("action", "")
        typed = {"action": action, "text": request.POST.get("text", "")[: BODY_MAX * 2], "code": request.POST.get("code", "")[:40]}
        try:
            anchor = _room_action(request, fan, room, action)
        except DomainError as e:
            error, status = e, e.status
        else:
            return redirect(reverse("huati:room", args=[room.pk]) + anchor)
    member = chat.membership(room, fan)
    readable = chat.can_read(room, fan)
    if not readable and status == 200:
        status = 403
    context = _base(
        request,
        room=room,
        member=member,
        readable=readable,
        is_room_lead=member is not None and member.role in (RoomMember.Role.OWNER, RoomMember.Role.MODERATOR),
        chat_messages=chat.messages_after(room, fan=fan) if readable else [],
        error=error,
        typed=typed,
        body_max=BODY_MAX,
        members=list(room.members.select_related("fan").order_by("joined_at")[:50]) if readable else [],
        api_url=reverse("api:public_chat_messages", args=[room.pk]),
    )
    return render(request, "community/public/room.html", context, status=status)


def _room_action(request: HttpRequest, fan, room: ChatRoom, action: str) -> str:
    if action == "join":
        chat.join(fan=fan, room_id=room.pk, code=request.POST.get("code", ""))
        messages.success(request, _("Welcome to the room."))
        return ""
    if action == "leave":
        chat.leave(fan=fan, room_id=room.pk)
        messages.success(request, _("You have left the room."))
        return ""
    if action == "send":
        message = chat.post_message(fan=fan, room_id=room.pk, body=request.POST.get("text", ""), ip=request_ip(request))
        if not message.public:
            messages.success(request, _("Thank you! Your message will be shown to others once it has been reviewed."))
        return f"#message-{message.pk}"
    if action == "report":
        moderation.report(
            fan=fan,
            kind="message",
            item_id=request.POST.get("id"),
            category=request.POST.get("category", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Thank you for the report; a moderator will look at it."))
        return ""
    raise DomainError(_("Unknown action."), field="action")
