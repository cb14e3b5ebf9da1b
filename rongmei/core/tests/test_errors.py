"""handler500: a database that is away answers 503 with Retry-After and a plain message (page or
JSON), anything else a plain 500; neither needs the database."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from rongmei.core.errors import server_error


def _db_away(request):
    raise OperationalError("terminating connection due to administrator command")


def _bug(request):
    raise KeyError("oops")


urlpatterns = [path("wenzheng/ask/", _db_away), path("api/v1/thing", _db_away), path("bug/", _bug)]
handler500 = server_error

pytestmark = pytest.mark.urls(__name__)


def client():
    return Client(raise_request_exception=False)


def test_a_database_restart_answers_503_with_retry_after_and_a_plain_message_in_chinese():
    r = client().post("/wenzheng/ask/", {"title": "路灯坏了"})
    assert r.status_code == 503 and r["Retry-After"] == "5"
    page = r.content.decode()
    assert "数据库正在重启" in page and "返回上一页" in page and '<html lang="zh-hans">' in page


def test_the_api_gets_the_same_as_json(english):
    r = client().get("/api/v1/thing")
    assert r.status_code == 503 and r.json()["code"] == "unavailable"
    assert "database is restarting" in r.json()["detail"]


def test_another_error_is_a_plain_500_without_the_retry(english):
    r = client().get("/bug/")
    assert r.status_code == 500 and "Retry-After" not in r
    assert "error on our side" in r.content.decode()
