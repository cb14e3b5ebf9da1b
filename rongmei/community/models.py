"""Readers' comments on articles (评论) and their moderation.

A comment is written by an app user (fans.Fan) on a story live on the site. It starts ``pending``
(pre-moderation) and is seen only by its author until a moderator approves it; a moderator may
reject a pending comment or remove an approved one, always with a reason the author reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.core.safety import Hit

BODY_MAX = 500
REASON_MAX = 200


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Published")
        REJECTED = "rejected", _("Not published")
        REMOVED = "removed", _("Removed")

    story = models.ForeignKey("newsroom.Story", verbose_name=_("article"), on_delete=models.CASCADE, related_name="reader_comments")
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="comments")
    # One level of replies: a reply always points at a top-level comment (services flatten deeper ones).
    reply_to = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    body = models.TextField(_("text"), max_length=BODY_MAX)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Sensitive-word hits found at submission: [{"word", "category", "severity", "start", "end"}],
    # offsets into ``body``. A flagged comment is always held for a person to judge.
    hits = models.JSONField(_("sensitive words"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reader comment")
        verbose_name_plural = _("reader comments")
        indexes = [
            models.Index(fields=["story", "status", "-created_at"], name="community_comment_public"),
            models.Index(fields=["status", "-flagged", "created_at"], name="community_comment_queue"),
        ]

    def __str__(self) -> str:
        return self.body[:40]

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
