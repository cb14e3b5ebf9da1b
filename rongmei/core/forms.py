"""How a screen hands what a person typed to a service: a DomainError (a rule refused the input
or the state) comes back on the form or as a message, so the person reads why and keeps what
they typed, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages

from rongmei.core.exceptions import DomainError, NotAllowed


def add_domain_error(form, error: DomainError) -> None:
    """Put the service's message on the field it names (or on the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _call(service: Callable[..., Any], kwargs: dict, on_error: Callable[[DomainError], None]) -> tuple[bool, Any]:
    try:
        return True, service(**kwargs)
    except NotAllowed:
        # A refusal of the person, not of the input: the caller's 403 handler (newsroom's
        # staff_view) shows it instead of a form that could never succeed.
        raise
    except DomainError as e:
        on_error(e)
        return False, None


def call_service(form, service: Callable[..., Any], /, **kwargs) -> tuple[bool, Any]:
    """Call `service(**kwargs)` for a bound, valid form: (True, its result), or (False, None)
    with the DomainError put on `form`, which the caller renders again (status 400).
    NotAllowed is not caught."""
    return _call(service, kwargs, lambda e: add_domain_error(form, e))


def call_service_or_message(request, service: Callable[..., Any], /, **kwargs) -> tuple[bool, Any]:
    """Like call_service, for a button with nothing to type: the DomainError becomes an error
    message shown on the page the caller redirects to. NotAllowed is not caught."""
    return _call(service, kwargs, lambda e: messages.error(request, e.message))
