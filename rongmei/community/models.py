"""The public conversation (评论、话题、聊天室) and its one moderation model.

Three kinds of things fans write — comments on articles (``Comment``), posts on topic pages
(``TopicPost``) and messages in chat rooms (``ChatMessage``) — share one abstract base,
``ModeratedItem``: a status (pending → approved, or rejected; approved → removed), the
sensitive-word hits found at submission, a ``flagged`` mark, the reason the author reads, the
moderator and time, the number of open reports and ``hidden`` (taken off the site by reports until
a moderator decides). The moderation queue and rongmei.community.moderation treat the three alike.

Around them: ``Like`` and ``Report`` (one per fan and item, for any kind), ``FanStanding`` (a fan
whose posts are all held for review), ``ModerationPolicy`` (pre- or post-moderation of article
comments; topics and chat rooms carry their own ``premoderated`` field).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.core.safety import Hit

BODY_MAX = 500
POST_MAX = 1000
REASON_MAX = 200
NOTE_MAX = 200


class Status(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Not published")
    REMOVED = "removed", _("Removed")


class ModeratedItem(models.Model):
    """What the three kinds share. A concrete kind adds ``fan`` (its author), its place and text
    (``body``), and sets ``KIND`` (the queue's and the API's name for it)."""

    Status = Status
    KIND = ""

    body = models.TextField(_("text"), max_length=BODY_MAX)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Sensitive-word hits found at submission: [{"word", "category", "severity", "start", "end"}],
    # offsets into ``body``. A flagged item is always held for a person to judge.
    hits = models.JSONField(_("sensitive words"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Reports not yet dealt with by a moderator; at settings.RONGMEI["COMMUNITY_AUTO_HIDE_REPORTS"]
    # the item is hidden until a moderator restores or removes it.
    report_count = models.PositiveIntegerField(_("open reports"), default=0)
    hidden = models.BooleanField(_("hidden after reports"), default=False, db_index=True)
    like_count = models.PositiveIntegerField(_("likes"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def public(self) -> bool:
        """Seen by everyone: published and not hidden by reports."""
        return self.status == Status.APPROVED and not self.hidden

    @property
    def hit_objects(self) -> list[Hit]:
        out = []
        for h in self.hits or []:
            try:
                out.append(
                    Hit(word=h["word"], category=h.get("category", ""), severity=h.get("severity", "flag"), start=h["start"], end=h["end"])
                )
            except (KeyError, TypeError):
                continue
        return out


class Comment(ModeratedItem):
    KIND = "comment"

    story = models.ForeignKey("newsroom.Story", verbose_name=_("article"), on_delete=models.CASCADE, related_name="reader_comments")
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="comments")
    # One level of replies: a reply always points at a top-level comment (services flatten deeper ones).
    reply_to = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reader comment")
        verbose_name_plural = _("reader comments")
        indexes = [
            models.Index(fields=["story", "status", "-created_at"], name="community_comment_public"),
            models.Index(fields=["status", "-flagged", "created_at"], name="community_comment_queue"),
        ]


# --- topics (话题) --------------------------------------------------------------------------------


class Topic(models.Model):
    """A hashtag page (#泌阳夏南牛#) where fans post text and pictures. Not the editorial special
    topics (专题) of rongmei.portal at /topic/: these live at /huati/<slug>/."""

    slug = models.SlugField(_("address"), max_length=50, unique=True, help_text=_("Letters, digits and hyphens: /huati/<address>/"))
    name = models.CharField(_("name"), max_length=30, unique=True, help_text=_("Shown as #name#"))
    description = models.TextField(_("description"), max_length=500, blank=True)
    cover = models.ImageField(_("cover"), upload_to="community/topics/", blank=True)
    premoderated = models.BooleanField(
        _("pre-moderated"), default=True, help_text=_("Posts wait for a moderator before anyone else sees them.")
    )
    active = models.BooleanField(_("shown"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_fan = models.ForeignKey(
        "fans.Fan", verbose_name=_("started by app user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return f"#{self.name}#"

    @property
    def hashtag(self) -> str:
        return f"#{self.name}#"


class TopicPost(ModeratedItem):
    KIND = "post"

    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="posts")
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="topic_posts")
    # One level of replies, as comments have.
    reply_to = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("topic post")
        verbose_name_plural = _("topic posts")
        indexes = [
            models.Index(fields=["topic", "status", "-created_at"], name="community_post_public"),
            models.Index(fields=["status", "-flagged", "created_at"], name="community_post_queue"),
        ]


class TopicPicture(models.Model):
    post = models.ForeignKey(TopicPost, verbose_name=_("post"), on_delete=models.CASCADE, related_name="pictures")
    image = models.ImageField(_("picture"), upload_to="community/posts/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")


# --- chat rooms (聊天室) --------------------------------------------------------------------------


class ChatRoom(models.Model):
    """A persistent room, e.g. a volunteer team's. Open rooms are read by anyone and joined by any
    logged-in app user; members-only rooms are read and written by their members only, who join
    with the invitation code or are added by staff."""

    class Access(models.TextChoices):
        OPEN = "open", _("Open to everyone")
        MEMBERS = "members", _("Members only")

    name = models.CharField(_("name"), max_length=40)
    description = models.TextField(_("description"), max_length=500, blank=True)
    access = models.CharField(_("access"), max_length=10, choices=Access.choices, default=Access.OPEN)
    invite_code = models.CharField(
        _("invitation code"), max_length=20, blank=True, help_text=_("Members-only rooms: the code that lets a user join.")
    )
    premoderated = models.BooleanField(
        _("pre-moderated"), default=False, help_text=_("Messages wait for a moderator before anyone else sees them.")
    )
    active = models.BooleanField(_("open for conversation"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("chat room")
        verbose_name_plural = _("chat rooms")

    def __str__(self) -> str:
        return self.name

    @property
    def members_only(self) -> bool:
        return self.access == self.Access.MEMBERS


class RoomMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")

    room = models.ForeignKey(ChatRoom, verbose_name=_("chat room"), on_delete=models.CASCADE, related_name="members")
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="room_memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("room member")
        verbose_name_plural = _("room members")
        constraints = [models.UniqueConstraint(fields=["room", "fan"], name="community_one_membership")]

    def __str__(self) -> str:
        return f"{self.room} · {self.fan}"


class ChatMessage(ModeratedItem):
    KIND = "message"

    room = models.ForeignKey(ChatRoom, verbose_name=_("chat room"), on_delete=models.CASCADE, related_name="messages")
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="chat_messages")

    class Meta:
        ordering = ["id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [
            models.Index(fields=["room", "status", "id"], name="community_message_public"),
            models.Index(fields=["status", "-flagged", "created_at"], name="community_message_queue"),
        ]


# --- likes, reports, standing, policy -------------------------------------------------------------


class ItemKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    POST = "post", _("Topic post")
    MESSAGE = "message", _("Chat message")


class Like(models.Model):
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    item_id = models.BigIntegerField(_("item"))
    created_at = models.DateTimeField(_("liked at"), default=timezone.now)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["kind", "item_id", "fan"], name="community_one_like")]


class Report(models.Model):
    """A fan's report (举报) of an item; one per fan and item. Open until a moderator decides."""

    class Category(models.TextChoices):
        SPAM = "spam", _("Advertising or spam")
        ABUSE = "abuse", _("Insults or harassment")
        VULGAR = "vulgar", _("Pornographic or vulgar")
        ILLEGAL = "illegal", _("Illegal content")
        RUMOR = "rumor", _("False information")
        OTHER = "other", _("Something else")

    fan = models.ForeignKey("fans.Fan", verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    item_id = models.BigIntegerField(_("item"))
    category = models.CharField(_("reason"), max_length=10, choices=Category.choices)
    note = models.CharField(_("details"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("dealt with at"), null=True, blank=True)
    resolution = models.CharField(_("decision"), max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [models.UniqueConstraint(fields=["kind", "item_id", "fan"], name="community_one_report")]
        indexes = [models.Index(fields=["kind", "item_id", "resolved_at"], name="community_report_open")]


class FanStanding(models.Model):
    """A fan whose new posts are all held for review, everywhere (comments, topics, chat rooms):
    set automatically after settings.RONGMEI["COMMUNITY_STANDING_REJECTIONS"] rejected or removed
    items within 30 days, or by staff; lifted by staff."""

    fan = models.OneToOneField("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="standing")
    premoderated = models.BooleanField(_("posts held for review"), default=False)
    automatic = models.BooleanField(_("set automatically"), default=False)
    note = models.CharField(_("note"), max_length=REASON_MAX, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Rejections before this moment no longer count towards holding the fan again.
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("app user's standing")
        verbose_name_plural = _("app users' standing")

    def __str__(self) -> str:
        return str(self.fan)


class ModerationPolicy(models.Model):
    """Pre- or post-moderation of a kind of place without its own setting: article comments (the
    default, without a row, is settings.RONGMEI["COMMENTS_PREMODERATED"])."""

    class Place(models.TextChoices):
        COMMENTS = "comments", _("Article comments")

    place = models.CharField(_("place"), max_length=20, choices=Place.choices, unique=True)
    premoderated = models.BooleanField(_("pre-moderated"), default=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("moderation policy")
        verbose_name_plural = _("moderation policies")

    def __str__(self) -> str:
        return self.get_place_display()
