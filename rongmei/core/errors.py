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


def json_error(request, message: str, *, status: int, code: str, by_accept: bool = False) -> JsonResponse | None:
    """The error as the caller's protocol writes errors, for answers made outside a view (the
        write ceiling's 429, this module's 503/500): GeoReport v2's list on /open311/, the API's
        {"detail", "code", "field"} (rongmei.api.errors) on /api/ (and, ``by_accept``, for a caller
    that asked for JSON); None for a page."""
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": status, "description": message}], status=status, safe=False)
    if request.path.startswith("/api/") or (by_accept and "application/json" in request.headers.get("Accept", "")):
        return JsonResponse({"detail": message, "code": code, "field": None}, status=status)
    return None


def _unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE) or (isinstance(exc, DatabaseError) and "connection" in str(exc).lower())


def _store_unavailable(exc: BaseException | None) -> bool:
    """The object storage (S3 bucket) did not answer: rongmei.core.storage says so, or boto did."""
    from rongmei.core.storage import StorageUnavailable

    if isinstance(exc, StorageUnavailable):
        return True
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - no bucket without boto
        return False
    if isinstance(exc, BotoCoreError):  # refused, timed out, cut off
        return True
    if isinstance(exc, ClientError):  # the store answered that it cannot now (500, 503 SlowDown)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500 or exc.response.get("Error", {}).get("Code") in ("SlowDown", "ServiceUnavailable", "RequestTimeout")
    return False


def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    if _unavailable(exc):
        status = 503
        title = _("The service is busy for a moment")
        message = _(
            "The system could not finish this just now (its database is restarting). Go back: what you typed is "
            "still there. Try again in a few seconds; if it had been saved already, you will be told."
        )
    elif _store_unavailable(exc):
        status = 503
        title = _("The service is busy for a moment")
        message = _(
            "The system could not finish this just now (its file storage cannot be reached). Go back: what you typed is "
            "still there. Try again in a few seconds; if it had been saved already, you will be told."
        )
    else:
        status = 500
        title = _("Something went wrong on our side")
        message = _("The page could not be shown because of an error on our side. It has been recorded. Go back and try again.")
    response = json_error(request, message, status=status, code="unavailable" if status == 503 else "server_error", by_accept=True)
    if response is None:
        page = render_to_string("errors/server_error.html", {"title": title, "message": message, "status": status})
        response = HttpResponse(page, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
