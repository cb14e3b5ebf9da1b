"""python manage.py rotate_personal_data_key: re-encrypt every encrypted personal data field with
the first key of settings.RONGMEI_PERSONAL_DATA_KEYS. Put the new secret first, run this, then drop
the old secret. Safe to repeat and to interrupt (each row is done on its own)."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from rongmei.core.crypto import EncryptedTextField, reencrypt_rows


def encrypted_fields():
    """(model, [field names]) for every model with an encrypted field."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names and not model._meta.proxy:
            yield model, names


class Command(BaseCommand):
    help = "Re-encrypt the personal data at rest with the first key of RONGMEI_PERSONAL_DATA_KEYS."

    def handle(self, *args, **options):
        for model, names in encrypted_fields():
            changed = reencrypt_rows(model, names)
            self.stdout.write(_("%(model)s: %(n)s rows re-encrypted") % {"model": model._meta.label, "n": changed})
