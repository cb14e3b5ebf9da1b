"""Every public write has a limit (docs/security.md "Rate limits"): sent again and again it is
refused with a message saying how long to wait, the refused attempt leaves nothing behind, and
the counts are kept per person (a fan logged in) and per address.

The ceiling of rongmei.core.ratelimit.PUBLIC_WRITES covers every door; many also have a finer
limit of their own (SMS codes, comments, letters, 问政, community actions), which may refuse
first: either refusal must read clearly. Limits are lowered here so that a few requests reach them.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from django.apps import apps
from django.core.cache import cache

from rongmei.core import ratelimit
from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan

PERSON_MOST = 3
ADDRESS_MOST = 5
_phones = itertools.count(13700000001)


def _phone() -> str:
    return str(next(_phones))


# (method, path, body, who): who is "fan" (a reader logged in) or "anyone" (no login needed).
# A body is JSON for the API, form fields otherwise; a callable makes a fresh one per request.
WRITES = [
    # logins
    ("POST", "/accounts/login/", {"username": "nobody", "password": "wrong-password"}, "anyone"),
    ("POST", "/accounts/2fa/", {"otp_token": "000000"}, "anyone"),
    ("POST", "/me/login/", lambda: {"phone": _phone(), "action": "send"}, "anyone"),
    ("POST", "/api/v1/public/sms-codes", lambda: {"phone": _phone()}, "anyone"),
    ("POST", "/api/v1/public/sessions", lambda: {"phone": _phone(), "code": "000000"}, "anyone"),
    # readership
    ("POST", "/api/v1/public/beacon", {"events": []}, "anyone"),
    # the reader's own things
    ("PUT", "/api/v1/public/me/favorites/1", None, "fan"),
    ("DELETE", "/api/v1/public/me/favorites/1", None, "fan"),
    ("PUT", "/api/v1/public/me/likes/1", None, "fan"),
    ("PUT", "/api/v1/public/me/follows/news", None, "fan"),
    ("POST", "/api/v1/public/me/notifications/read", {}, "fan"),
    ("DELETE", "/api/v1/public/sessions", None, "anyone"),  # under the logins' ceiling
    ("POST", "/me/favorites/1/", {}, "fan"),
    ("POST", "/me/follows/news/", {}, "fan"),
    ("POST", "/me/notifications/read/", {}, "fan"),
    # comments, 话题, chat rooms
    ("POST", "/api/v1/public/articles/1/comments", lambda: {"body": f"好文章 {_phone()}"}, "fan"),
    ("POST", "/api/v1/public/likes", {"target": "comment", "id": 1}, "fan"),
    ("POST", "/api/v1/public/reports", {"target": "comment", "id": 1, "reason": "spam"}, "fan"),
    ("POST", "/api/v1/public/huati/town/posts", lambda: {"body": f"路灯坏了 {_phone()}"}, "fan"),
    ("POST", "/api/v1/public/chatrooms/1/join", None, "fan"),
    ("POST", "/api/v1/public/chatrooms/1/messages", lambda: {"body": f"你好 {_phone()}"}, "fan"),
    ("POST", "/huati/town/", lambda: {"action": "post", "body": f"路灯坏了 {_phone()}"}, "fan"),
    ("POST", "/huati/chat/1/", {"action": "join"}, "fan"),
    # letters to deputies
    ("POST", "/api/v1/public/council-letters", lambda: {"member": 1, "subject": "修路", "body": _phone()}, "fan"),
    ("POST", "/councils/members/1/write/", lambda: {"subject": "修路", "body": _phone()}, "fan"),
    # 问政
    ("POST", "/api/v1/inquiries", lambda: {"title": "路灯不亮", "body": _phone()}, "fan"),
    ("POST", "/api/v1/inquiries/WZ1/rating", {"score": 5}, "fan"),
    ("POST", "/api/v1/inquiries/WZ1/reopen", {"reason": "没解决"}, "fan"),
    ("POST", "/api/v1/inquiries/WZ1/follow-ups", {"body": "还没修"}, "fan"),
    ("POST", "/api/v1/inquiries/WZ1/info", {"body": "在东街"}, "fan"),
    ("PUT", "/api/v1/inquiries/WZ1/follow", None, "fan"),
    ("POST", "/wenzheng/ask/", lambda: {"title": "路灯不亮", "body": _phone()}, "fan"),
    ("POST", "/wenzheng/lookup/", lambda: {"receipt": "WZ1", "phone": _phone()}, "anyone"),
    ("POST", "/open311/v2/requests.json", lambda: {"description": _phone()}, "anyone"),
    # 新时代文明实践
    ("POST", "/practice/request/", lambda: {"title": "帮老人买菜", "body": _phone()}, "fan"),
    ("POST", "/practice/activities/1/", {"action": "join"}, "fan"),
    ("POST", "/practice/requests/1/", {"action": "rate", "score": 5}, "fan"),
    ("POST", "/practice/checkin/abc/", {"token": "abc"}, "fan"),
    ("POST", "/practice/me/", {"item": "1"}, "fan"),
]


@pytest.fixture(autouse=True)
def low_limits(monkeypatch, english):
    cache.clear()
    lowered = tuple(
        dataclasses.replace(
            w,
            person=((60, PERSON_MOST),) if w.person else (),
            address=((60, ADDRESS_MOST if w.person else PERSON_MOST),),
        )
        for w in ratelimit.PUBLIC_WRITES
    )
    monkeypatch.setattr(ratelimit, "PUBLIC_WRITES", lowered)
    yield
    cache.clear()


def _rows() -> dict[str, int]:
    """How many rows every Rongmei table holds (the refused attempt must add, change the count of,
    or remove none)."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m.__module__.startswith("rongmei.")}


def _send(client, method, path, body, address):
    body = body() if callable(body) else body
    extra = {"REMOTE_ADDR": address}
    if path.startswith(("/api/", "/open311/")) and not path.endswith(".json"):
        data = json.dumps(body) if body is not None else ""
        return getattr(client, method.lower())(path, data, content_type="application/json", **extra)
    if method == "POST":
        return client.post(path, body or {}, **extra)
    return getattr(client, method.lower())(path, **extra)


def _refusal(response) -> str | None:
    """The message of a refusal (429, or the form shown again with it), else None."""
    text = response.content.decode()
    if response.status_code == 429:
        return text
    if response.status_code == 200 and "Try again in" in text:
        return text
    return None


def _log_in(client, fan) -> None:
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body", "who"), WRITES, ids=[f"{m} {p}" for m, p, _b, _w in WRITES])
def test_a_public_write_sent_too_often_is_refused_with_a_message_and_nothing_else(client, django_user_model, method, path, body, who):
    from django.test import Client

    fan = Fan.objects.create(phone="+8613600136001") if who == "fan" else None
    if fan:
        _log_in(client, fan)

    refused = None
    for _attempt in range(ADDRESS_MOST + 2):
        before = _rows()
        response = _send(client, method, path, body, "10.1.1.1")
        assert response.status_code < 500, response.content[:300]
        if (refused := _refusal(response)) is not None:
            assert _rows() == before  # the refused attempt left nothing; what came before stays
            break
    assert refused is not None, f"{method} {path} was never refused"
    assert "Try again in" in refused and ("seconds" in refused or "minutes" in refused or "hours" in refused)
    if response.status_code == 429 and "Retry-After" in response:
        assert int(response["Retry-After"]) > 0

    # Someone else from the same address is not refused for it (per person) when logged in;
    # anyone from another address is not refused for it either (per address).
    if fan:
        other = Client()
        _log_in(other, Fan.objects.create(phone="+8613600136002"))
        assert _refusal(_send(other, method, path, body, "10.1.1.1")) is None
    assert _refusal(_send(Client(), method, path, body, "10.2.2.2")) is None


@pytest.mark.django_db
def test_the_ceiling_follows_the_fan_to_another_address_and_the_address_across_fans(client):
    from django.test import Client

    fan = Fan.objects.create(phone="+8613600136003")
    _log_in(client, fan)
    path = "/api/v1/public/me/notifications/read"
    for _ in range(PERSON_MOST):
        assert _send(client, "POST", path, {}, "10.3.3.3").status_code != 429
    moved = _send(client, "POST", path, {}, "10.4.4.4")
    assert moved.status_code == 429 and moved.json()["code"] == "throttled"
    assert "You are doing this too often" in moved.json()["detail"]

    # Fans behind one address: each has their own count, the address has one for all.
    statuses = []
    for n in range(ADDRESS_MOST + 1):
        someone = Client()
        _log_in(someone, Fan.objects.create(phone=f"+861360013610{n}"))
        statuses.append(_send(someone, "POST", path, {}, "10.5.5.5").status_code)
    assert 429 not in statuses[:ADDRESS_MOST] and statuses[ADDRESS_MOST] == 429


def test_every_public_write_route_is_under_a_ceiling():
    """Reads and the staff's own pages are not; every door above is."""
    for method, path, _body, _who in WRITES:
        assert ratelimit.public_write(method, path) is not None, path
    assert ratelimit.public_write("GET", "/api/v1/public/feed") is None
    assert ratelimit.public_write("POST", "/newsroom/stories/new/") is None
    assert ratelimit.public_write("POST", "/practice/manage/activities/1/photos/") is None
    assert ratelimit.public_write("POST", "/live/rtmp/publish") is None


@pytest.mark.django_db
def test_staff_logged_in_are_not_held_to_the_public_ceiling_but_their_login_is(client, operator, settings):
    """The newsroom shares one address: ending a live room mid-broadcast must never meet a 429."""
    from rongmei.core import ratelimit

    assert ratelimit.public_write("POST", "/live/5/manage/end") is None
    client.force_login(operator)
    for _ in range(ADDRESS_MOST + 2):
        response = _send(client, "POST", "/wenzheng/ask/", {}, "10.3.3.3")
        assert _refusal(response) is None
    logins = [_refusal(_send(client, "POST", "/accounts/login/", {"username": "x", "password": "y"}, "10.3.3.3")) for _ in range(40)]
    assert any(logins)
