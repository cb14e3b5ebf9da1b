from django.core.management.base import BaseCommand

from rongmei.distribution.services import resume_due


class Command(BaseCommand):
    help = "Send and retract the publications that are due but lost their task (after a queue outage)."

    def handle(self, *args, **options):
        self.stdout.write(f"{resume_due()} publications handled")
