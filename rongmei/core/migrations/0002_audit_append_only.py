"""Database triggers that refuse UPDATE and DELETE on the audit log, even for raw SQL."""

from django.db import migrations

from rongmei.core import db_triggers


def forwards(apps, schema_editor):
    db_triggers.install(schema_editor.connection)


def backwards(apps, schema_editor):
    db_triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
