"""Assets (素材) and their renditions (生成). Originals are never modified: every derived file is a
Rendition, made by a background task (rongmei.media.tasks)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.core.storage import library_storage


class Asset(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, db_index=True)
    original = models.FileField(
        _("original file"), upload_to="assets/%Y/%m/", max_length=300, storage=library_storage
    )  # MEDIA_ROOT for ffmpeg, copied to the bucket when there is one (rongmei/core/storage.py)
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size"))
    mime = models.CharField(_("type"), max_length=100, help_text=_("Judged from the content, not the file name."))
    title = models.CharField(_("title"), max_length=200, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # "|tag1|tag2|": searchable with a plain (i)contains on every database.
    tags_text = models.CharField(max_length=1000, blank=True, editable=False, db_index=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    focal_x = models.FloatField(_("focal point x"), default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    focal_y = models.FloatField(_("focal point y"), default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="uploaded_assets"
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)
    stories = models.ManyToManyField("newsroom.Story", through="StoryAsset", related_name="assets", blank=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title or self.original_name

    @property
    def width(self) -> int | None:
        return self.metadata.get("width")

    @property
    def height(self) -> int | None:
        return self.metadata.get("height")

    @property
    def duration(self) -> float | None:
        return self.metadata.get("duration")


class StoryAsset(models.Model):
    """An asset used in a story, in order, with the caption it has there. An asset without any is
    simply in the shared library; one asset may serve several stories."""

    story = models.ForeignKey("newsroom.Story", verbose_name=_("story"), on_delete=models.CASCADE, related_name="story_assets")
    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="story_links")
    order = models.PositiveIntegerField(_("order"), default=0)
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("story asset")
        verbose_name_plural = _("story assets")
        ordering = ["story", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["story", "asset"], name="media_storyasset_unique")]


class Rendition(models.Model):
    class Kind(models.TextChoices):
        WEB_1280_WEBP = "web_1280_webp", _("Web 1280 (WebP)")
        WEB_1280_JPG = "web_1280_jpg", _("Web 1280 (JPEG)")
        THUMB_320 = "thumb_320", _("Thumbnail 320")
        WECHAT_COVER_235 = "wechat_cover_235", _("WeChat cover 2.35:1")
        WECHAT_COVER_1X1 = "wechat_cover_1x1", _("WeChat cover 1:1")
        POSTER = "poster", _("Poster frame")
        MP4 = "mp4", _("MP4 (H.264/AAC)")
        HLS_360 = "hls_360", _("HLS 360p")
        HLS_720 = "hls_720", _("HLS 720p")
        HLS_1080 = "hls_1080", _("HLS 1080p")
        VERTICAL_916 = "vertical_916", _("Vertical 9:16")
        AUDIO_AAC = "audio_aac", _("Audio AAC (m4a)")
        AUDIO_MP3 = "audio_mp3", _("Audio MP3")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # For HLS the file is the rung's playlist; its segments sit next to it.
    file = models.FileField(_("file"), upload_to="renditions/", max_length=300, blank=True, storage=library_storage)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, validators=[MaxValueValidator(100)])
    error = models.CharField(_("error"), max_length=500, blank=True)
    error_detail = models.TextField(_("error detail"), blank=True, help_text=_("The last lines ffmpeg wrote."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        ordering = ["asset", "id"]
        constraints = [models.UniqueConstraint(fields=["asset", "kind"], name="media_rendition_unique_kind")]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.kind}"

    @property
    def rel_path(self) -> str:
        """The file's path under the asset's rendition folder (for the media:file URL)."""
        prefix = f"renditions/{self.asset_id}/"
        return self.file.name[len(prefix) :] if self.file and self.file.name.startswith(prefix) else ""

    @property
    def is_image(self) -> bool:
        return self.rel_path.endswith((".jpg", ".webp"))


class Subtitle(models.Model):
    """A subtitle track of a video, kept as WebVTT (SRT is converted on the way in). At most one
    per video is burned into the vertical cut."""

    asset = models.ForeignKey(Asset, verbose_name=_("video"), on_delete=models.CASCADE, related_name="subtitles")
    language = models.CharField(_("language"), max_length=20, default="zh-hans")
    label = models.CharField(_("label"), max_length=60, blank=True)
    source_format = models.CharField(_("uploaded as"), max_length=4, choices=[("srt", "SRT"), ("vtt", "WebVTT")])
    file = models.FileField(_("file"), upload_to="renditions/", max_length=300, storage=library_storage)
    cues = models.PositiveIntegerField(_("cues"), default=0)
    burn_in = models.BooleanField(_("burn into the vertical cut"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("subtitles")
        verbose_name_plural = _("subtitles")
        ordering = ["asset", "id"]
        constraints = [
            models.UniqueConstraint(fields=["asset"], condition=models.Q(burn_in=True), name="media_subtitle_one_burned_in"),
        ]

    def __str__(self) -> str:
        return self.label or self.language

    @property
    def rel_path(self) -> str:
        prefix = f"renditions/{self.asset_id}/"
        return self.file.name[len(prefix) :] if self.file.name.startswith(prefix) else ""


class UploadSession(models.Model):
    """A resumable upload: chunks are appended at the offset the server has, into a temp file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_sessions")
    file_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("declared size"))
    received = models.PositiveBigIntegerField(_("received bytes"), default=0)
    temp_path = models.CharField(max_length=500)
    title = models.CharField(_("title"), max_length=200, blank=True)
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("upload session")
        verbose_name_plural = _("upload sessions")

    @property
    def complete(self) -> bool:
        return self.received >= self.size
