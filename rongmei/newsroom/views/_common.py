"""Shared helpers of the newsroom screens: the staff-only guard and the 403 page. How a
service's DomainError lands on a form is in rongmei.core.forms (the accounts screens use it too)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from rongmei.core.exceptions import NotAllowed
from rongmei.newsroom import permissions as perms


def forbidden(request, message: str):
    return render(request, "newsroom/403.html", {"message": message}, status=403)


def guarded(check, message):
    """A view decorator: logged-in people for whom ``check(user)`` holds, others get the 403 page
    with ``message()`` (called per request, so it is in the reader's language); a service's
    NotAllowed also becomes the 403 page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                return forbidden(request, message())
            try:
                return view(request, *args, **kwargs)
            except NotAllowed as e:
                return forbidden(request, e.message)

        return wrapper

    return decorator


# Logged-in newsroom staff only.
staff_view = guarded(perms.is_staff_member, lambda: _("Only newsroom staff may open this page."))


def client_wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.headers.get("X-Requested-With") == "fetch"


def fetch_or_404(getter, pk):
    """Run a selector that raises DoesNotExist; turn that into a 404."""
    from django.core.exceptions import ObjectDoesNotExist
    from django.http import Http404

    try:
        return getter(pk)
    except ObjectDoesNotExist as e:
        raise Http404 from e
