from django.core.management.base import BaseCommand

from rongmei.search import services


class Command(BaseCommand):
    help = "Rebuild the search index from the stories live on the website/app."

    def handle(self, *args, **options):
        count = services.rebuild()
        self.stdout.write(f"Indexed {count} stories.")
