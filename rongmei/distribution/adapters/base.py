"""The one interface every channel adapter implements.

An adapter turns a publication into the channel's payload (``render``), delivers it (``send``) and
takes it back (``retract``). ``send`` gets the publication's idempotency key and must pass it on
where the platform allows (an Idempotency-Key header, the item id), so a retry after a lost answer
never makes a second item. Errors say what happened without credentials or endpoint addresses:
``TransientError`` (timeouts, 5xx, dropped connections: retried with backoff) or
``PermanentError`` (refused, not configured: the publication is dead at once).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Receipt:
    external_id: str = ""
    url: str = ""


class AdapterError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)[:500]


class TransientError(AdapterError):
    """Worth trying again later."""


class PermanentError(AdapterError):
    """Trying again will not help until someone changes something."""


class Adapter:
    name = "base"

    def __init__(self, channel) -> None:
        self.channel = channel

    def render(self, publication) -> dict:
        raise NotImplementedError

    def send(self, payload: dict, key: str) -> Receipt:
        raise NotImplementedError

    def retract(self, receipt: Receipt, key: str) -> None:
        raise NotImplementedError


def story_payload(publication) -> dict:
    """The channel-neutral content of a publication: the signed-off version, never the working copy."""
    from django.urls import reverse

    version = publication.version
    story = publication.story
    return {
        "key": publication.key,
        "story_id": story.pk,
        "version": version.number,
        "channel": publication.channel.code,
        "headline": version.headline,
        "subtitle": version.subtitle,
        "intro": version.intro,
        "body_html": version.body,
        "source": version.source,
        "keywords": list(version.keywords or []),
        "team": story.team.slug,
        "authors": [a.display_name for a in story.authors.all()],
        "signed_off_at": story.signed_off_at.isoformat() if story.signed_off_at else None,
        "path": reverse("portal:story", args=[story.pk]),
    }
