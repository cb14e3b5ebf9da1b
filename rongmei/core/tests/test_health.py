"""GET /healthz reports the database, the cache and the task queue."""

import pytest

from rongmei.core import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_everything_works(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "tasks"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in response.headers["Cache-Control"] or "max-age=0" in response.headers["Cache-Control"]


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code == 200


class BrokenCache:
    def set(self, *args, **kwargs):
        raise ConnectionError("redis is down")

    get = delete = set


def test_healthz_answers_503_and_names_the_cache_when_the_cache_fails(client, monkeypatch):
    monkeypatch.setattr(health, "cache", BrokenCache())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["cache"]["ok"] is False
    assert "redis is down" in body["checks"]["cache"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["tasks"]["ok"]


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr(health, "_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "RuntimeError: database gone"}
