from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayEntry(models.Model):
    """One day of the official holiday calendar entered by operators from the State Council's yearly notice.

    An entry wins over the built-in calendar (chinese_calendar) for its day, so it also serves to correct it.
    Years the built-in calendar does not know count only weekends as rest days until entries exist for them.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (rest day)")
        WORKDAY = "workday", _("Make-up workday")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("For example Spring Festival or National Day."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.get_kind_display()} {self.name}".strip()
