import datetime as dt

import pytest
from freezegun import freeze_time

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.fans import services
from rongmei.fans.models import Fan, SmsCode
from rongmei.fans.tests.conftest import PHONE, last_code

IP = "203.0.113.7"
START = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _login(phone=PHONE, ip=IP):
    services.request_code(phone=phone, ip=ip)
    return services.verify_code(phone=phone, code=last_code(phone), ip=ip)


def test_a_new_number_registers_and_a_known_number_logs_in(db):
    fan, registered = _login()
    assert registered and fan.phone == "+8613800138000" and fan.last_login_at is not None
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)):
        again, registered = _login()
    assert not registered and again.pk == fan.pk and Fan.objects.count() == 1


def test_only_a_hash_of_the_code_is_stored(db):
    sent = services.request_code(phone=PHONE, ip=IP)
    code = last_code()
    row = SmsCode.objects.values().get(pk=sent.pk)
    assert all(code not in str(value) for value in row.values())
    assert sent.expires_at - sent.created_at == dt.timedelta(minutes=5)


@pytest.mark.parametrize("raw", ["138 0013 8000", "+86 138-0013-8000", "008613800138000", "8613800138000"])
def test_common_ways_of_writing_a_number_are_understood(raw):
    assert services.normalize_phone(raw) == "+8613800138000"


@pytest.mark.parametrize("raw", ["", "   ", "1380013800", "138001380001", "12800138000", "23800138000", "+1 202 555 0123", "abc", "１３８"])
def test_an_invalid_number_is_refused_with_a_clear_message_and_nothing_sent(db, raw):
    with pytest.raises(DomainError) as refused:
        services.request_code(phone=raw, ip=IP)
    assert refused.value.field == "phone" and refused.value.message
    assert SmsCode.objects.count() == 0


def test_one_code_per_number_per_minute(db):
    with freeze_time(START) as clock:
        services.request_code(phone=PHONE, ip=IP)
        clock.tick(20)
        with pytest.raises(services.Throttled) as refused:
            services.request_code(phone=PHONE, ip=IP)
        assert refused.value.status == 429 and refused.value.retry_after == 40 and "40 seconds" in refused.value.message
        clock.tick(41)
        services.request_code(phone=PHONE, ip=IP)
    assert SmsCode.objects.count() == 1  # the new code replaced the unused one


def test_at_most_ten_codes_a_day_per_number(db):
    with freeze_time(START) as clock:
        for _ in range(10):
            services.request_code(phone=PHONE, ip=f"198.51.100.{_}")
            clock.tick(3600)
        with pytest.raises(services.Throttled) as refused:
            services.request_code(phone=PHONE, ip=IP)
        assert "today" in refused.value.message and "14 hours" in refused.value.message  # the first send was 10 h ago
        clock.tick(14 * 3600)
        services.request_code(phone=PHONE, ip=IP)


def test_at_most_twenty_codes_an_hour_per_address(db):
    with freeze_time(START) as clock:
        for n in range(20):
            services.request_code(phone=f"1390000{n:04d}", ip=IP)
            clock.tick(60)
        with pytest.raises(services.Throttled) as refused:
            services.request_code(phone="13700000000", ip=IP)
        assert "network" in refused.value.message and "40 minutes" in refused.value.message
        services.request_code(phone="13700000000", ip="203.0.113.8")  # another address is not affected
        clock.tick(40 * 60)
        services.request_code(phone="13700000001", ip=IP)


def test_a_new_code_replaces_the_old_one(db):
    with freeze_time(START) as clock:
        services.request_code(phone=PHONE, ip=IP)
        old = last_code()
        clock.tick(61)
        services.request_code(phone=PHONE, ip=IP)
        new = last_code()
        if old != new:
            with pytest.raises(DomainError):
                services.verify_code(phone=PHONE, code=old, ip=IP)
        fan, _ = services.verify_code(phone=PHONE, code=new, ip=IP)
    assert fan.phone == "+8613800138000"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_five_wrong_tries_spend_the_code(db):
    services.request_code(phone=PHONE, ip=IP)
    code = last_code()
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as wrong:
            services.verify_code(phone=PHONE, code=_wrong(code), ip=IP)
        assert wrong.value.code == "wrong_code" and f"{left} tries left" in wrong.value.message
    with pytest.raises(DomainError) as spent:
        services.verify_code(phone=PHONE, code=_wrong(code), ip=IP)
    assert spent.value.code == "code_spent"
    with pytest.raises(DomainError) as still:
        services.verify_code(phone=PHONE, code=code, ip=IP)  # even the right code is spent now
    assert still.value.code == "code_spent" and Fan.objects.count() == 0


def test_an_expired_code_is_refused(db):
    with freeze_time(START) as clock:
        services.request_code(phone=PHONE, ip=IP)
        clock.tick(5 * 60)
        with pytest.raises(DomainError) as expired:
            services.verify_code(phone=PHONE, code=last_code(), ip=IP)
    assert expired.value.code == "code_expired" and Fan.objects.count() == 0


def test_a_used_code_cannot_log_in_again(db):
    _login()
    with pytest.raises(DomainError) as used:
        services.verify_code(phone=PHONE, code=last_code(), ip=IP)
    assert used.value.code == "code_used"


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef"])
def test_a_malformed_code_is_refused_without_using_a_try(db, code):
    services.request_code(phone=PHONE, ip=IP)
    with pytest.raises(DomainError) as bad:
        services.verify_code(phone=PHONE, code=code, ip=IP)
    assert bad.value.field == "code" and SmsCode.objects.get().attempts == 0


def test_no_code_asked_for(db):
    with pytest.raises(DomainError) as none:
        services.verify_code(phone=PHONE, code="123456", ip=IP)
    assert none.value.code == "no_code"


def test_a_banned_fan_is_refused_with_the_reason(db):
    Fan.objects.create(phone="+8613800138000", banned=True, ban_reason="多次发布违法信息")
    services.request_code(phone=PHONE, ip=IP)
    with pytest.raises(NotAllowed) as banned:
        services.verify_code(phone=PHONE, code=last_code(), ip=IP)
    assert banned.value.code == "banned" and "多次发布违法信息" in banned.value.message
    assert Fan.objects.get().last_login_at is None


@pytest.mark.parametrize("nickname", ["", "   ", "长" * 21])
def test_a_nickname_must_be_one_to_twenty_characters(db, nickname):
    fan, _ = _login()
    with pytest.raises(DomainError):
        services.set_nickname(fan=fan, nickname=nickname)
    assert services.set_nickname(fan=fan, nickname=" 铜山湖的风 ").nickname == "铜山湖的风"
