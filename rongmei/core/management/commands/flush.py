"""Django's flush, able to empty the append-only audit log.

Emptying the whole database is a deliberate reset (tests do it between transactional tests);
the audit triggers are lifted for the flush and put back right after.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from rongmei.core import db_triggers


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        db_triggers.remove(connection)
        try:
            return super().handle(**options)
        finally:
            db_triggers.install(connection)
