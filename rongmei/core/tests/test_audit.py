"""The audit log is append-only: the model, its queryset and the database (triggers of core 0002) refuse changes."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from rongmei.core import audit
from rongmei.core.models import AuditLog, Place


def a_line(actor=None) -> AuditLog:
    town = Place.objects.create(name="泌水街道")
    return audit.record("place.create", actor=actor, subject=town, summary="添加乡镇：泌水街道")


def raw(sql: str, params=()) -> None:
    # The failing statement gets its own savepoint, so the test's transaction stays usable.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_record_writes_who_what_and_the_subject(reporter):
    line = a_line(reporter)
    assert (line.actor, line.actor_name, line.action) == (reporter, "王小记", "place.create")
    assert (line.subject_type, line.subject_id) == ("core.place", str(Place.objects.get().pk))
    assert list(audit.history(Place.objects.get())) == [line]


@pytest.mark.django_db
def test_a_line_without_an_actor_is_written_by_the_system():
    line = a_line()
    assert line.actor is None and line.actor_name


@pytest.mark.django_db
def test_a_saved_line_cannot_be_changed_or_deleted_through_the_model():
    line = a_line()
    line.summary = "改写"
    with pytest.raises(TypeError):
        line.save()
    with pytest.raises(TypeError):
        line.delete()
    assert AuditLog.objects.get().summary == "添加乡镇：泌水街道"


@pytest.mark.django_db
def test_the_queryset_refuses_update_and_delete():
    a_line()
    with pytest.raises(TypeError):
        AuditLog.objects.update(summary="改写")
    with pytest.raises(TypeError):
        AuditLog.objects.filter(action="place.create").delete()
    with pytest.raises(TypeError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.count() == 1


@pytest.mark.django_db
def test_raw_sql_cannot_update_a_line():
    line = a_line()
    with pytest.raises(DatabaseError):
        raw("UPDATE core_auditlog SET summary = %s WHERE id = %s", ["改写", line.pk])
    assert AuditLog.objects.get().summary == "添加乡镇：泌水街道"


@pytest.mark.django_db
def test_raw_sql_cannot_delete_a_line():
    a_line()
    with pytest.raises(DatabaseError):
        raw("DELETE FROM core_auditlog")
    assert AuditLog.objects.count() == 1


@pytest.mark.django_db
def test_raw_sql_can_still_append_a_line():
    a_line()
    raw(
        "INSERT INTO core_auditlog (created_at, actor_name, action, subject_type, subject_id, summary, from_state, to_state, data) "
        "VALUES (%s, '', 'raw', 'core.place', '1', 'raw insert', '', '', '{}')",
        ["2026-01-01 00:00:00+00:00"],
    )
    assert AuditLog.objects.count() == 2


@pytest.mark.django_db
def test_postgresql_refuses_truncate_too():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    a_line()
    with pytest.raises(DatabaseError):
        raw("TRUNCATE core_auditlog")
    assert AuditLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_project_flush_command_empties_the_log_and_puts_the_triggers_back():
    a_line()
    call_command("flush", interactive=False, verbosity=0)
    assert AuditLog.objects.count() == 0
    line = a_line()
    with pytest.raises(DatabaseError):
        raw("UPDATE core_auditlog SET summary = 'x' WHERE id = %s", [line.pk])
    assert AuditLog.objects.get().summary == "添加乡镇：泌水街道"
