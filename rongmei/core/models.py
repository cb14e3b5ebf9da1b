from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    """A town (乡镇/街道) or village (村/社区) of the county; leads and stories are located by it."""

    class Kind(models.TextChoices):
        TOWN = "town", _("Town")
        VILLAGE = "village", _("Village")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TOWN)
    parent = models.ForeignKey("self", verbose_name=_("town"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="unique_place_name_per_parent")]

    def __str__(self) -> str:
        return f"{self.parent.name}·{self.name}" if self.parent_id else self.name


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise TypeError("The audit log is append-only")

    def delete(self):
        raise TypeError("The audit log is append-only")


class AuditLog(models.Model):
    """One line of the append-only audit trail (全流程留痕).

    Written by services in the same transaction as the state change it records. Rows are never
    updated or deleted: the model refuses it, and database triggers (migration 0002) refuse it
    even for raw SQL.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    subject_type = models.CharField(_("object type"), max_length=60)
    subject_id = models.CharField(_("object id"), max_length=40)
    summary = models.CharField(_("summary"), max_length=500)
    from_state = models.CharField(_("from state"), max_length=40, blank=True)
    to_state = models.CharField(_("to state"), max_length=40, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["subject_type", "subject_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only")


class Notification(models.Model):
    """A message to one person in the newsroom; pushed live to their open pages after commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]


class WordCategory(models.Model):
    """A category of sensitive words (政治, 广告, 民生 …) with its default severity."""

    class Severity(models.TextChoices):
        BLOCK = "block", _("Block")
        FLAG = "flag", _("Flag")

    name = models.CharField(_("name"), max_length=60, unique=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.FLAG)
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("word category")
        verbose_name_plural = _("word categories")

    def __str__(self) -> str:
        return self.name


class SensitiveWord(models.Model):
    category = models.ForeignKey(WordCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="words")
    word = models.CharField(_("word"), max_length=100)
    # Empty means: the category's severity.
    severity = models.CharField(_("severity"), max_length=10, choices=WordCategory.Severity.choices, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["category", "word"]
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        constraints = [models.UniqueConstraint(fields=["category", "word"], name="unique_word_per_category")]

    def __str__(self) -> str:
        return self.word


class AllowedPhrase(models.Model):
    """A phrase whose occurrences are never hits, e.g. 拆迁安置 around a listed 拆迁."""

    phrase = models.CharField(_("phrase"), max_length=100, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("allowed phrase")
        verbose_name_plural = _("allow-list")

    def __str__(self) -> str:
        return self.phrase


class PendingFileDeletion(models.Model):
    """A stored file (STORAGES["default"]: disk or bucket) whose row is gone but whose deletion
    failed (the bucket did not answer): ``rongmei.core.storage.retry_deletions`` tries again from
    ``media_housekeeping`` until it is gone, so an erased citizen's photo does not linger."""

    name = models.CharField(_("file"), max_length=300)
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("file waiting to be deleted")
        verbose_name_plural = _("files waiting to be deleted")
