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


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("read_timeout", 503),
        ("slow_down", 503),
        ("server_error", 503),
        ("access_denied", 500),  # a wrong key is the operator's to fix, not a moment's outage
    ],
)
def test_the_file_stores_outages_are_503_and_its_refusals_500(rf, error, status):
    from botocore.exceptions import ClientError, ReadTimeoutError

    from rongmei.core.errors import server_error

    def client_error(code, http):
        return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": http}}, "GetObject")

    raised = {
        "read_timeout": ReadTimeoutError(endpoint_url="http://10.0.0.5:9000/x"),
        "slow_down": client_error("SlowDown", 503),
        "server_error": client_error("InternalError", 500),
        "access_denied": client_error("AccessDenied", 403),
    }[error]
    try:
        raise raised
    except Exception:
        response = server_error(rf.get("/wenzheng/"))
    assert response.status_code == status
    assert "10.0.0.5" not in response.content.decode()
