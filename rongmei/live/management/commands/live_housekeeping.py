"""Every minute from cron (docs/operations.md): end live pull rooms whose relay died, and build
the replay of rooms that ended longer than the reconnect grace ago and have none (a lost or never
run task). Safe to repeat."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext_lazy

from rongmei.live import relay, replay, services
from rongmei.live.models import LiveRoom


def overdue_replays(now=None) -> list[int]:
    now = now or timezone.now()
    rooms = LiveRoom.objects.filter(
        state=LiveRoom.State.ENDED, replay_asset__isnull=True, ended_at__lte=now - services.reconnect_grace()
    ).values_list("pk", flat=True)
    return [pk for pk in rooms if replay.recordings(pk)]


class Command(BaseCommand):
    help = gettext_lazy("End live pull rooms whose relay died and build overdue replays.")

    def handle(self, *args, **options):
        ended = relay.check_relays()
        built = []
        for room_id in overdue_replays():
            built.append(f"{room_id}: {replay.build_replay(room_id)}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"dead relays ended: {ended}; replays: {', '.join(built) or '-'}")
