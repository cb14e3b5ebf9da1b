from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rongmei.accounts import services
from rongmei.accounts.models import ApiToken
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.testing.personas import make_user


def test_create_token_returns_the_raw_key_once_and_stores_only_its_hash(reporter):
    token, raw = services.create_token(actor=reporter, name="发布脚本", expires_in_days=30)
    assert raw.startswith("rm_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == ApiToken.hash(raw)
    assert raw not in {stored.key_hash, stored.hint, stored.name}
    assert raw.startswith(stored.hint)
    assert stored.expires_at > timezone.now() + dt.timedelta(days=29)
    assert AuditLog.objects.filter(action="accounts.token_create", subject_id=str(token.pk)).exists()


@pytest.mark.parametrize("name,days", [("", None), ("x" * 61, None), ("脚本", 0), ("脚本", 5000)])
def test_create_token_refuses_a_missing_name_or_odd_expiry(reporter, name, days):
    with pytest.raises(DomainError):
        services.create_token(actor=reporter, name=name, expires_in_days=days)


def test_authenticate_token_finds_the_owner_of_a_live_token(reporter):
    _token, raw = services.create_token(actor=reporter, name="脚本")
    assert services.authenticate_token(raw) == reporter
    assert services.authenticate_token(raw + "x") is None
    assert services.authenticate_token("") is None
    assert services.authenticate_token("not-a-token") is None


def test_revoked_and_expired_tokens_and_inactive_users_do_not_authenticate(reporter, reporter2):
    revoked, raw_revoked = services.create_token(actor=reporter, name="旧脚本")
    services.revoke_token(actor=reporter, token=revoked)
    expired, raw_expired = services.create_token(actor=reporter, name="临时", expires_in_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _token, raw_inactive = services.create_token(actor=reporter2, name="脚本")
    reporter2.is_active = False
    reporter2.save()
    assert services.authenticate_token(raw_revoked) is None
    assert services.authenticate_token(raw_expired) is None
    assert services.authenticate_token(raw_inactive) is None


def test_last_used_is_written_at_most_once_a_minute(reporter):
    token, raw = services.create_token(actor=reporter, name="脚本")
    services.authenticate_token(raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    services.authenticate_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    assert AuditLog.objects.filter(action="accounts.token_use", subject_id=str(token.pk)).count() == 1
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    services.authenticate_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - dt.timedelta(minutes=1)
    assert AuditLog.objects.filter(action="accounts.token_use", subject_id=str(token.pk)).count() == 2


def test_only_the_owner_or_an_admin_may_revoke(reporter, reporter2):
    token, _raw = services.create_token(actor=reporter, name="脚本")
    with pytest.raises(NotAllowed):
        services.revoke_token(actor=reporter2, token=token)
    admin = make_user("admin1", "管理员", "admin")
    services.revoke_token(actor=admin, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditLog.objects.filter(action="accounts.token_revoke", actor=admin).exists()
    with pytest.raises(StateConflict):
        services.revoke_token(actor=reporter, token=token)


def test_issue_token_prints_a_working_token_once(reporter):
    out, err = StringIO(), StringIO()
    call_command("issue_token", reporter.username, "--name", "采编系统对接", "--days", "90", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert services.authenticate_token(raw) == reporter
    token = ApiToken.objects.get(user=reporter)
    assert token.name == "采编系统对接"
    assert token.key_hash == ApiToken.hash(raw)
    assert raw not in err.getvalue()


@pytest.mark.parametrize("args", [["nobody"], ["wangxj", "--days", "0"]])
def test_issue_token_fails_with_a_message(people, args):
    with pytest.raises(CommandError) as excinfo:
        call_command("issue_token", *args, stdout=StringIO(), stderr=StringIO())
    assert str(excinfo.value)
