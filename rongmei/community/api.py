"""Public API of the community app (registered in rongmei/api/urls.py)."""

from ninja import Router

router = Router(tags=["public app: community"], auth=None)
