"""python manage.py backup PATH: the database and the uploaded files in one archive
(rongmei.core.backup; docs/operations.md "Backup and restore")."""

from django.core.management.base import BaseCommand, CommandError

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
        self.stdout.write(f"{done.path}: {done.vendor} database and {done.files} files, {done.bytes:,} bytes")
