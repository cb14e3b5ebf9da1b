"""Channel credentials (endpoint URLs, secrets, app ids) encrypted at rest with Fernet.

The key is derived with HKDF-SHA256 from ``settings.RONGMEI_CREDENTIALS_KEY`` when that is set
(recommended: rotating SECRET_KEY then does not lose the channels' credentials), else from
SECRET_KEY. Decrypted values live only in memory while a channel is called; they are never put in
a log line, an error message, an API response or the admin.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"rongmei.distribution.channel-credentials.v1"


@lru_cache(maxsize=4)
def _fernet_for(secret: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def _fernet() -> Fernet:
    return _fernet_for(getattr(settings, "RONGMEI_CREDENTIALS_KEY", "") or settings.SECRET_KEY)


def encrypt(values: dict) -> str:
    return _fernet().encrypt(json.dumps(values, ensure_ascii=False).encode()).decode()


def decrypt(token: str) -> dict:
    """The stored values, or {} when none are stored or the key changed (the channel then reads
    as not configured and an operator enters the credentials again)."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}
