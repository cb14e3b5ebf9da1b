"""The community's part of a person's data (rongmei.core.privacy): an app user's comments, topic
posts and chat messages. Deleting the account keeps what they wrote in public (shown as written by
a deleted user, see Fan.display_name) but forgets the network address each item came from."""

from __future__ import annotations

import datetime as dt

from rongmei.community.models import ChatMessage, Comment, TopicPost
from rongmei.core.privacy import iso


def export(fan) -> dict:
    return {
        "comments": [
            {"article": c.story_id, "text": c.body, "status": c.status, "written_at": iso(c.created_at)}
            for c in Comment.objects.filter(fan=fan).order_by("created_at", "pk")
        ],
        "topic_posts": [
            {"topic": p.topic.name, "text": p.body, "status": p.status, "written_at": iso(p.created_at)}
            for p in TopicPost.objects.filter(fan=fan).select_related("topic").order_by("created_at", "pk")
        ],
        "chat_messages": [
            {"room": m.room.name, "text": m.body, "status": m.status, "written_at": iso(m.created_at)}
            for m in ChatMessage.objects.filter(fan=fan).select_related("room").order_by("created_at", "pk")
        ],
    }


def erase(fan, now: dt.datetime) -> dict:
    return {
        model._meta.model_name: model.objects.filter(fan=fan, ip_address__isnull=False).update(ip_address=None)
        for model in (Comment, TopicPost, ChatMessage)
    }
