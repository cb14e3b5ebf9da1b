"""Errors raised by services. Their message is what a person reads: Chinese, specific."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action (bad input, wrong state). HTTP 400/409."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.code = code


class NotAllowed(DomainError):
    """The actor may not do this. HTTP 403."""

    status = 403

    def __init__(self, message: str, *, code: str = "forbidden") -> None:
        super().__init__(message, code=code)


class StateConflict(DomainError):
    """The object is not in a state where this action applies (or someone else holds it). HTTP 409."""

    status = 409

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message, code=code)
