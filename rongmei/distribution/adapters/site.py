"""Our own website and app: both read the public story page, so publishing is immediate."""

from __future__ import annotations

from rongmei.distribution.adapters.base import Adapter, Receipt, story_payload


class SiteAdapter(Adapter):
    name = "site"

    def render(self, publication) -> dict:
        return story_payload(publication)

    def send(self, payload: dict, key: str) -> Receipt:
        # The portal shows a story once it is published (selectors.published_stories); the
        # receipt is its public page.
        return Receipt(external_id=str(payload["story_id"]), url=payload["path"])

    def retract(self, receipt: Receipt, key: str) -> None:
        # The story's retracted state takes it off the portal and the feeds.
        return None
