"""Public API of the analytics app (registered in rongmei/api/urls.py)."""

from ninja import Router

router = Router(tags=["public app: analytics"], auth=None)
