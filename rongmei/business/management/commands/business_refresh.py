from django.core.management.base import BaseCommand

from rongmei.business import services


class Command(BaseCommand):
    help = "Mark the deliverables whose story is published or whose live room has streamed as done (the safety net after a lost task)."

    def handle(self, *args, **options):
        count = services.refresh_open_projects()
        self.stdout.write(f"{count} project(s) refreshed")
