"""schemathesis over the whole API (/api/v1/openapi.json): for every operation, generated requests —
valid and invalid, as an anonymous caller and as a staff member with a token — never get a server
error. The database holds a published story with comments, so ids in the generated paths can hit
real rows as well as missing ones."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from rongmei.accounts import services as accounts
from rongmei.testing import factories


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """schemathesis calls the WSGI application itself, not through Django's test client, so the
    request signals would close the database connection, and with it the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(reporter, team, reviewers, chief, operator):
    from rongmei.community import services as comments
    from rongmei.fans.models import Fan

    story = factories.published_story(reporter, team, reviewers, headline="泌阳县举办夏南牛文化节")
    fan = Fan.objects.create(phone="+8613800000001", nickname="铜山湖畔")
    comment = comments.submit_comment(fan=fan, story_id=story.pk, body="办得好")
    comments.approve(actor=operator, comment=comment)
    _token, raw = accounts.create_token(actor=chief, name="fuzz")
    return raw


# The document as the app serves it (no database needed to build it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_no_request_makes_the_api_fail_with_a_server_error(case, staff_token):
    case.call_and_validate(checks=[not_a_server_error])
    case.call_and_validate(headers={"Authorization": f"Bearer {staff_token}"}, checks=[not_a_server_error])
