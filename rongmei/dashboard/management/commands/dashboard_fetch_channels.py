"""Fetch the center's WeChat official account figures of the last days into the data center
(cron, every morning after 08:00, when WeChat has prepared yesterday's)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError
from rongmei.dashboard import wechat_figures


class Command(BaseCommand):
    help = "Fetch the WeChat official account's daily figures (followers, reads, likes, shares, comments) of the last days."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="how many days up to yesterday (default 7)")

    def handle(self, *args, days: int, **options):
        if not 1 <= days <= wechat_figures.MAX_DAYS:
            raise CommandError(_("--days must be 1 to %(n)s.") % {"n": wechat_figures.MAX_DAYS})
        if wechat_figures.wechat_channel() is None:
            self.stdout.write(_("No WeChat official account channel with an AppID and secret: nothing to fetch."))
            return
        try:
            fetched = wechat_figures.fetch_recent(actor=None, days=days)
        except DomainError as e:
            raise CommandError(e.message) from None
        self.stdout.write(_("%(n)s days fetched (%(a)s to %(b)s).") % {"n": fetched.days, "a": fetched.first, "b": fetched.last})
