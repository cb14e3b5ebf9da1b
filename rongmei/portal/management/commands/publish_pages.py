from django.core.management.base import BaseCommand

from rongmei.portal import static_pages


class Command(BaseCommand):
    help = (
        "Write the published pages (articles live on the site, the home page, the columns) as files "
        "for nginx or the embedded edge to serve. With --if-stale, only when templates, static "
        "files or translations changed since the pages were written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-stale", action="store_true", help="do nothing when the pages are current")

    def handle(self, *args, if_stale=False, **options):
        if if_stale and not static_pages.is_stale():
            self.stdout.write(f"Published pages in {static_pages.root()} are current.")
            return
        counts = static_pages.publish_all()
        self.stdout.write(
            f"Published {counts['stories']} articles and {counts['columns']} columns and the home page "
            f"in {static_pages.root()}; removed {counts['removed']} stale pages."
        )
