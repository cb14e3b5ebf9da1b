from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    """A publishing channel of the center. Publishing to it comes with the distribution issue."""

    class Code(models.TextChoices):
        NEWSPAPER = "newspaper", _("Newspaper")
        RADIO = "radio", _("Radio")
        TV = "tv", _("Television")
        WEBSITE = "website", _("Website")
        GOV_SITE = "gov_site", _("Government website")
        WECHAT_OA = "wechat_oa", _("WeChat official account")
        APP = "app", _("App")
        DOUYIN = "douyin", _("Douyin")
        KUAISHOU = "kuaishou", _("Kuaishou")
        WECHAT_CHANNELS = "wechat_channels", _("WeChat Channels")
        WEIBO = "weibo", _("Weibo")

    code = models.CharField(_("code"), max_length=20, choices=Code.choices, unique=True)
    name = models.CharField(_("name"), max_length=40)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name
