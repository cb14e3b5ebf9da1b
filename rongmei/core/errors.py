"""The site's answer when something below it fails (handler500 in rongmei/urls.py).

A database that is restarting or failing over (PostgreSQL's fast shutdown cuts every open
connection) is not a bug of the page: the reader gets 503 with Retry-After and a message saying
that nothing was saved and that the browser's back button still has what they typed, instead of
a bare "Server Error (500)". Anything else is a 500, said the same plain way. The page needs no
database: a standalone template rendered without the request's context processors.
"""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def _unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE) or (isinstance(exc, DatabaseError) and "connection" in str(exc).lower())


def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    if _unavailable(exc):
        status = 503
        title = _("The service is busy for a moment")
        message = _(
            "The system could not finish this just now (its database is restarting). Go back: what you typed is "
            "still there. Try again in a few seconds; if it had been saved already, you will be told."
        )
    else:
        status = 500
        title = _("Something went wrong on our side")
        message = _("The page could not be shown because of an error on our side. It has been recorded. Go back and try again.")
    code = "unavailable" if status == 503 else "server_error"
    if request.path.startswith("/open311/"):  # GeoReport v2's error list
        response = JsonResponse([{"code": status, "description": message}], status=status, safe=False)
    elif request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):  # rongmei.api.errors' shape
        response = JsonResponse({"detail": message, "code": code, "field": None}, status=status)
    else:
        page = render_to_string("errors/server_error.html", {"title": title, "message": message, "status": status})
        response = HttpResponse(page, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
