"""python manage.py import_wordlist FILE [FILE …] --category NAME --severity block|flag [--actor USERNAME]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rongmei.core import services
from rongmei.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Import sensitive words from plain-text files (UTF-8, one entry a line) into a category."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="plain-text word lists")
        parser.add_argument("--category", help="category name (default: each file's name without extension)")
        parser.add_argument("--severity", required=True, choices=services.SEVERITIES, help="severity of a category created here")
        parser.add_argument("--actor", metavar="USERNAME", help="the administrator recorded in the audit log (default: the system)")

    def handle(self, *args, files, category, severity, actor, **options):
        user = None
        if actor:
            try:
                user = get_user_model().objects.get(username=actor)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user named %(name)s.") % {"name": actor}) from None

        paths = [Path(f) for f in files]
        for path in paths:  # check every file first: a typo in the last name must not leave half an import
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})

        total_created = 0
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}) from None
            try:
                report = services.import_wordlist(
                    actor=user, data=data, category=category or path.stem, severity=severity, source=path.name
                )
            except DomainError as exc:
                raise CommandError(exc.message) from None
            for line in report.lines():
                self.stdout.write(line)
            total_created += report.created
        if len(paths) > 1:
            self.stdout.write(_("%(n)s words added from %(files)s files.") % {"n": total_created, "files": len(paths)})
