"""What operators arrange on the public app: its columns (栏目: 头条, 魅力泌阳, 政务服务 …), the
home page's carousel (轮播) and pinned headlines (头条), and special topics (专题)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PICTURE_MAX_BYTES = 10 * 1024 * 1024
PICTURE_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]


def validate_picture_size(file) -> None:
    if file and file.size > PICTURE_MAX_BYTES:
        raise ValidationError(_("The picture is larger than %(mb)s MB.") % {"mb": PICTURE_MAX_BYTES // 2**20})


def _picture_field(verbose_name, upload_to: str, help_text):
    return models.ImageField(
        verbose_name,
        upload_to=upload_to,
        blank=True,
        max_length=300,
        validators=[FileExtensionValidator(PICTURE_EXTENSIONS), validate_picture_size],
        help_text=help_text,
    )


def validate_link(value: str) -> None:
    """A path on this site, or an http(s) address: nothing else (no javascript:, no //other-host)."""
    if value.startswith("/") and not value.startswith("//"):
        if any(ch.isspace() for ch in value):
            raise ValidationError(_("An address cannot contain spaces."))
        return
    URLValidator(schemes=["http", "https"])(value)


class Column(models.Model):
    """A column of the public website and app. An articles or video column lists the live stories
    of its newsroom teams; a link column points elsewhere (e.g. a service hall); a services column
    leads to the services directory (/services/, or its link); a special-topic column shows a
    topic or all of them."""

    class Kind(models.TextChoices):
        ARTICLES = "articles", _("Articles")
        VIDEO = "video", _("Video")
        SERVICES = "services", _("Services")
        LINKS = "links", _("Link")
        TOPIC = "topic", _("Special topic")

    name = models.CharField(_("name"), max_length=20, unique=True)
    slug = models.SlugField(_("short name"), max_length=40, unique=True, help_text=_("Used in the address: /column/<short name>/"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ARTICLES)
    icon = models.CharField(_("icon"), max_length=8, blank=True, help_text=_("One or two characters or an emoji shown before the name."))
    description = models.CharField(_("description"), max_length=200, blank=True)
    teams = models.ManyToManyField(
        "accounts.Team",
        verbose_name=_("newsroom teams"),
        blank=True,
        related_name="columns",
        help_text=_("An articles or video column lists the published stories of these teams."),
    )
    link = models.CharField(
        _("link"),
        max_length=300,
        blank=True,
        validators=[validate_link],
        help_text=_(
            "A page of this site (/services/, /councils/renda/) or an http(s) address. A link or services column "
            "leads there; an articles column shows it at the top as its related page."
        ),
    )
    topic = models.ForeignKey(
        "Topic",
        verbose_name=_("special topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="columns",
        help_text=_("For a special-topic column: the topic it shows. Empty: it lists every shown topic."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("shown"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("column")
        verbose_name_plural = _("columns")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.LINKS and not self.link:
            raise ValidationError({"link": _("A link column needs the address it leads to.")})
        if self.topic_id and self.kind != self.Kind.TOPIC:
            raise ValidationError({"topic": _("Only a special-topic column shows a topic.")})


class Feature(models.Model):
    """A story an operator puts on the home page: in the carousel (轮播, with a picture) or among
    the pinned headlines (头条), for a time window. Only stories live on the site show
    (distribution.selectors.published_stories): a retracted story leaves the home page with it."""

    class Slot(models.TextChoices):
        CAROUSEL = "carousel", _("Carousel")
        HEADLINE = "headline", _("Pinned headline")

    story = models.ForeignKey("newsroom.Story", verbose_name=_("story"), on_delete=models.CASCADE, related_name="portal_features")
    slot = models.CharField(_("position on the home page"), max_length=10, choices=Slot.choices, default=Slot.CAROUSEL)
    title = models.CharField(
        _("title"), max_length=80, blank=True, help_text=_("Shown instead of the headline; empty: the published headline.")
    )
    image = _picture_field(
        _("picture"),
        "portal/features/%Y/%m/",
        _("Shown instead of the story's first photo (JPEG, PNG or WebP, up to 10 MB). A carousel entry without any picture is not shown."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    starts_at = models.DateTimeField(_("shown from"), null=True, blank=True, help_text=_("Empty: at once."))
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True, help_text=_("Empty: until taken down."))
    active = models.BooleanField(_("shown"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["slot", "sort_order", "-id"]
        verbose_name = _("home page feature")
        verbose_name_plural = _("home page features")
        constraints = [
            models.UniqueConstraint(fields=["story", "slot"], name="portal_feature_story_slot"),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True) | models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="portal_feature_window",
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(self.story)

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})


class Topic(models.Model):
    """A special topic (专题): a cover, a summary and an ordered set of stories, with its own page
    /topic/<short name>/, share card and QR poster. Only its stories live on the site show."""

    title = models.CharField(_("title"), max_length=40, unique=True)
    slug = models.SlugField(
        _("short name"),
        max_length=50,
        unique=True,
        blank=True,
        help_text=_("Used in the address: /topic/<short name>/. Empty: made from the title."),
    )
    summary = models.TextField(_("summary"), max_length=500, blank=True)
    cover = _picture_field(
        _("cover picture"),
        "portal/topics/%Y/%m/",
        _("JPEG, PNG or WebP, up to 10 MB. Empty: the first photo of the story marked as cover, else of its first story with one."),
    )
    stories = models.ManyToManyField("newsroom.Story", through="TopicStory", related_name="portal_topics", blank=True)
    active = models.BooleanField(_("shown"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["sort_order", "-created_at", "-id"]
        verbose_name = _("special topic")
        verbose_name_plural = _("special topics")

    def __str__(self) -> str:
        return self.title


class TopicStory(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("special topic"), on_delete=models.CASCADE, related_name="entries")
    story = models.ForeignKey("newsroom.Story", verbose_name=_("story"), on_delete=models.CASCADE, related_name="topic_entries")
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_cover = models.BooleanField(
        _("cover"), default=False, help_text=_("Its first photo is the topic's cover (when no cover picture is uploaded).")
    )

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("story of a special topic")
        verbose_name_plural = _("stories of a special topic")
        constraints = [
            models.UniqueConstraint(fields=["topic", "story"], name="portal_topicstory_unique"),
            models.UniqueConstraint(fields=["topic"], condition=models.Q(is_cover=True), name="portal_topicstory_one_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.topic}: {self.story}"
