"""The only write paths of the media library: uploads (resumable), assets, their use in stories,
and renditions. Keyword-only, with actor=...; every change writes an audit line."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Collection

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import Role
from rongmei.core import audit, storage
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.media import probe, render, subtitles
from rongmei.media.models import Asset, Rendition, StoryAsset, Subtitle, UploadSession
from rongmei.newsroom import permissions as perms

log = logging.getLogger(__name__)

GiB = 1024**3
DEFAULT_MAX_BYTES = 2 * GiB
MAX_CHUNK_BYTES = 16 * 1024 * 1024
UPLOAD_HOURS = 24
MAX_TAGS = 20
MAX_TAG_CHARS = 30
COPY_BLOCK = 1024 * 1024

RENDITIONS_BY_KIND = {
    Asset.Kind.IMAGE: ["thumb_320", "web_1280_webp", "web_1280_jpg", "wechat_cover_235", "wechat_cover_1x1"],
    Asset.Kind.VIDEO: ["poster", "mp4", "hls_360", "hls_720", "hls_1080", "vertical_916"],
    Asset.Kind.AUDIO: ["audio_aac", "audio_mp3"],
    Asset.Kind.DOCUMENT: [],
}
HLS_RUNGS = {"hls_360": 360, "hls_720": 720, "hls_1080": 1080}


# --- permissions --------------------------------------------------------------------------


def can_upload(user) -> bool:
    return perms.is_staff_member(user)


def can_edit_asset(user, asset: Asset) -> bool:
    """The uploader, or an editor, column lead or the chief editor."""
    if not perms.is_staff_member(user):
        return False
    return asset.uploaded_by_id == user.pk or user.role in (Role.EDITOR, Role.COLUMN_LEAD, Role.CHIEF_EDITOR)


def _require_upload(actor) -> None:
    if not can_upload(actor):
        raise NotAllowed(_("Only newsroom staff may upload files."))


def _require_edit(actor, asset: Asset) -> None:
    if not can_edit_asset(actor, asset):
        raise NotAllowed(_("Only the uploader or an editor may change this asset."))


def _require_story(actor, story) -> None:
    if not perms.can_edit_story(actor, story):
        raise NotAllowed(_("You may not change this story's assets."))


# --- limits -------------------------------------------------------------------------------


def max_bytes(kind: str | None = None) -> int:
    """RONGMEI_MEDIA_MAX_BYTES: a number of bytes for every kind, or {"image": n, …, "default": n}.
    Without a kind: the largest limit (what an upload may declare before its type is known)."""
    value = getattr(settings, "RONGMEI_MEDIA_MAX_BYTES", DEFAULT_MAX_BYTES)
    if isinstance(value, dict):
        default = int(value.get("default", DEFAULT_MAX_BYTES))
        if kind is None:
            return max([default, *(int(v) for v in value.values())])
        return int(value.get(kind, default))
    return int(value)


def chunk_bytes() -> int:
    """The chunk size the upload page uses (RONGMEI_MEDIA_CHUNK_BYTES, default 8 MiB)."""
    return max(64 * 1024, min(int(getattr(settings, "RONGMEI_MEDIA_CHUNK_BYTES", 8 * 1024 * 1024)), MAX_CHUNK_BYTES))


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _too_large(limit: int) -> DomainError:
    return DomainError(_("The file is too large: at most %(limit)s.") % {"limit": human_size(limit)}, field="size", code="too_large")


def upload_dir() -> str:
    path = os.path.join(settings.MEDIA_ROOT, "uploads")
    os.makedirs(path, exist_ok=True)
    return path


# --- resumable uploads --------------------------------------------------------------------


class OffsetMismatch(StateConflict):
    """A chunk sent at an offset other than the server's: the client resumes from .offset."""

    def __init__(self, offset: int) -> None:
        super().__init__(_("The upload continues at byte %(n)s.") % {"n": offset}, code="wrong_offset")
        self.offset = offset


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "file"


def start_upload(*, actor, file_name: str, size: int, title: str = "", story=None) -> UploadSession:
    _require_upload(actor)
    if story is not None:
        _require_story(actor, story)
    if size <= 0:
        raise DomainError(_("The file is empty."), field="size")
    limit = max_bytes()
    if size > limit:
        raise _too_large(limit)
    session_id = uuid.uuid4()
    temp_path = os.path.join(upload_dir(), f"{session_id.hex}.part")
    open(temp_path, "wb").close()
    now = timezone.now()
    return UploadSession.objects.create(
        id=session_id,
        user=actor,
        file_name=_clean_name(file_name),
        size=size,
        temp_path=temp_path,
        title=(title or "")[:200],
        story=story,
        created_at=now,
        expires_at=now + dt.timedelta(hours=UPLOAD_HOURS),
    )


def get_session(*, actor, session_id) -> UploadSession:
    """The caller's own live upload session (another person's is as good as missing)."""
    session = UploadSession.objects.filter(pk=session_id, user=actor).first()
    if session is None:
        raise DomainError(_("This upload does not exist or has expired. Start it again."), code="not_found")
    if session.expires_at <= timezone.now():
        _discard(session)
        raise DomainError(_("This upload does not exist or has expired. Start it again."), code="not_found")
    return session


@contextlib.contextmanager
def _locked(session: UploadSession):
    """The session's temp file, open and exclusively locked: one chunk or finish at a time, and no
    database transaction held while a slow client sends its bytes (SQLite would stall every writer)."""
    try:
        handle = open(session.temp_path, "r+b")  # noqa: SIM115 - closed below
    except FileNotFoundError as e:
        raise DomainError(_("This upload does not exist or has expired. Start it again."), code="not_found") from e
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise StateConflict(_("Another part of this upload is being received. Try again in a moment."), code="busy") from e
        yield handle
    finally:
        handle.close()


def append_chunk(*, actor, session_id, offset: int, stream, length: int) -> UploadSession:
    """Write `length` bytes read from `stream` at `offset`, which must be what the server has. A
    connection that drops midway keeps what arrived; the client asks and resumes from there."""
    if length <= 0:
        raise DomainError(_("The chunk is empty."), field="chunk")
    if length > MAX_CHUNK_BYTES:
        raise DomainError(_("A chunk may be at most %(n)s.") % {"n": human_size(MAX_CHUNK_BYTES)}, field="chunk")
    session = get_session(actor=actor, session_id=session_id)
    if offset != session.received:
        raise OffsetMismatch(session.received)
    if offset + length > session.size:
        raise DomainError(_("The chunk goes past the declared size of the file."), field="chunk", code="too_long")
    with _locked(session) as f:
        session.refresh_from_db(fields=["received"])  # what a writer before us left
        if offset != session.received:
            raise OffsetMismatch(session.received)
        f.seek(offset)
        written = 0
        while written < length:
            try:
                block = stream.read(min(256 * 1024, length - written))
            except OSError:  # the server lost the client mid-body
                block = b""
            if not block:
                break
            f.write(block)
            written += len(block)
        f.truncate(offset + written)
        f.flush()
        UploadSession.objects.filter(pk=session.pk).update(received=offset + written)
        session.received = offset + written
    return session


def _discard(session: UploadSession) -> None:
    try:
        os.remove(session.temp_path)
    except FileNotFoundError:
        pass
    UploadSession.objects.filter(pk=session.pk).delete()


def cancel_upload(*, actor, session_id) -> None:
    _discard(get_session(actor=actor, session_id=session_id))


def purge_expired_uploads() -> int:
    expired = list(UploadSession.objects.filter(expires_at__lte=timezone.now()))
    for session in expired:
        _discard(session)
    return len(expired) + _purge_orphan_parts()


def _purge_orphan_parts() -> int:
    """This machine's ``.part`` files older than an upload may live whose session is gone (its row
    was removed by another machine's housekeeping, which could not reach this file)."""
    folder = upload_dir()
    cutoff = time.time() - (UPLOAD_HOURS * 3600 + 3600)
    known = set(UploadSession.objects.values_list("temp_path", flat=True))
    removed = 0
    for entry in os.scandir(folder):
        if entry.name.endswith(".part") and entry.path not in known:
            with contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime < cutoff:
                    os.remove(entry.path)
                    removed += 1
    return removed


def finish_upload(*, actor, session_id) -> Asset:
    session = get_session(actor=actor, session_id=session_id)
    if not session.complete:
        raise StateConflict(
            _("The upload is incomplete: %(got)s of %(size)s bytes received.") % {"got": session.received, "size": session.size},
            code="incomplete",
        )
    with _locked(session):  # a double click finishes once; the second finds the session gone
        try:
            asset = _create_asset(
                actor=actor, temp_path=session.temp_path, name=session.file_name, title=session.title, story=session.story
            )
        except (probe.ProbeUnavailable, storage.StorageUnavailable):
            raise  # our fault, not the file's: the data stays and finishing can be tried again
        except DomainError:
            _discard(session)  # refused: nothing of it is kept
            raise
        except Exception:
            if not os.path.exists(session.temp_path):
                _discard(session)
            raise
        _discard(session)
        return asset


def upload_file(*, actor, uploaded, title: str = "", story=None) -> Asset:
    """A whole file in one request (the form without JavaScript): streamed to a temp file first."""
    _require_upload(actor)
    if story is not None:
        _require_story(actor, story)
    return _ingest(uploader=actor, uploaded=uploaded, title=title, story=story)


def ingest_upload(*, uploader, uploaded, title: str = "", kinds: Collection[str] | None = None) -> Asset:
    """Store a file uploaded in one request as an Asset of the library, for another app's page
    (an ad campaign's creative): the same size limits, content check, audit line and renditions
    (made by the task worker after the commit) as ``upload_file``.

    The caller has checked its own permission: this function checks none (``uploader`` need not
    be newsroom staff). ``kinds``: the kinds of asset the caller takes (e.g. ``{"image"}``); a
    file of another kind is refused (code ``wrong_kind``) before anything is stored.

    Called inside the caller's transaction, the Asset row rolls back with it but the stored file
    does not: the caller then calls ``forget_ingested(asset)``."""
    return _ingest(uploader=uploader, uploaded=uploaded, title=title, story=None, kinds=kinds)


def forget_ingested(asset: Asset) -> None:
    """Remove the stored original of an asset made by ``ingest_upload`` whose row was rolled back
    with the caller's transaction (nothing else refers to the file)."""
    if asset.original:
        _forget_original(asset.original.name)


def _ingest(*, uploader, uploaded, title: str, story, kinds: Collection[str] | None = None) -> Asset:
    limit = max_bytes() if kinds is None else max(max_bytes(kind) for kind in kinds)
    if uploaded.size > limit:
        raise _too_large(limit)
    temp_path = os.path.join(upload_dir(), f"{uuid.uuid4().hex}.part")
    try:
        with open(temp_path, "wb") as f:
            for chunk in uploaded.chunks():
                f.write(chunk)
        return _create_asset(actor=uploader, temp_path=temp_path, name=_clean_name(uploaded.name), title=title, story=story, kinds=kinds)
    finally:
        if os.path.exists(temp_path):
            os.remove(temp_path)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(COPY_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _store_original(temp_path: str, ext: str) -> str:
    """Move the checked file into the library (and the bucket, when there is one); returns its
    storage name."""
    now = timezone.now()
    name = f"assets/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{ext}"
    target = storage.library_storage().path(name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.move(temp_path, target)
    try:
        storage.mirror(name)
    except storage.StorageUnavailable:
        shutil.move(target, temp_path)  # the upload stays whole: finishing can be tried again
        raise
    return name


def _forget_original(name: str) -> None:
    storage.library_storage().delete(name)
    try:
        storage.forget(name)
    except storage.StorageUnavailable:
        log.warning("media: %s stays in the bucket (it could not be reached)", name)


def _create_asset(*, actor, temp_path: str, name: str, title: str, story, kinds: Collection[str] | None = None) -> Asset:
    judged = probe.judge(temp_path)  # BadFile: the caller removes the data
    if kinds is not None and judged.kind not in kinds:
        raise DomainError(
            _("A file of this kind (%(kind)s) cannot be used here.") % {"kind": Asset.Kind(judged.kind).label},
            field="file",
            code="wrong_kind",
        )
    size = os.path.getsize(temp_path)
    limit = max_bytes(judged.kind)
    if size > limit:
        raise _too_large(limit)
    digest = sha256_of(temp_path)
    stored = _store_original(temp_path, judged.extension)
    try:
        with transaction.atomic():
            asset = Asset.objects.create(
                kind=judged.kind,
                original=stored,
                original_name=name,
                sha256=digest,
                size=size,
                mime=judged.mime,
                title=(title or os.path.splitext(name)[0])[:200],
                metadata=judged.metadata,
                uploaded_by=actor,
            )
            audit.record(
                "media.upload",
                actor=actor,
                subject=asset,
                summary=_("Uploaded %(name)s") % {"name": name},
                data={"kind": asset.kind, "mime": asset.mime, "size": size, "sha256": digest},
            )
            if story is not None:
                _attach(actor=actor, asset=asset, story=story)
            _plan_renditions(asset)
    except Exception:
        _forget_original(stored)
        raise
    return asset


# --- assets -------------------------------------------------------------------------------


def clean_tags(tags) -> list[str]:
    out: list[str] = []
    for tag in tags or []:
        tag = " ".join(str(tag).replace("|", " ").replace(",", " ").replace("，", " ").split())[:MAX_TAG_CHARS]
        if tag and tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise DomainError(_("At most %(n)s tags.") % {"n": MAX_TAGS}, field="tags")
    return out


def update_asset(*, actor, asset: Asset, title: str | None = None, tags: list[str] | None = None) -> Asset:
    _require_edit(actor, asset)
    changed = {}
    if title is not None:
        title = title.strip()[:200]
        if not title:
            raise DomainError(_("The title may not be empty."), field="title")
        if title != asset.title:
            changed["title"] = [asset.title, title]
            asset.title = title
    if tags is not None:
        tags = clean_tags(tags)
        if tags != asset.tags:
            changed["tags"] = [asset.tags, tags]
            asset.tags = tags
            asset.tags_text = "|" + "|".join(tags) + "|" if tags else ""
    if changed:
        with transaction.atomic():
            asset.save(update_fields=["title", "tags", "tags_text"])
            audit.record("media.update", actor=actor, subject=asset, summary=_("Changed the asset's details"), data=changed)
    return asset


def set_focal_point(*, actor, asset: Asset, x: float, y: float) -> Asset:
    """Where the picture's subject is (0..1 from the left and top); crops are made again around it."""
    _require_edit(actor, asset)
    if asset.kind not in (Asset.Kind.IMAGE, Asset.Kind.VIDEO):
        raise DomainError(_("Only images and videos have a focal point."), field="x")
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise DomainError(_("The focal point must lie within the picture (0 to 1)."), field="x")
    with transaction.atomic():
        old = [asset.focal_x, asset.focal_y]
        asset.focal_x, asset.focal_y = round(x, 4), round(y, 4)
        asset.save(update_fields=["focal_x", "focal_y"])
        audit.record("media.focal_point", actor=actor, subject=asset, summary=_("Set the focal point"), data={"from": old, "to": [x, y]})
        for rendition in asset.renditions.filter(kind__in=render.FOCAL_KINDS):
            _requeue(rendition)
    return asset


def attach(*, actor, asset: Asset, story, caption: str = "") -> StoryAsset:
    _require_story(actor, story)
    if not perms.is_staff_member(actor):
        raise NotAllowed(_("Only newsroom staff may use the library."))
    with transaction.atomic():
        return _attach(actor=actor, asset=asset, story=story, caption=caption)


def _attach(*, actor, asset: Asset, story, caption: str = "") -> StoryAsset:
    link = StoryAsset.objects.filter(story=story, asset=asset).first()
    if link is not None:
        raise StateConflict(_("This asset is already in the story."), code="already_attached")
    order = (StoryAsset.objects.filter(story=story).order_by("-order").values_list("order", flat=True).first() or 0) + 1
    link = StoryAsset.objects.create(story=story, asset=asset, order=order, caption=caption[:500], added_by=actor)
    audit.record(
        "media.attach", actor=actor, subject=story, summary=_("Added %(asset)s to the story") % {"asset": asset}, data={"asset": asset.pk}
    )
    return link


def detach(*, actor, asset: Asset, story) -> None:
    _require_story(actor, story)
    with transaction.atomic():
        deleted, _n = StoryAsset.objects.filter(story=story, asset=asset).delete()
        if not deleted:
            raise DomainError(_("This asset is not in the story."), code="not_attached")
        audit.record(
            "media.detach",
            actor=actor,
            subject=story,
            summary=_("Removed %(asset)s from the story") % {"asset": asset},
            data={"asset": asset.pk},
        )


# --- subtitles ----------------------------------------------------------------------------


def add_subtitles(*, actor, asset: Asset, data: bytes, language: str = "zh-hans", label: str = "", burn_in: bool = False) -> Subtitle:
    """Attach SRT or WebVTT subtitles to a video (stored as WebVTT); with burn_in, the vertical
    cut is made again with them."""
    _require_edit(actor, asset)
    if asset.kind != Asset.Kind.VIDEO:
        raise DomainError(_("Subtitles belong to videos."), field="file")
    source, vtt, cues = subtitles.to_webvtt(subtitles.decode(data))
    language = (language or "zh-hans").strip()[:20]
    name = f"renditions/{asset.pk}/subtitles/{uuid.uuid4().hex[:12]}.{language}.vtt"
    path = os.path.join(settings.MEDIA_ROOT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(vtt)
    try:
        storage.mirror(name)
        with transaction.atomic():
            if burn_in:
                Subtitle.objects.filter(asset=asset, burn_in=True).update(burn_in=False)
            track = Subtitle.objects.create(
                asset=asset,
                language=language,
                label=(label or "").strip()[:60],
                source_format=source,
                file=name,
                cues=cues,
                burn_in=burn_in,
                created_by=actor,
            )
            audit.record(
                "media.subtitles_add",
                actor=actor,
                subject=asset,
                summary=_("Added subtitles (%(lang)s, %(n)s cues)") % {"lang": language, "n": cues},
                data={"subtitle": track.pk, "burn_in": burn_in},
            )
            if burn_in:
                _requeue_vertical(asset)
    except Exception:
        os.remove(path)
        raise
    return track


def _requeue_vertical(asset: Asset) -> None:
    for rendition in asset.renditions.filter(kind="vertical_916"):
        _requeue(rendition)


def set_burn_in(*, actor, track: Subtitle, burn_in: bool) -> Subtitle:
    _require_edit(actor, track.asset)
    if track.burn_in == burn_in:
        return track
    with transaction.atomic():
        if burn_in:
            Subtitle.objects.filter(asset=track.asset, burn_in=True).update(burn_in=False)
        track.burn_in = burn_in
        track.save(update_fields=["burn_in"])
        audit.record(
            "media.subtitles_burn_in",
            actor=actor,
            subject=track.asset,
            summary=_("Subtitles burned into the vertical cut") if burn_in else _("Subtitles no longer burned in"),
            data={"subtitle": track.pk, "burn_in": burn_in},
        )
        _requeue_vertical(track.asset)
    return track


def remove_subtitles(*, actor, track: Subtitle) -> None:
    _require_edit(actor, track.asset)
    with transaction.atomic():
        was_burned = track.burn_in
        audit.record(
            "media.subtitles_remove", actor=actor, subject=track.asset, summary=_("Removed subtitles"), data={"subtitle": track.pk}
        )
        name = track.file.name
        track.delete()
        if was_burned:
            _requeue_vertical(track.asset)
        transaction.on_commit(lambda: _forget_file(name))


def _forget_file(name: str) -> None:
    path = storage.media_path(name)
    if path and os.path.exists(path):
        os.remove(path)
    try:
        storage.forget(name)
    except storage.StorageUnavailable:
        log.warning("media: %s stays in the bucket (it could not be reached)", name)


# --- renditions ---------------------------------------------------------------------------


def wanted_renditions(asset: Asset) -> list[str]:
    kinds = list(RENDITIONS_BY_KIND.get(asset.kind, []))
    if asset.kind == Asset.Kind.VIDEO:
        height = asset.metadata.get("height") or 0
        # The ladder never scales up: the lowest rung always, the others when the source has them.
        kinds = [k for k in kinds if k not in HLS_RUNGS or HLS_RUNGS[k] == 360 or height >= HLS_RUNGS[k]]
        if not asset.metadata.get("has_video"):
            kinds = []
    return kinds


def _enqueue(rendition_id: int) -> None:
    from rongmei.media.tasks import make_rendition

    try:
        make_rendition.enqueue(rendition_id)
    except Exception:
        log.warning("could not enqueue rendition %s", rendition_id, exc_info=True)


def _plan_renditions(asset: Asset) -> list[Rendition]:
    made = [Rendition.objects.create(asset=asset, kind=kind) for kind in wanted_renditions(asset)]
    for rendition in made:
        transaction.on_commit(lambda pk=rendition.pk: _enqueue(pk))
    return made


def _requeue(rendition: Rendition) -> None:
    Rendition.objects.filter(pk=rendition.pk).update(
        status=Rendition.Status.PENDING, progress=0, error="", error_detail="", updated_at=timezone.now()
    )  # a running one is superseded: its result is dropped when it ends
    transaction.on_commit(lambda pk=rendition.pk: _enqueue(pk))


# A worker making a rendition touches its row at least every HEARTBEAT seconds (ffmpeg's progress,
# or the heartbeat thread when ffmpeg says nothing); a row untouched for LEASE seconds lost its
# worker (killed, its machine restarted) and is made again, up to MAX_ATTEMPTS times in all.
MAX_ATTEMPTS = 3


def heartbeat_seconds() -> float:
    return float(getattr(settings, "RONGMEI_TASK_HEARTBEAT_SECONDS", 15))


def lease_seconds() -> float:
    return float(getattr(settings, "RONGMEI_TASK_LEASE_SECONDS", 120))


def stale_before() -> dt.datetime:
    """A rendition "running" with no sign of life since then lost its worker."""
    return timezone.now() - dt.timedelta(seconds=lease_seconds())


def is_stale(rendition: Rendition) -> bool:
    return rendition.status == Rendition.Status.RUNNING and rendition.updated_at < stale_before()


def recover_stale_renditions() -> dict:
    """Renditions whose worker vanished: made again (a new task) while attempts are left, else
    marked failed with the reason, to be retried by hand. Safe to repeat (cron, housekeeping)."""
    requeued = failed = 0
    for rendition in Rendition.objects.filter(status=Rendition.Status.RUNNING, updated_at__lt=stale_before()).select_related("asset"):
        if rendition.attempts < MAX_ATTEMPTS:
            with transaction.atomic():
                took = Rendition.objects.filter(pk=rendition.pk, status=Rendition.Status.RUNNING, updated_at__lt=stale_before()).update(
                    status=Rendition.Status.PENDING, progress=0, updated_at=timezone.now()
                )
                if took:
                    audit.record(
                        "media.rendition_requeued",
                        actor=None,
                        subject=rendition.asset,
                        summary=_("The worker making %(kind)s stopped; making it again") % {"kind": rendition.get_kind_display()},
                        data={"rendition": rendition.pk, "kind": rendition.kind, "attempts": rendition.attempts},
                    )
                    transaction.on_commit(lambda pk=rendition.pk: _enqueue(pk))
            requeued += took
        else:
            message = _("The worker making this rendition stopped without finishing %(n)s times. Retry it.") % {"n": rendition.attempts}
            failed += _failed(rendition, message, "") == "failed"
    return {"requeued": requeued, "failed": failed}


class _Heartbeat:
    """Touches a running rendition's row every heartbeat_seconds() while ffmpeg works."""

    def __init__(self, rendition_id: int) -> None:
        self.rendition_id = rendition_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"rendition-{rendition_id}-heartbeat", daemon=True)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(heartbeat_seconds()):
                try:
                    Rendition.objects.filter(pk=self.rendition_id, status=Rendition.Status.RUNNING).update(updated_at=timezone.now())
                except Exception:
                    log.warning("rendition %s: heartbeat not written", self.rendition_id, exc_info=True)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)


def retry_rendition(*, actor, rendition: Rendition) -> Rendition:
    _require_edit(actor, rendition.asset)
    if rendition.status == Rendition.Status.RUNNING and not is_stale(rendition):
        raise StateConflict(_("This rendition is being made right now."))
    with transaction.atomic():
        _requeue(rendition)
        audit.record(
            "media.rendition_retry",
            actor=actor,
            subject=rendition.asset,
            summary=_("Asked to make %(kind)s again") % {"kind": rendition.get_kind_display()},
            data={"rendition": rendition.pk, "kind": rendition.kind, "was": rendition.status},
        )
    rendition.refresh_from_db()
    return rendition


def rendition_dir(asset_id: int, kind: str) -> str:
    return os.path.join(settings.MEDIA_ROOT, "renditions", str(asset_id), kind)


def _storage_name(path: str) -> str:
    return os.path.relpath(path, settings.MEDIA_ROOT).replace(os.sep, "/")


def _make(rendition: Rendition, work: str, progress) -> render.Made:
    asset = rendition.asset
    source = storage.local_file(asset.original.name)  # fetched from the bucket on a machine without it
    if source is None:
        raise render.RenditionError(_("The original file of this asset is missing."))
    meta = asset.metadata
    focal = (asset.focal_x, asset.focal_y)
    kind = rendition.kind
    if kind in render.IMAGE_SPECS and asset.kind == Asset.Kind.IMAGE:
        return render.make_image(source, kind, work, focal=focal)
    if kind == "poster":
        return render.make_poster(source, work, meta)
    if kind == "mp4":
        return render.make_mp4(source, work, meta, progress)
    if kind in HLS_RUNGS:
        return render.make_hls(source, work, meta, HLS_RUNGS[kind], progress)
    if kind == "vertical_916":
        burned = asset.subtitles.filter(burn_in=True).first()
        track = storage.local_file(burned.file.name) if burned else None
        if burned and track is None:
            raise render.RenditionError(_("The subtitles to burn in are missing."))
        return render.make_vertical(source, work, meta, focal, progress, subtitles=track)
    if kind in ("audio_aac", "audio_mp3"):
        return render.make_audio(source, work, meta, kind, progress)
    raise render.RenditionError(_("This kind of rendition cannot be made from this asset."))


def run_rendition(rendition_id: int) -> str:
    """Make one rendition (the task's body). Claims it first, so two workers never make the same."""
    claimed = Rendition.objects.filter(pk=rendition_id, status__in=[Rendition.Status.PENDING, Rendition.Status.FAILED]).update(
        status=Rendition.Status.RUNNING, progress=0, attempts=F("attempts") + 1, error="", error_detail="", updated_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    rendition = Rendition.objects.select_related("asset").get(pk=rendition_id)
    attempt = rendition.attempts  # ours: a worker that outlived its lease finds it changed
    final = rendition_dir(rendition.asset_id, rendition.kind)
    work = f"{final}.tmp-{uuid.uuid4().hex[:8]}"
    os.makedirs(work, exist_ok=True)

    def progress(pct: int) -> None:
        Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.RUNNING).update(progress=pct, updated_at=timezone.now())

    try:
        with _Heartbeat(rendition_id):
            made = _make(rendition, work, progress)
    except render.RenditionError as e:
        shutil.rmtree(work, ignore_errors=True)
        return _failed(rendition, e.message, e.detail)
    except Exception as e:  # Pillow or the file system: the rendition says so, the worker lives on
        log.exception("rendition %s failed", rendition_id)
        shutil.rmtree(work, ignore_errors=True)
        return _failed(rendition, _("The rendition could not be made: %(error)s") % {"error": e}, repr(e))
    size = sum(os.path.getsize(os.path.join(root, f)) for root, _d, files in os.walk(work) for f in files)
    old = f"{final}.old-{uuid.uuid4().hex[:8]}"
    if os.path.exists(final):
        os.replace(final, old)
    os.replace(work, final)
    shutil.rmtree(old, ignore_errors=True)
    if not Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.RUNNING, attempts=attempt).exists():
        return "superseded"  # queued again after our lease: the newer making owns the bucket's copy
    try:
        # In the bucket before the database says done: another machine may serve it at once.
        storage.mirror_tree(f"renditions/{rendition.asset_id}/{rendition.kind}")
    except storage.StorageUnavailable as e:
        return _failed(rendition, e.message, e.detail)
    path = os.path.join(final, os.path.basename(made.path))
    updated = Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.RUNNING, attempts=attempt).update(
        status=Rendition.Status.DONE,
        progress=100,
        file=_storage_name(path),
        width=made.width,
        height=made.height,
        size=size,
        updated_at=timezone.now(),
    )
    storage.touch_tree(f"renditions/{rendition.asset_id}/{rendition.kind}")  # this machine's copy is current
    if rendition.kind in HLS_RUNGS:
        try:
            write_hls_master(rendition.asset)
        except storage.StorageUnavailable:
            log.warning("media: the HLS master of asset %s is not in the bucket yet", rendition.asset_id)
    return "done" if updated else "superseded"


def _failed(rendition: Rendition, message: str, detail: str) -> str:
    with transaction.atomic():
        Rendition.objects.filter(pk=rendition.pk, status=Rendition.Status.RUNNING, attempts=rendition.attempts).update(
            status=Rendition.Status.FAILED, error=message[:500], error_detail=detail[-4000:], updated_at=timezone.now()
        )
        audit.record(
            "media.rendition_failed",
            actor=None,
            subject=rendition.asset,
            summary=_("%(kind)s could not be made: %(error)s") % {"kind": rendition.get_kind_display(), "error": message},
            data={"rendition": rendition.pk, "kind": rendition.kind},
        )
    return "failed"


def hls_master_name(asset: Asset) -> str:
    return f"renditions/{asset.pk}/hls/master.m3u8"


def write_hls_master(asset: Asset, *, mirror: bool = True) -> str | None:
    """The master playlist over the rungs made so far (rewritten as each rung is done, and where
    it is served: media.selectors.rendition_file)."""
    rungs = list(Rendition.objects.filter(asset=asset, kind__in=HLS_RUNGS, status=Rendition.Status.DONE).order_by("height"))
    if not rungs:
        return None
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for r in rungs:
        vb, ab = render.HLS_BITRATES[HLS_RUNGS[r.kind]]
        bandwidth = (int(vb[:-1]) + int(ab[:-1])) * 1000
        codecs = 'CODECS="avc1.640028,mp4a.40.2",' if asset.metadata.get("has_audio") else 'CODECS="avc1.640028",'
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},{codecs}RESOLUTION={r.width}x{r.height}")
        lines.append(f"../{r.kind}/index.m3u8")
    name = hls_master_name(asset)
    path = os.path.join(settings.MEDIA_ROOT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.tmp-{uuid.uuid4().hex[:8]}"  # two requests writing at once both end whole
    with open(temporary, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    if mirror:
        storage.mirror(name)  # for backups and other tools; the site makes its own when serving
    return name
