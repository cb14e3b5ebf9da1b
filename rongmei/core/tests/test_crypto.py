"""Personal data encrypted at rest (rongmei.core.crypto): the raw columns hold no phone number or
name, the desk still reads them, look-ups by phone work through the keyed hash, keys rotate."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from rongmei.core import crypto
from rongmei.fans.models import Fan
from rongmei.inquiries.models import Inquiry
from rongmei.practice.models import Volunteer
from rongmei.testing.personas import login_with_second_factor as desk_login

PHONE = "+8613912345001"


def raw(model, pk, *columns):
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


@pytest.fixture
def question(db, settings):
    from rongmei.testing.inquiries import NO_SUBMISSION_LIMITS, ask

    settings.RONGMEI_INQUIRIES = {**settings.RONGMEI_INQUIRIES, **NO_SUBMISSION_LIMITS}
    fan = Fan.objects.create(phone=PHONE, nickname="老李")
    return ask(fan)


def test_the_raw_columns_hold_no_phone_number_while_the_model_reads_it(question):
    fan_phone, fan_hash = raw(Fan, question.fan_id, "phone", "phone_hash")
    (inquiry_phone,) = raw(Inquiry, question.pk, "phone")
    for stored in (fan_phone, fan_hash, inquiry_phone):
        assert "13912345001" not in stored
    assert crypto.is_token(fan_phone) and crypto.is_token(inquiry_phone)
    assert Fan.objects.get(pk=question.fan_id).phone == PHONE
    assert Inquiry.objects.get(pk=question.pk).phone == PHONE


def test_the_desk_sees_the_citizens_phone(client, editor, question):
    page = desk_login(client, editor).get(reverse("desk:detail", args=[question.pk]))
    assert page.status_code == 200
    assert PHONE in page.content.decode()


def test_the_desk_finds_a_citizens_questions_by_phone(client, editor, question):
    from rongmei.testing.inquiries import ask

    other = ask(Fan.objects.create(phone="+8613912345002"), title="另一个小区的路灯坏了好几天")
    page = desk_login(client, editor).get(reverse("desk:queue"), {"tab": "all", "q": "139 1234 5001"})
    html = page.content.decode()
    assert question.receipt in html
    assert other.receipt not in html


def test_the_volunteers_real_name_is_not_stored_in_clear(db):
    import datetime as dt

    fan = Fan.objects.create(phone=PHONE)
    volunteer = Volunteer.objects.create(
        fan=fan, real_name="王志愿", consent_version="1", consented_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    (stored,) = raw(Volunteer, volunteer.pk, "real_name")
    assert "王" not in stored and crypto.is_token(stored)
    assert Volunteer.objects.get(pk=volunteer.pk).real_name == "王志愿"


def test_lookups_by_phone_use_the_keyed_hash(db):
    fan = Fan.objects.create(phone=PHONE)
    Fan.objects.create(phone="+8613912345002")
    assert Fan.objects.get(phone=PHONE) == fan
    assert Fan.objects.get(phone__iexact="139-1234-5001") == fan  # normalised like the login form
    assert list(Fan.objects.filter(phone__in=[PHONE, "+8613900000000"])) == [fan]
    assert Fan.objects.get_or_create(phone=PHONE) == (fan, False)
    assert not Fan.objects.filter(phone="+8613900000000").exists()


def test_the_hash_keeps_two_accounts_from_sharing_a_number(db):
    from django.db import IntegrityError, transaction

    Fan.objects.create(phone=PHONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Fan.objects.create(phone=PHONE)


@pytest.mark.parametrize("lookup", ["phone__contains", "phone__startswith", "phone__gt"])
def test_lookups_that_cannot_work_on_ciphertext_fail_loudly(db, lookup):
    with pytest.raises(FieldError):
        list(Fan.objects.filter(**{lookup: "138"}))


def test_a_field_without_a_hash_can_only_be_asked_whether_it_is_empty(db):
    assert list(Volunteer.objects.filter(real_name="")) == []
    with pytest.raises(FieldError):
        list(Volunteer.objects.filter(real_name="王志愿"))


def test_a_second_key_rotates_the_encryption(settings, question):
    settings.RONGMEI_PERSONAL_DATA_KEYS = ["old secret", settings.RONGMEI_CREDENTIALS_KEY or settings.SECRET_KEY]
    call_command("rotate_personal_data_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    (old_token,) = raw(Inquiry, question.pk, "phone")
    old_hash = raw(Fan, question.fan_id, "phone_hash")

    settings.RONGMEI_PERSONAL_DATA_KEYS = ["new secret", "old secret"]
    assert Inquiry.objects.get(pk=question.pk).phone == PHONE  # the old key still decrypts
    call_command("rotate_personal_data_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
    (new_token,) = raw(Inquiry, question.pk, "phone")
    assert new_token != old_token

    settings.RONGMEI_PERSONAL_DATA_KEYS = ["new secret"]  # the old secret dropped
    assert Inquiry.objects.get(pk=question.pk).phone == PHONE
    assert Fan.objects.get(phone=PHONE).pk == question.fan_id  # the hash key did not change
    assert raw(Fan, question.fan_id, "phone_hash") == old_hash
    # Running it again changes nothing.
    assert crypto.reencrypt_rows(Inquiry, ["phone"]) == 0

    settings.RONGMEI_PERSONAL_DATA_KEYS = ["an unrelated secret"]
    with pytest.raises(crypto.DecryptionError):
        Inquiry.objects.get(pk=question.pk)


def test_rows_written_before_encryption_are_encrypted_by_the_migration_helper(question):
    table = connection.ops.quote_name(Inquiry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET phone = %s, phone_hash = '' WHERE id = %s", [PHONE, question.pk])  # noqa: S608
    assert crypto.reencrypt_rows(Inquiry, ["phone"]) == 1
    stored, digest = raw(Inquiry, question.pk, "phone", "phone_hash")
    assert crypto.is_token(stored) and digest == crypto.blind_index(PHONE)
    assert Inquiry.objects.get(phone=PHONE).pk == question.pk
    # And back (the migration's reverse).
    assert crypto.decrypt_rows(Inquiry, ["phone"]) == 1
    assert raw(Inquiry, question.pk, "phone") == (PHONE,)


def test_a_value_that_only_looks_like_a_token_is_encrypted_like_any_other(db):
    """A name typed as "gAAAAAbc" is not a token: stored in clear it would never decrypt again."""
    import datetime as dt

    fan = Fan.objects.create(phone=PHONE)
    volunteer = Volunteer.objects.create(
        fan=fan, real_name="gAAAAAbc", consent_version="1", consented_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    (stored,) = raw(Volunteer, volunteer.pk, "real_name")
    assert stored != "gAAAAAbc" and crypto.is_token(stored)
    assert Volunteer.objects.get(pk=volunteer.pk).real_name == "gAAAAAbc"


def test_key_rotation_does_not_write_back_a_number_deleted_meanwhile(settings, db, monkeypatch):
    """reencrypt_rows reads a batch, then writes: a row changed in between is left as it now is."""
    fan = Fan.objects.create(phone=PHONE)
    other = Fan.objects.create(phone="+8613900007777")
    settings.RONGMEI_PERSONAL_DATA_KEYS = ["a new secret", settings.RONGMEI_CREDENTIALS_KEY or settings.SECRET_KEY]
    real_rotate = crypto.rotate

    def rotate_while_the_fan_deletes_the_account(token):
        Fan.objects.filter(pk=fan.pk).update(phone="", phone_hash=None)
        return real_rotate(token)

    monkeypatch.setattr(crypto, "rotate", rotate_while_the_fan_deletes_the_account)
    crypto.reencrypt_rows(Fan, ["phone"])
    assert raw(Fan, fan.pk, "phone", "phone_hash") == ("", None)
    assert Fan.objects.get(pk=other.pk).phone == "+8613900007777"
