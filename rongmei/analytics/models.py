"""Readership: raw beacon events, the day's salt for device hashes, and the daily rollups.

Raw events are many (millions a day at full scale) and short-lived: compact rows of small
integers, one index (the day, which every rollup and every retention delete filters on), no
foreign keys (rows are written in bulk and outlive a story's retraction or a column's removal).
Rollups are few and kept for good.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.IntegerChoices):
    """What happened. Values are stored in every raw row; never renumber them."""

    VIEW = 1, _("Page view")
    READ = 2, _("Read")
    PLAY = 3, _("Play")
    SHARE = 4, _("Share")
    # Advertising (rongmei.advertising): the event names the creative, not an article or a page.
    AD_VIEW = 10, _("Ad impression")
    AD_CLICK = 11, _("Ad click")


AD_KINDS = (Kind.AD_VIEW, Kind.AD_CLICK)


class Via(models.IntegerChoices):
    """Where the reader was: our website, our app, or WeChat's browser. (Not a distribution
    Channel: those are where a story is published; this is where it is read.)"""

    WEB = 1, _("Website")
    APP = 2, _("App")
    WECHAT = 3, _("WeChat")


# The beacon's names for the kinds and the places it is read, as the API spells them. A click on
# an ad is counted by its redirect (/ops/c/<creative>/), never sent by the beacon.
KIND_CODES = {"view": Kind.VIEW, "read": Kind.READ, "play": Kind.PLAY, "share": Kind.SHARE, "ad_view": Kind.AD_VIEW}
VIA_CODES = {"web": Via.WEB, "app": Via.APP, "wechat": Via.WECHAT}


class Event(models.Model):
    """One beacon event. ``device`` is the first 8 bytes of HMAC-SHA256(day's salt, device id) as a
    signed integer: the same reader is the same number within one day and unrelated across days.
    No address, no user agent, no path is kept."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()  # the local day the server received it (the day whose salt hashed it)
    at = models.DateTimeField()  # when it happened (the client's ts when plausible)
    kind = models.SmallIntegerField(choices=Kind.choices)
    via = models.SmallIntegerField(choices=Via.choices)
    device = models.BigIntegerField()
    article_id = models.IntegerField(null=True)  # a story live on the site when received
    column_id = models.IntegerField(null=True)  # a column page (events of articles carry none)
    seconds = models.IntegerField(null=True)  # time on the page, for reads
    creative_id = models.IntegerField(null=True)  # an ad's creative, for ad impressions and clicks

    class Meta:
        indexes = [models.Index(fields=["day"], name="analytics_event_day")]
        verbose_name = _("readership event")
        verbose_name_plural = _("readership events")


class DaySalt(models.Model):
    """The random key device ids are hashed with on one day. Deleted once that day is rolled up,
    so nobody (us included) can tell whether two days' events came from the same device."""

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)


class Dimension(models.IntegerChoices):
    SITE = 1, _("Whole site")
    VIA = 2, _("Where read")
    ARTICLE = 3, _("Article")
    COLUMN = 4, _("Column")
    AUTHOR = 5, _("Author")
    CREATIVE = 6, _("Ad creative")


class DailyRollup(models.Model):
    """One day's figures of one thing: the whole site (key 0), a place it is read (key = Via), an
    article (story id), a column (column id), an author (user id) or an ad creative (creative id).
    ``via`` 0 is all places together; articles also get a row per place.

    ``views`` page views (PV); ``visitors`` devices that viewed (UV); ``devices`` devices with any
    event (DAU for the site); ``reads``, ``plays``, ``shares`` events. Visitors of different days
    do not add up to the visitors of a period: device hashes change every day on purpose.

    A creative's row: ``views`` impressions, ``visitors`` devices that saw it, ``devices`` devices
    with an impression or a click, ``clicks`` clicks (0 on every other row)."""

    ALL_VIA = 0

    day = models.DateField()
    dimension = models.SmallIntegerField(choices=Dimension.choices)
    key = models.BigIntegerField()
    via = models.SmallIntegerField(default=ALL_VIA)
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    devices = models.PositiveIntegerField(default=0)
    reads = models.PositiveIntegerField(default=0)
    plays = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index of an article's counters: (ARTICLE, id, all places, days).
            models.UniqueConstraint(fields=["dimension", "key", "via", "day"], name="analytics_rollup_unique"),
        ]
        indexes = [
            models.Index(fields=["day", "dimension"], name="analytics_rollup_day"),
            # The staff pages' "top … of a period" sums read only this index (a covering one):
            # a year of articles in about half the time (bench/analytics.py).
            models.Index(
                fields=["dimension", "via", "day", "key", "views", "visitors", "reads", "plays", "shares"],
                name="analytics_rollup_period",
            ),
        ]
        verbose_name = _("daily readership figure")
        verbose_name_plural = _("daily readership figures")


class RollupRun(models.Model):
    """A day that was rolled up. ``complete`` once the day was over when it ran: its raw events
    will not change any more and its salt is gone."""

    day = models.DateField(unique=True)
    events = models.PositiveBigIntegerField(default=0)
    complete = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("readership rollup")
        verbose_name_plural = _("readership rollups")

    def __str__(self) -> str:
        return str(self.day)
