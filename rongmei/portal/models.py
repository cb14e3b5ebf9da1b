"""The public app's columns (栏目) as operators set them: 头条, 魅力泌阳, 政务服务 …"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Column(models.Model):
    """A column of the public website and app. An articles or video column lists the live stories
    of its newsroom teams; a link column points elsewhere (e.g. a service hall); services and
    special-topic columns get their content with later steps of the public app."""

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
    link = models.URLField(_("link"), blank=True, help_text=_("For a link column: where it leads."))
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
