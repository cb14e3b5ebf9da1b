"""Screens of the media library: the library grid, the upload page, an asset's detail, and the
files themselves (staff only: /media/ is never served publicly)."""

from __future__ import annotations

import mimetypes
import os

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rongmei.core import storage
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.media import selectors, services
from rongmei.media.forms import AssetEditForm, AttachForm, FocalForm, LibraryFilterForm, SubtitleForm, UploadForm
from rongmei.media.models import Asset, Rendition, Subtitle
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import Story
from rongmei.newsroom.views._common import staff_view

PAGE_SIZE = 48


@staff_view
def library(request):
    filters = LibraryFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.assets(
        query=params.get("q") or "",
        kind=params.get("kind") or "",
        tag=params.get("tag") or "",
        uploaded_by=request.user if params.get("mine") else None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(asset, selectors.thumbnail(asset)) for asset in page.object_list]
    return render(request, "media/library.html", {"filters": filters, "page": page, "items": items})


def _editable_stories(user, limit: int = 100) -> list[Story]:
    states = (Story.State.DRAFT, Story.State.IN_REVIEW, Story.State.APPROVED)
    candidates = Story.objects.filter(state__in=states).select_related("team").prefetch_related("authors").order_by("-updated_at")
    return [s for s in candidates[:limit] if perms.can_edit_story(user, s)]


@staff_view
def upload(request):
    story = None
    story_id = request.GET.get("story") or request.POST.get("story")
    if story_id and str(story_id).isdigit():
        story = Story.objects.filter(pk=int(story_id)).first()
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        ok, asset = call_service(
            form,
            services.upload_file,
            actor=request.user,
            uploaded=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            story=story,
        )
        if ok:
            messages.success(request, _("Uploaded. The renditions are being made."))
            return redirect("media:asset", pk=asset.pk)
    return render(
        request,
        "media/upload.html",
        {"form": form, "story": story, "max_bytes": services.max_bytes(), "chunk_bytes": services.chunk_bytes()},
        status=400 if form.is_bound else 200,
    )


def _detail(request, pk, *, edit_form=None, focal_form=None, attach_form=None, subtitle_form=None, status=200):
    try:
        asset = selectors.asset_detail(pk)
    except ObjectDoesNotExist as e:
        raise Http404 from e
    can_edit = services.can_edit_asset(request.user, asset)
    stories = _editable_stories(request.user)
    context = {
        "asset": asset,
        "renditions": list(asset.renditions.all()),
        "links": list(asset.story_links.all()),
        "can_edit": can_edit,
        "edit_form": edit_form or AssetEditForm(initial={"title": asset.title, "tags": ", ".join(asset.tags)}),
        "focal_form": focal_form or FocalForm(initial={"x": asset.focal_x, "y": asset.focal_y}),
        "attach_form": attach_form or AttachForm(stories=stories),
        "can_attach": bool(stories),
        "subtitles": list(asset.subtitles.all()),
        "subtitle_form": subtitle_form or SubtitleForm(),
        "hls_master": services.hls_master_name(asset)
        if any(r.kind in services.HLS_RUNGS and r.status == "done" for r in asset.renditions.all())
        else None,
        "metadata_rows": _metadata_rows(asset),
    }
    return render(request, "media/asset_detail.html", context, status=status)


def _metadata_rows(asset: Asset) -> list[tuple[str, str]]:
    m = asset.metadata or {}
    rows = []
    if m.get("width"):
        rows.append((_("Resolution"), f"{m['width']} × {m['height']}"))
    if m.get("duration"):
        rows.append((_("Duration"), _("%(s)s seconds") % {"s": m["duration"]}))
    if m.get("video_codec"):
        rows.append((_("Video codec"), m["video_codec"]))
    if m.get("audio_codec"):
        rows.append((_("Audio codec"), f"{m['audio_codec']} {m.get('sample_rate') or ''} Hz, {m.get('channels') or '?'} ch"))
    if m.get("bitrate"):
        rows.append((_("Bit rate"), f"{m['bitrate'] // 1000} kb/s"))
    if m.get("frame_rate"):
        rows.append((_("Frame rate"), str(m["frame_rate"])))
    for key, value in (m.get("exif") or {}).items():
        rows.append((f"EXIF {key}", str(value)))
    if asset.kind == Asset.Kind.IMAGE:
        rows.append((_("Location (GPS)"), _("In the original only; removed from every rendition") if m.get("has_gps") else _("None")))
    return rows


@staff_view
def asset_detail(request, pk):
    return _detail(request, pk)


@staff_view
@require_POST
def asset_edit(request, pk):
    asset = get_object_or_404(Asset, pk=pk)
    form = AssetEditForm(request.POST)
    if form.is_valid():
        ok, _r = call_service(
            form, services.update_asset, actor=request.user, asset=asset, title=form.cleaned_data["title"], tags=form.cleaned_data["tags"]
        )
        if ok:
            messages.success(request, _("Saved."))
            return redirect("media:asset", pk=pk)
    return _detail(request, pk, edit_form=form, status=400)


@staff_view
@require_POST
def asset_focal(request, pk):
    asset = get_object_or_404(Asset, pk=pk)
    form = FocalForm(request.POST)
    if form.is_valid():
        ok, _r = call_service(form, services.set_focal_point, actor=request.user, asset=asset, **form.cleaned_data)
        if ok:
            messages.success(request, _("Focal point set. The crops are being made again."))
            return redirect("media:asset", pk=pk)
    return _detail(request, pk, focal_form=form, status=400)


@staff_view
@require_POST
def asset_attach(request, pk):
    asset = get_object_or_404(Asset, pk=pk)
    form = AttachForm(request.POST, stories=_editable_stories(request.user))
    if form.is_valid():
        story = get_object_or_404(Story, pk=form.cleaned_data["story"])
        ok, _r = call_service(form, services.attach, actor=request.user, asset=asset, story=story, caption=form.cleaned_data["caption"])
        if ok:
            messages.success(request, _("Added to the story."))
            return redirect("media:asset", pk=pk)
    return _detail(request, pk, attach_form=form, status=400)


@staff_view
@require_POST
def subtitle_add(request, pk):
    asset = get_object_or_404(Asset, pk=pk)
    form = SubtitleForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        uploaded = data["file"]
        if uploaded.size > 2 * 1024 * 1024:
            form.add_error("file", _("A subtitle file may be at most 2 MB."))
        else:
            ok, _r = call_service(
                form,
                services.add_subtitles,
                actor=request.user,
                asset=asset,
                data=uploaded.read(),
                language=data["language"],
                label=data["label"],
                burn_in=data["burn_in"],
            )
            if ok:
                messages.success(request, _("Subtitles added."))
                return redirect("media:asset", pk=pk)
    return _detail(request, pk, subtitle_form=form, status=400)


@staff_view
@require_POST
def subtitle_change(request, pk, sid):
    track = get_object_or_404(Subtitle.objects.select_related("asset"), pk=sid, asset_id=pk)
    if request.POST.get("action") == "remove":
        ok, _r = call_service_or_message(request, services.remove_subtitles, actor=request.user, track=track)
    else:
        burn = request.POST.get("burn_in") == "1"
        ok, _r = call_service_or_message(request, services.set_burn_in, actor=request.user, track=track, burn_in=burn)
    if ok:
        messages.success(request, _("Saved."))
    return redirect("media:asset", pk=pk)


@staff_view
@require_POST
def rendition_retry(request, pk, rid):
    rendition = get_object_or_404(Rendition.objects.select_related("asset"), pk=rid, asset_id=pk)
    ok, _r = call_service_or_message(request, services.retry_rendition, actor=request.user, rendition=rendition)
    if ok:
        messages.success(request, _("The rendition will be made again."))
    return redirect("media:asset", pk=pk)


def serve_file(path: str, *, download_name: str | None = None) -> FileResponse:
    root = os.path.realpath(settings.MEDIA_ROOT)
    real = os.path.realpath(path)
    if not real.startswith(root + os.sep) or not os.path.isfile(real):
        raise Http404
    content_type = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".vtt": "text/vtt; charset=utf-8"}.get(
        os.path.splitext(real)[1]
    )
    content_type = content_type or mimetypes.guess_type(real)[0] or "application/octet-stream"
    response = FileResponse(
        open(real, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=content_type,
        as_attachment=download_name is not None,
        filename=download_name or "",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_view
def original(request, pk):
    """The original, always as a download: it is what someone uploaded, not something we made."""
    asset = get_object_or_404(Asset, pk=pk)
    path = storage.local_file(asset.original.name)
    if path is None:
        raise Http404
    return serve_file(path, download_name=asset.original_name)


@staff_view
def rendition_file(request, pk, path):
    """A file we made (a rendition, an HLS playlist or segment): inline, so the page can show it."""
    get_object_or_404(Asset.objects.only("pk"), pk=pk)
    found = selectors.rendition_file(pk, path)
    if found is None:
        raise Http404
    return serve_file(found)
