"""python manage.py restore PATH: put back a backup made by `backup` (it replaces the database and
the files; rongmei.core.backup). Stop the web processes and workers first."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rongmei.core import backup
from rongmei.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Replace the database, the media files and the published pages with those of the backup at PATH."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask for confirmation")

    def handle(self, *args, path: str, interactive: bool, **options):
        try:
            manifest = backup.read_manifest(Path(path))
        except DomainError as e:
            raise CommandError(e.message) from None
        if interactive:
            self.stdout.write(
                _("This replaces the whole database and every media file with the backup of %(when)s (%(center)s). Type yes to go on:")
                % {"when": manifest["created_at"], "center": manifest.get("center", "")}
            )
            if input().strip().lower() != "yes":
                raise CommandError(_("Restore cancelled; nothing was changed."))
        try:
            done = backup.restore(path)
        except DomainError as e:
            raise CommandError(e.message) from None
        self.stdout.write(
            _("Restored %(path)s: the %(vendor)s database and %(n)s files. Now run manage.py migrate.")
            % {"path": done.path, "vendor": done.vendor, "n": done.files}
        )
