"""Personal data encrypted at rest: citizens' and volunteers' phone numbers, real names, addresses.

``EncryptedTextField`` keeps a Fernet token in the column and the clear value in memory. The keys
come from ``settings.RONGMEI_PERSONAL_DATA_KEYS`` (a list of secrets, each stretched with HKDF):
the first one encrypts, every one decrypts (``MultiFernet``), so a key is rotated by putting a new
secret first, running ``manage.py rotate_personal_data_key`` and then dropping the old secret.
Without the setting the key derives from ``RONGMEI_CREDENTIALS_KEY`` (else ``SECRET_KEY``), like
the channel credentials, with another HKDF label: the two keys never coincide.

A token is different every time, so the database cannot compare encrypted values. A field that
must be found by value (a fan logs in by phone; the desk finds a citizen's earlier questions by
phone) has a ``BlindIndexField`` beside it: an HMAC-SHA256 of the normalised value under its own
key (``RONGMEI_PERSONAL_DATA_INDEX_KEY``, derived the same way when unset). That key does not
rotate with the encryption keys: changing it would orphan every index value (write the migration
that recomputes them first). ``filter(phone=…)``, ``phone__iexact`` and ``phone__in`` on an
encrypted field with an index are rewritten to compare the index; any other lookup (contains,
startswith, ordering is meaningless too) fails loudly instead of silently matching nothing.

The index is computed in ``pre_save``: ``save()``, ``create()`` and ``bulk_create()`` keep it in
step; ``QuerySet.update(phone=…)`` and ``bulk_update`` do not — set both fields there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connections, models, router
from django.db.models.lookups import Lookup

_ENCRYPTION_INFO = b"rongmei.core.personal-data.v1"
_INDEX_INFO = b"rongmei.core.personal-data-index.v1"
# Every Fernet token starts with the version byte 0x80, base64: "gAAAAA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


class DecryptionError(ImproperlyConfigured):
    """A stored value no configured key opens: a key was dropped from the list too early."""


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def _fallback_secret() -> str:
    return getattr(settings, "RONGMEI_CREDENTIALS_KEY", "") or settings.SECRET_KEY


def _secrets() -> tuple[str, ...]:
    configured = [s for s in (getattr(settings, "RONGMEI_PERSONAL_DATA_KEYS", None) or []) if s]
    return tuple(configured) or (_fallback_secret(),)


@lru_cache(maxsize=8)
def _multifernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(s, _ENCRYPTION_INFO))) for s in secrets])


def fernet() -> MultiFernet:
    return _multifernet(_secrets())


@lru_cache(maxsize=4)
def _index_key(secret: str) -> bytes:
    return _derive(secret, _INDEX_INFO)


def index_key() -> bytes:
    return _index_key(getattr(settings, "RONGMEI_PERSONAL_DATA_INDEX_KEY", "") or _fallback_secret())


def is_token(value: str) -> bool:
    """A token one of our keys opens. The prefix alone is not enough: a person may type a name or
    an address that starts with "gAAAAA", and that must be encrypted like any other."""
    if not (isinstance(value, str) and value.startswith(TOKEN_PREFIX)):
        return False
    try:
        fernet().decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def encrypt(value: str) -> str:
    """A token for ``value``; the empty string stays empty (nothing to hide, and "has a phone?"
    stays a plain comparison)."""
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A personal data value cannot be decrypted: RONGMEI_PERSONAL_DATA_KEYS lacks the key it was written with."
        ) from None


def rotate(token: str) -> str:
    """The token re-encrypted with the first key (the same token when it already is)."""
    if not token:
        return ""
    try:
        _multifernet(_secrets()[:1]).decrypt(token.encode())
    except InvalidToken:
        pass
    else:
        return token
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("A personal data value cannot be decrypted with any configured key.") from None


# --- blind indexes ---------------------------------------------------------------------------------

_NOT_DIGIT = re.compile(r"\D")


def normalise_phone(value: str) -> str:
    """Digits only, without the +86 country code: "+86 138-0013-8001" and "13800138001" agree."""
    digits = _NOT_DIGIT.sub("", value or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def normalise_text(value: str) -> str:
    return " ".join((value or "").split()).casefold()


NORMALISERS = {"phone": normalise_phone, "text": normalise_text}


def blind_index(value: str, kind: str = "phone") -> str:
    """The keyed hash (hex) of ``value`` normalised as ``kind``; "" for an empty value."""
    normal = NORMALISERS[kind](value)
    if not normal:
        return ""
    return hmac.new(index_key(), f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


class BlindIndexField(models.CharField):
    """The keyed hash of another (encrypted) field of the same model, kept in step on save."""

    def __init__(self, *args, source: str = "", kind: str = "phone", **kwargs):
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["kind"] = self.source, self.kind
        for key, value in (("max_length", 64), ("editable", False), ("blank", True)):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def digest(self, value) -> str:
        return blind_index(str(value or ""), self.kind)

    def pre_save(self, model_instance, add):
        value = self.digest(getattr(model_instance, self.source))
        if self.null and not value:
            value = None
        setattr(model_instance, self.attname, value)
        return value


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python sees the clear text. ``max_length`` limits what
    forms accept (the token is longer)."""

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def to_python(self, value):
        return value if value is None else str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        if is_token(value):
            # Already a token (a data migration copying raw columns): never encrypt twice.
            return value
        return encrypt(value)

    def formfield(self, **kwargs):
        return models.CharField.formfield(self, **{"form_class": forms.CharField, **kwargs})

    def index_field(self) -> BlindIndexField:
        for field in self.model._meta.concrete_fields:
            if isinstance(field, BlindIndexField) and field.source == self.name:
                return field
        raise FieldError(f"{self.model._meta.label}.{self.name} is encrypted and has no blind index: it cannot be filtered on.")

    def get_lookup(self, lookup_name):
        if lookup_name in ("exact", "iexact"):
            return BlindExact
        if lookup_name == "in":
            return BlindIn
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        # contains, startswith, gt …: impossible on ciphertext. None makes Django raise FieldError.
        return None

    def get_transform(self, lookup_name):
        return None


class _BlindLookup(Lookup):
    prepare_rhs = False
    can_use_none_as_rhs = False

    def _index_sql(self, compiler, connection):
        target = getattr(self.lhs, "target", None)
        if not isinstance(target, EncryptedTextField):
            raise FieldError("Encrypted fields can only be compared as columns.")
        index = target.index_field()
        sql, params = compiler.compile(index.get_col(self.lhs.alias))
        return index, sql, list(params)


class BlindExact(_BlindLookup):
    lookup_name = "exact"

    def as_sql(self, compiler, connection):
        if hasattr(self.rhs, "resolve_expression"):
            raise FieldError("An encrypted field can only be compared with a value.")
        if self.rhs == "":
            # "" is stored as "" (never encrypted): any encrypted field can be asked whether it is empty.
            sql, params = compiler.compile(self.lhs)
            return f"{sql} = %s", [*params, ""]
        index, sql, params = self._index_sql(compiler, connection)
        return f"{sql} = %s", [*params, index.digest(self.rhs)]


class BlindIn(_BlindLookup):
    lookup_name = "in"

    def as_sql(self, compiler, connection):
        if hasattr(self.rhs, "resolve_expression") or not isinstance(self.rhs, Iterable) or isinstance(self.rhs, str):
            raise FieldError("An encrypted field can only be compared with a list of values.")
        index, sql, params = self._index_sql(compiler, connection)
        digests = sorted({index.digest(v) for v in self.rhs})
        if not digests:
            return "1 = 0", []
        return f"{sql} IN ({', '.join(['%s'] * len(digests))})", [*params, *digests]


def reencrypt_rows(model, fields: Iterable[str], *, batch: int = 500) -> int:
    """Re-encrypt ``fields`` of every row of ``model`` with the first key and recompute their blind
    indexes; returns the rows changed. Reads and writes the raw columns (a historical model in a
    migration works too). Safe to repeat: a row already current is left alone."""
    fields = list(fields)
    columns = {name: model._meta.get_field(name).column for name in fields}
    indexes = {f.source: f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField) and f.source in columns}
    changed = 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    names = [*fields, *[f"#{name}" for name in indexes]]
    raw_columns = [columns[n] for n in fields] + [indexes[n].column for n in indexes]
    cols = ", ".join(connection.ops.quote_name(c) for c in raw_columns)
    last = None
    while True:
        with connection.cursor() as cursor:
            where = f" WHERE {pk_column} > %s" if last is not None else ""
            cursor.execute(
                f"SELECT {pk_column}, {cols} FROM {table}{where} ORDER BY {pk_column} LIMIT {int(batch)}",  # noqa: S608
                [last] if last is not None else [],
            )
            rows = cursor.fetchall()
        if not rows:
            return changed
        for pk, *values in rows:
            last = pk
            stored = dict(zip(names, values, strict=True))
            updates = {}
            for name in fields:
                raw = stored[name] or ""
                # By its prefix here: a token no key opens must fail loudly (DecryptionError), never
                # be taken for clear text and encrypted a second time.
                looks = raw.startswith(TOKEN_PREFIX)
                clear = decrypt(raw) if looks else raw
                token = rotate(raw) if looks else encrypt(clear)
                if token != raw:
                    updates[columns[name]] = token
                if name in indexes:
                    index = indexes[name]
                    digest = index.digest(clear) or (None if index.null else "")
                    if digest != stored[f"#{name}"]:
                        updates[index.column] = digest
            if updates:
                # Only if the row still holds what was read: a person deleting their account
                # meanwhile must not get their number written back.
                sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
                same = " AND ".join(
                    f"{connection.ops.quote_name(c)} IS NULL" if v is None else f"{connection.ops.quote_name(c)} = %s"
                    for c, v in zip(raw_columns, values, strict=True)
                )
                params = [*updates.values(), pk, *[v for v in values if v is not None]]
                with connection.cursor() as cursor:
                    cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk_column} = %s AND {same}", params)  # noqa: S608
                    changed += cursor.rowcount == 1


def decrypt_rows(model, fields: Iterable[str], *, batch: int = 500) -> int:
    """The way back (a reversed migration): write the clear text into the raw columns."""
    fields = list(fields)
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    columns = [model._meta.get_field(n).column for n in fields]
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk_column}, {cols} FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    changed = 0
    for pk, *values in rows:
        updates = {c: decrypt(v) for c, v in zip(columns, values, strict=True) if is_token(v or "")}
        if updates:
            sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk_column} = %s", [*updates.values(), pk])  # noqa: S608
            changed += 1
    return changed
