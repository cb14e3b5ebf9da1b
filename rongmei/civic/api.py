"""Public API of the civic app (registered in rongmei/api/urls.py)."""

from ninja import Router

router = Router(tags=["public app: civic"], auth=None)
