"""App users (粉丝) of the public site and app: a phone number and SMS codes, nothing shared with
the newsroom's staff accounts (accounts.User)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rongmei.core.crypto import BlindIndexField, EncryptedTextField


class Fan(models.Model):
    # "+86" and the 11 digits of a mainland mobile number: the only numbers we accept for now.
    # Encrypted at rest; found by its keyed hash (rongmei.core.crypto). Empty once the account is
    # deleted (the hash is then NULL, so deleted accounts don't collide).
    phone = EncryptedTextField(_("mobile number"), max_length=16, blank=True)
    phone_hash = BlindIndexField(source="phone", kind="phone", unique=True, null=True)
    nickname = models.CharField(_("nickname"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login at"), null=True, blank=True)
    banned = models.BooleanField(_("banned"), default=False)
    ban_reason = models.CharField(_("reason for the ban"), max_length=200, blank=True)
    # Set when the person deleted their account (rongmei.fans.privacy): the row stays, without
    # personal data, so their public comments read "Deleted user".
    deleted_at = models.DateTimeField(_("account deleted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("app user")
        verbose_name_plural = _("app users")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def masked_phone(self) -> str:
        digits = self.phone.removeprefix("+86")
        return f"{digits[:3]}****{digits[-4:]}" if digits else ""

    @property
    def display_name(self) -> str:
        if self.deleted_at is not None:
            return str(_("Deleted user"))
        return self.nickname or self.masked_phone


class SmsCode(models.Model):
    """A code sent by SMS. Only its keyed hash is kept: a leaked table reveals no live code."""

    class Purpose(models.TextChoices):
        LOGIN = "login", _("log in or register")
        DELETE_ACCOUNT = "delete", _("delete the account")

    phone = EncryptedTextField(max_length=16)
    phone_hash = BlindIndexField(source="phone", kind="phone")
    code_hash = models.CharField(max_length=64)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.LOGIN)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["phone_hash", "purpose", "-created_at"], name="fans_smscode_latest")]

    def __str__(self) -> str:
        digits = self.phone.removeprefix("+86")
        return f"{digits[:3]}****{digits[-4:]} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class Favorite(models.Model):
    """An article a fan keeps (收藏)."""

    fan = models.ForeignKey(Fan, verbose_name=_("app user"), on_delete=models.CASCADE, related_name="favorites")
    story = models.ForeignKey("newsroom.Story", verbose_name=_("story"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("kept at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("favorite")
        verbose_name_plural = _("favorites")
        constraints = [models.UniqueConstraint(fields=["fan", "story"], name="one_favorite_per_fan_and_story")]


class FanNotification(models.Model):
    """A message for one app user in their notification center (消息): a comment approved or turned
    down, a new article in a followed column, an answer from a deputy. Written by
    rongmei.fans.notify.notify_fan, from any app."""

    fan = models.ForeignKey(Fan, verbose_name=_("app user"), on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("app user notification")
        verbose_name_plural = _("app user notifications")
        indexes = [models.Index(fields=["fan", "read_at", "-created_at"], name="fans_notification_unread")]

    def __str__(self) -> str:
        return self.text


class Like(models.Model):
    """An app user's like (点赞) of an article. The count per article is a COUNT over the story's
    index (see selectors.like_count), not a counter column: no hot row to lock on a popular story,
    and nothing to drift."""

    fan = models.ForeignKey(Fan, verbose_name=_("app user"), on_delete=models.CASCADE, related_name="likes")
    story = models.ForeignKey("newsroom.Story", verbose_name=_("story"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("liked at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["fan", "story"], name="one_like_per_fan_and_story")]

    def __str__(self) -> str:
        return f"{self.fan_id} → {self.story_id}"


class ColumnFollow(models.Model):
    """An app user follows a column (关注栏目): a new article there lands in their notification center."""

    fan = models.ForeignKey(Fan, verbose_name=_("app user"), on_delete=models.CASCADE, related_name="follows")
    column = models.ForeignKey("portal.Column", verbose_name=_("column"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("followed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("column follow")
        verbose_name_plural = _("column follows")
        constraints = [models.UniqueConstraint(fields=["fan", "column"], name="one_follow_per_fan_and_column")]

    def __str__(self) -> str:
        return f"{self.fan_id} → {self.column_id}"


class StoryAnnouncement(models.Model):
    """A story whose arrival was told to the followers of its columns. The unique story makes the
    announcement happen once: the website and the app publications, a retried task and every later
    correction find this row."""

    story = models.OneToOneField("newsroom.Story", verbose_name=_("story"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("announced at"), auto_now_add=True)
    notified = models.PositiveIntegerField(_("app users notified"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("new article announcement")
        verbose_name_plural = _("new article announcements")

    def __str__(self) -> str:
        return f"{self.story_id}: {self.notified}"
