"""python manage.py backup PATH: the database and the uploaded files in one archive
(rongmei.core.backup; docs/operations.md "Backup and restore")."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rongmei.core import backup
from rongmei.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Write a backup of the database, the media files and the published pages to PATH (a new .tar file)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive to create, e.g. /srv/backup/rongmei-2026-11-27.tar")

    def handle(self, *args, path: str, **options):
        try:
            done = backup.backup(path)
        except DomainError as e:
            raise CommandError(e.message) from None
        self.stdout.write(
            _("%(path)s: the %(vendor)s database and %(n)s files, %(size)s bytes.")
            % {"path": done.path, "vendor": done.vendor, "n": done.files, "size": f"{done.bytes:,}"}
        )
