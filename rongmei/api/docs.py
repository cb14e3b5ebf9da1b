"""The API docs page: Swagger UI served from our own static files, never from a CDN.

django-ninja 1.7 ships Swagger UI in ``ninja/static/ninja/`` and uses it (instead of a CDN
template) only when ``"ninja"`` is in INSTALLED_APPS; we render our own template that always
points at those static files, so the page never reaches out to another host.
"""

from __future__ import annotations

import json

from django.shortcuts import render
from ninja.openapi.docs import Swagger, _csrf_needed

SWAGGER_ASSETS = ("ninja/swagger-ui.css", "ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/favicon.svg")


class LocalSwagger(Swagger):
    template = "api/docs.html"
    default_settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI otherwise asks validator.swagger.io to validate the schema: an outside host.
        "validatorUrl": None,
        "persistAuthorization": False,
    }

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": json.dumps(settings, indent=1), "api": api, "add_csrf": _csrf_needed(api)}
        return render(request, self.template, context)
