"""问政 in the HTTP API (/api/v1/inquiries/…)."""

from ninja import Router

router = Router(tags=["inquiries"])
