"""Every error of the API is JSON {"detail", "code", "field", "hits"?, "errors"?}, never a 500 page
for bad input. ``detail`` is a message for people, through gettext."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rongmei.core.exceptions import DomainError

log = logging.getLogger(__name__)


def _body(detail: str, *, code: str, field: str | None = None, **extra) -> dict:
    return {"detail": str(detail), "code": code, "field": field, **extra}


def _validation_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_too_long", "too_long"):
        return _("At most %(n)s characters.") % {"n": ctx.get("max_length", "?")}
    if kind in ("string_too_short", "too_short"):
        return _("At least %(n)s characters.") % {"n": ctx.get("min_length", "?")}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a number of at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt", "?"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a number of at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt", "?"))}
    if kind == "year_out_of_range":
        return _("Enter a date between the years %(a)s and %(b)s.") % {"a": ctx.get("a", "?"), "b": ctx.get("b", "?")}
    if kind.startswith("date_") or kind == "date_type":
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith("datetime_") or kind == "datetime_type":
        return _("Enter a valid date and time (YYYY-MM-DDTHH:MM, with a time zone or in local time).")
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in ("string_type", "list_type", "dict_type", "bool_type", "bool_parsing", "model_type", "model_attributes_type"):
        return _("This value has the wrong type.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    return _("This value is not valid.")


_CONTAINERS = ("body", "query", "path", "header", "cookie", "form")


def _field_of(loc) -> str | None:
    # loc is e.g. ("body", "payload", "title") or ("query", "limit"): drop the container and, in a
    # body, the operation's parameter name, not fields that happen to be called "path" or "body".
    parts = [str(p) for p in loc or ()]
    if parts and parts[0] in _CONTAINERS:
        container = parts.pop(0)
        if container in ("body", "form") and parts:
            parts.pop(0)
    return ".".join(parts) or None


def install(api) -> None:
    """Register the exception handlers on the NinjaAPI instance."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        extra = {}
        hits = getattr(exc, "hits", None)
        if hits is not None:
            extra["hits"] = [h.as_dict() if hasattr(h, "as_dict") else h for h in hits]
        return api.create_response(request, _body(exc.message, code=exc.code, field=exc.field, **extra), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [{"field": _field_of(e.get("loc")), "message": _validation_message(e)} for e in exc.errors]
        first = errors[0] if errors else {"field": None, "message": _("This value is not valid.")}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return api.create_response(request, _body(detail, code="invalid", field=first["field"], errors=errors), status=422)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        return api.create_response(
            request, _body(_("Log in, or send a valid API token (Authorization: Bearer …)."), code="not_authenticated"), status=401
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return api.create_response(request, _body(_("The request body is not valid JSON."), code="bad_json"), status=400)
        if exc.status_code == 429:
            return api.create_response(request, _body(_("Too many requests. Try again later."), code="throttled"), status=429)
        if exc.status_code == 403:
            return api.create_response(request, _body(_("You may not do this."), code="forbidden"), status=403)
        return api.create_response(request, _body(_("The request was refused."), code="error"), status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body(_("Not found."), code="not_found"), status=404)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return api.create_response(request, _body(_("You may not do this."), code="forbidden"), status=403)

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        log.exception("API error on %s %s", request.method, request.path)
        return api.create_response(
            request, _body(_("Something went wrong on our side. Please try again."), code="server_error"), status=500
        )
