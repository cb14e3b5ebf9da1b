"""schemathesis over the conversation's public operations (topics, chat rooms, likes, reports)
with rows in the database — a topic with a post, an open room with a message, a logged-in fan —
so that generated ids and slugs can hit real rows: never a server error."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fan_headers(topic, open_room, team_room, fan, other_fan):
    """Rows to hit, and the headers of other_fan's logged-in session (cookie and CSRF token)."""
    from django.conf import settings as django_settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from rongmei.community import chat, topics
    from rongmei.fans.auth import SESSION_KEY

    topics.submit_post(fan=fan, topic=topic, body="第一帖")
    chat.post_message(fan=fan, room_id=open_room.pk, body="第一条")
    session = SessionStore()
    session[SESSION_KEY] = other_fan.pk
    session.save()
    token = _get_new_csrf_string()
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={session.session_key}; {django_settings.CSRF_COOKIE_NAME}={token}"
    return {"Cookie": cookie, "X-CSRFToken": token}


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/public/(huati|chatrooms|likes|reports)"
)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_no_request_makes_the_conversation_api_fail(case, fan_headers):
    from django.core.cache import cache

    case.call_and_validate(checks=[not_a_server_error])
    cache.clear()  # the rate limits would soon answer every write with a 429
    case.call_and_validate(headers=fan_headers, checks=[not_a_server_error])


def test_the_fuzzers_session_can_write(fan_headers, open_room):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/v1/public/chatrooms/{open_room.pk}/messages",
        {"text": "你好"},
        content_type="application/json",
        HTTP_COOKIE=fan_headers["Cookie"],
        HTTP_X_CSRFTOKEN=fan_headers["X-CSRFToken"],
    )
    assert response.status_code == 201
