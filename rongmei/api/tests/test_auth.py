"""Sessions with CSRF, personal access tokens, and the two-factor rule, at the real URLs."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rongmei.accounts.models import ApiToken

LEAD = {"title": "泌阳花菇丰收季", "description": "花菇大棚迎来采摘高峰。"}


def _bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def _session(user, *, csrf=True) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def test_a_token_created_through_the_api_works_as_bearer_and_only_its_hash_is_stored(reporter):
    client = Client()
    client.force_login(reporter)
    created = client.post("/api/v1/tokens", {"name": "发布脚本", "expires_in_days": 30}, content_type="application/json")
    assert created.status_code == 201
    raw = created.json()["key"]
    assert raw.startswith("rm_")
    stored = ApiToken.objects.get(pk=created.json()["token"]["id"])
    assert stored.key_hash == ApiToken.hash(raw)
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    listed = client.get("/api/v1/tokens").json()
    assert "key" not in listed[0] and listed[0]["hint"] == stored.hint
    me = Client().get("/api/v1/me", headers=_bearer(raw))
    assert me.status_code == 200
    assert me.json()["username"] == reporter.username
    assert me.json()["auth_method"] == "token"


def test_a_token_from_the_issue_token_command_works(reporter):
    out = StringIO()
    call_command("issue_token", reporter.username, stdout=out, stderr=StringIO())
    response = Client().post("/api/v1/leads", LEAD, content_type="application/json", headers=_bearer(out.getvalue().strip()))
    assert response.status_code == 201


def test_revoked_and_expired_tokens_are_refused(reporter):
    client = Client()
    client.force_login(reporter)
    raw = client.post("/api/v1/tokens", {"name": "一次性"}, content_type="application/json").json()["key"]
    token = ApiToken.objects.get(key_hash=ApiToken.hash(raw))
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 204
    refused = Client().get("/api/v1/me", headers=_bearer(raw))
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    raw2 = client.post("/api/v1/tokens", {"name": "过期", "expires_in_days": 1}, content_type="application/json").json()["key"]
    ApiToken.objects.filter(key_hash=ApiToken.hash(raw2)).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert Client().get("/api/v1/me", headers=_bearer(raw2)).status_code == 401


def test_a_garbled_authorization_header_is_a_401(people):
    for header in ("Bearer", "Bearer rm_nope", "Basic d2FuZzp4", "rm_only"):
        response = Client().get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401


def test_a_session_post_without_the_csrf_token_is_refused(reporter):
    client = _session(reporter)
    refused = client.post("/api/v1/leads", LEAD, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    client.get("/api/v1/docs")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/leads", LEAD, content_type="application/json", headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_a_session_may_read_without_a_csrf_token(reporter):
    assert _session(reporter).get("/api/v1/leads").status_code == 200


def test_a_bearer_post_needs_no_csrf_token(reporter):
    out = StringIO()
    call_command("issue_token", reporter.username, stdout=out, stderr=StringIO())
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/leads", LEAD, content_type="application/json", headers=_bearer(out.getvalue().strip()))
    assert response.status_code == 201


def test_a_chief_editor_session_without_two_factor_is_refused_with_json(chief):
    client = Client()
    client.force_login(chief)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_an_anonymous_post_is_a_401_not_a_csrf_error(people):
    response = Client(enforce_csrf_checks=True).post("/api/v1/leads", LEAD, content_type="application/json")
    assert response.status_code == 401
