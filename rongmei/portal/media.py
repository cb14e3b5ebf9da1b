"""Public media of published stories: the renditions (never the originals) of assets attached to a
story that is live on our website/app. The newsroom's media:file URLs need a staff login; the
channel versions refer to those, and public pages turn each reference into a portal:media URL."""

from __future__ import annotations

from django.urls import reverse


def public_media_url(ref: dict | None) -> str:
    """The public URL of a rendition reference ({"asset", "url", ...}), or "" when it is none."""
    if not isinstance(ref, dict) or not ref.get("asset") or not ref.get("url"):
        return ""
    marker = f"/{int(ref['asset'])}/files/"
    url = str(ref["url"])
    if marker not in url:
        return ""
    return reverse("portal:media", args=[int(ref["asset"]), url.split(marker, 1)[1]])
