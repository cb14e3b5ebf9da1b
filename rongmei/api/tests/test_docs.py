"""The OpenAPI document and the docs page, served without any outside host."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client

from rongmei.api.docs import SWAGGER_ASSETS

EXPECTED_PATHS = {
    "/api/v1/me",
    "/api/v1/tokens",
    "/api/v1/tokens/{token_id}",
    "/api/v1/leads",
    "/api/v1/leads/{lead_id}",
    "/api/v1/leads/{lead_id}/discard",
    "/api/v1/leads/{lead_id}/plan",
    "/api/v1/plans",
    "/api/v1/plans/{plan_id}",
    "/api/v1/plans/{plan_id}/approve",
    "/api/v1/plans/{plan_id}/reject",
    "/api/v1/plans/{plan_id}/coverages",
    "/api/v1/assignments",
    "/api/v1/assignments/{assignment_id}/accept",
    "/api/v1/assignments/{assignment_id}/decline",
    "/api/v1/assignments/{assignment_id}/cancel",
    "/api/v1/dispatch",
    "/api/v1/stories",
    "/api/v1/stories/{story_id}",
    "/api/v1/stories/{story_id}/versions",
    "/api/v1/stories/{story_id}/versions/{number}",
    "/api/v1/stories/{story_id}/check",
    "/api/v1/stories/{story_id}/submit",
    "/api/v1/stories/{story_id}/approve",
    "/api/v1/stories/{story_id}/return",
    "/api/v1/stories/{story_id}/comments",
    "/api/v1/stories/{story_id}/lock",
    "/api/v1/stories/{story_id}/unlock",
    "/api/v1/stories/{story_id}/audit",
    "/api/v1/teams",
    "/api/v1/channels",
    "/api/v1/places",
    "/api/v1/notifications",
    "/api/v1/notifications/read",
}


def test_openapi_json_is_valid_json_listing_every_path(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert EXPECTED_PATHS <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_every_operation_documents_its_error_shape(db):
    schema = Client().get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)


def test_the_docs_page_loads_nothing_from_another_host(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    outside = [url for url in re.findall(r"(?:https?:)?//[^\s\"'<>)]+", html) if not url.startswith(("//testserver", "http://testserver"))]
    assert outside == []
    for asset in SWAGGER_ASSETS:
        assert f"/static/{asset}" in html
    assert '"validatorUrl": null' in html


def test_the_swagger_files_are_among_our_static_files(db):
    # They ship inside django-ninja (ninja/static/ninja/); staticfiles finds them once "ninja" is installed.
    for asset in SWAGGER_ASSETS:
        assert finders.find(asset), f'{asset} not found: add "ninja" to INSTALLED_APPS in rongmei/settings.py'
