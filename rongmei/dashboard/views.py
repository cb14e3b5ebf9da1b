"""The command screen: the page (a 1920×1080 full-screen layout drawn by ECharts, served by us),
its figures as JSON, polled by the page, and the county's town map as GeoJSON.

Who: the people who steer the center — editors, column leads, the chief editor, operators and
administrators (the same who see the whole site's readership). Reporters, unit staff, partners
and the public get 403 or the login page."""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from rongmei.analytics.selectors import sees_whole_site
from rongmei.dashboard import screen as figures
from rongmei.dashboard import townmap
from rongmei.newsroom.views._common import forbidden


def leaders_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sees_whole_site(request.user):
            return forbidden(
                request, _("Only editors, column leads, the chief editor, operators and administrators may open the command screen.")
            )
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@leaders_only
def screen(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/screen.html",
        {"refresh_seconds": figures.conf("SCREEN_REFRESH_SECONDS")},
    )


@require_safe
@leaders_only
def screen_data(request: HttpRequest) -> HttpResponse:
    """The snapshot as JSON, with an ETag: a screen polling an unchanged snapshot gets 304."""
    body = json.dumps(figures.snapshot(), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
@leaders_only
def town_map(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(townmap.geojson(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=3600"
    return response
