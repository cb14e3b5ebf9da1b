from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from rongmei.core import safety
from rongmei.core.models import AllowedPhrase, SensitiveWord, WordCategory


def _lists_changed(**kwargs) -> None:
    safety.lists_changed()


for _model in (WordCategory, SensitiveWord, AllowedPhrase):
    post_save.connect(_lists_changed, sender=_model, dispatch_uid=f"safety-{_model.__name__}-save")
    post_delete.connect(_lists_changed, sender=_model, dispatch_uid=f"safety-{_model.__name__}-delete")
