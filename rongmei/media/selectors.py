"""Reads of the media library."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from rongmei.media.models import Asset, Rendition

THUMB_KINDS = ("thumb_320", "poster")


def assets(*, query: str = "", kind: str = "", tag: str = "", uploaded_by=None, story=None):
    """The library, newest first, each with its thumbnail rendition (if made) prefetched as .thumbs."""
    qs = Asset.objects.select_related("uploaded_by").prefetch_related(
        Prefetch(
            "renditions",
            queryset=Rendition.objects.filter(kind__in=THUMB_KINDS, status=Rendition.Status.DONE),
            to_attr="thumbs",
        )
    )
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags_text__contains=f"|{tag.strip()}|")
    if uploaded_by is not None:
        qs = qs.filter(uploaded_by=uploaded_by)
    if story is not None:
        qs = qs.filter(story_links__story=story)
    for word in (query or "").split()[:5]:
        qs = qs.filter(Q(title__icontains=word) | Q(tags_text__icontains=word) | Q(original_name__icontains=word))
    return qs.order_by("-created_at", "-id")


def asset_detail(pk: int) -> Asset:
    return (
        Asset.objects.select_related("uploaded_by")
        .prefetch_related(Prefetch("renditions", queryset=Rendition.objects.order_by("id")), "story_links__story", "subtitles")
        .get(pk=pk)
    )


def thumbnail(asset: Asset) -> Rendition | None:
    thumbs = getattr(asset, "thumbs", None)
    if thumbs is None:
        thumbs = [r for r in asset.renditions.all() if r.kind in THUMB_KINDS and r.status == Rendition.Status.DONE]
    by_kind = {r.kind: r for r in thumbs}
    return by_kind.get("thumb_320") or by_kind.get("poster")


def rendition_file(asset_id: int, relative: str) -> str | None:
    """The local path of a file we made for an asset ("web_1280_jpg/web_1280_jpg.jpg",
    "hls/master.m3u8"), fetched from the bucket on a machine that lacks it or holds an older copy
    (rongmei.core.storage.local_file); None when there is none (or the path leaves the folder)."""
    from rongmei.core import storage

    if relative == "hls/master.m3u8":
        return _hls_master(asset_id)
    return storage.local_file_in(f"renditions/{int(asset_id)}", relative, fresh_after=lambda inside: _done_at(asset_id, inside))


def _hls_master(asset_id: int) -> str | None:
    """The master playlist lists the rungs the database says are done: written here from it on
    each request (a few lines), so no machine serves one that misses a rung made elsewhere."""
    from rongmei.core import storage
    from rongmei.media.services import write_hls_master

    asset = Asset.objects.filter(pk=asset_id).first()
    name = write_hls_master(asset, mirror=False) if asset is not None else None
    return storage.media_path(name) if name else None


def _done_at(asset_id: int, inside: str):
    """When the file's rendition was last done: a made-again file keeps its name (subtitles are
    never rewritten: each upload has its own)."""
    from django.db.models import Max

    folder = inside.split("/", 1)[0]
    return Rendition.objects.filter(asset_id=asset_id, kind=folder, status=Rendition.Status.DONE).aggregate(at=Max("updated_at"))["at"]
