"""Where uploaded files live: this machine's MEDIA_ROOT, or an S3-compatible bucket (issue 10).

Two kinds of files, two rules:

* Files Django keeps through its storage API (问政 attachments, community and practice pictures,
  civic members' photos, lead attachments, partners' contributions, covers and carousel
  pictures): ``STORAGES["default"]``. That is MEDIA_ROOT on one machine and django-storages'
  ``S3Storage`` when ``RONGMEI_S3_BUCKET`` is set (MinIO or any S3-compatible store; settings.py).
  Every read goes through a view that checks who may see the file and streams it, so the bucket
  stays private: no reader's browser talks to it, the CSP names no new origin, and on an isolated
  county network only the web and worker machines need a route to the store.

* The media library (originals, renditions, HLS folders, subtitles): ffmpeg works on files, so
  these are always written under MEDIA_ROOT first (``library_storage``). With a bucket, each
  finished file is copied there under the same name (``mirror``, ``mirror_tree``) before the
  database says it is done, and a machine that lacks a file fetches it on first use
  (``local_file``). MEDIA_ROOT is then a cache that any one machine may lose.

Nothing here talks to the outside world: the bucket is the center's own (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import mimetypes
import os
import time
import uuid

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError

log = logging.getLogger(__name__)

# The media library's own storage: MEDIA_ROOT, whatever STORAGES["default"] is. An instance made
# without a location follows MEDIA_ROOT, also under override_settings in tests.
_library = FileSystemStorage()


# Working files of this machine only, never copied to the bucket: resumable uploads in progress
# (rongmei.media.services.upload_dir).
LOCAL_ONLY = ("uploads/",)
# Where a file being fetched from the bucket is written before it takes its name.
FETCHING = ".fetching"


def library_storage() -> FileSystemStorage:
    """The storage of the media library's FileFields (a callable, so migrations name it, not a path)."""
    return _library


class StorageUnavailable(DomainError):
    """The bucket did not answer (or refused): nothing was marked as stored. HTTP 503."""

    status = 503

    detail = ""  # what boto said (for the log and a rendition's error detail), never shown

    def __init__(self, message: str) -> None:
        super().__init__(message, code="storage_unavailable")


def _s3_class():
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        """S3Storage whose ``url()`` never hands out the bucket's address: a signed link would let
        anyone holding it read the object (the admin's file widgets print ``.url``). Files reach
        readers through the views that check access; ``url()`` gives the same unserved
        ``MEDIA_URL`` path as on disk."""

        def url(self, name, parameters=None, expire=None, http_method=None):
            return settings.MEDIA_URL + (name or "").lstrip("/")

    return PrivateS3Storage


def __getattr__(name: str):
    # STORAGES["default"]["BACKEND"] = "rongmei.core.storage.PrivateS3Storage" (s3conf.py); made on
    # first use, so this module imports without django-storages.
    if name == "PrivateS3Storage":
        cls = _s3_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


def bucket():
    """The S3 storage when uploaded files go to a bucket, else None."""
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - a deployment without django-storages has no bucket
        return None
    return default_storage if isinstance(default_storage, S3Storage) else None


def _key(store, name: str) -> str:
    from storages.utils import clean_name

    return store._normalize_name(clean_name(name))


def _unavailable(error: Exception) -> StorageUnavailable:
    """The person reads that the store is away; the store's address and the error go to the log."""
    log.warning("object storage: %r", error)
    found = StorageUnavailable(_("The file store (object storage) could not be reached."))
    found.detail = repr(error)
    return found


def _errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError, OSError)


def media_path(name: str) -> str | None:
    """The path under MEDIA_ROOT of a stored name; None when the name would lead outside it."""
    root = os.path.realpath(settings.MEDIA_ROOT)
    path = os.path.realpath(os.path.join(root, name))
    return path if path.startswith(root + os.sep) else None


def media_name(path: str) -> str:
    """The stored name of a path under MEDIA_ROOT ("renditions/12/mp4/video.mp4")."""
    return os.path.relpath(path, os.path.realpath(settings.MEDIA_ROOT)).replace(os.sep, "/")


def upload(path: str | os.PathLike, name: str) -> None:
    """Put a local file into the bucket under ``name`` (replacing an object of that name)."""
    store = bucket()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        store.bucket.upload_file(str(path), _key(store, name), ExtraArgs={"ContentType": content_type})
    except _errors() as e:
        raise _unavailable(e) from e


def download(name: str, path: str | os.PathLike) -> None:
    """Write the bucket's object ``name`` to a local file."""
    store = bucket()
    try:
        store.bucket.Object(_key(store, name)).download_file(str(path))
    except _errors() as e:
        raise _unavailable(e) from e


def _prefix(store) -> str:
    location = (store.location or "").strip("/")
    return f"{location}/" if location else ""


def listing(folder: str = "") -> dict[str, int]:
    """The bucket's objects (under ``folder``) by name, with their sizes: the names Django uses,
    without RONGMEI_S3_PREFIX."""
    store = bucket()
    prefix = _prefix(store)
    start = prefix + (folder.strip("/") + "/" if folder.strip("/") else "")
    try:
        # A key ending in "/" is a folder marker some tools make, no file.
        return {o.key[len(prefix) :]: o.size for o in store.bucket.objects.filter(Prefix=start) if not o.key.endswith("/")}
    except _errors() as e:
        raise _unavailable(e) from e


def remove(names) -> None:
    """Delete objects of the bucket by name."""
    store = bucket()
    try:
        for name in names:
            store.bucket.Object(_key(store, name)).delete()
    except _errors() as e:
        raise _unavailable(e) from e


def mirror(name: str) -> None:
    """Copy one media-library file (by its name under MEDIA_ROOT) to the bucket; no-op without one."""
    if bucket() is None or not name:
        return
    path = media_path(name)
    if path is None:
        raise ValueError(name)
    upload(path, name)


def mirror_tree(folder: str) -> int:
    """Copy every file of a media-library folder to the bucket and remove the bucket's objects
    under it that the folder no longer has (a rendition made again with fewer segments); returns
    how many files were copied."""
    store = bucket()
    root = media_path(folder)
    if store is None or root is None:
        return 0
    names = set()
    for here, _dirs, files in os.walk(root):
        for file in files:
            name = media_name(os.path.join(here, file))
            upload(os.path.join(here, file), name)
            names.add(name)
    remove(sorted(set(listing(folder)) - names))
    return len(names)


def forget(name: str) -> None:
    """Remove a media-library file from the bucket too (the local copy is the caller's)."""
    if bucket() is not None and name:
        remove([name])


def local_file(name: str, *, fresh_after: dt.datetime | None = None) -> str | None:
    """The local path of a media-library file, fetched from the bucket first when this machine
    lacks it; None when it is nowhere, or when the name leads outside MEDIA_ROOT.

    A rendition made again keeps its name, so with a bucket a copy older than ``fresh_after``
    (when the database last said the file was done) is fetched again. A fetched copy carries the
    time its fetch began: one that began before the new file was in the bucket counts as old."""
    path = media_path(name) if name and "\x00" not in name else None
    if path is None:
        return None
    store = bucket()
    if os.path.isfile(path) and (store is None or fresh_after is None or os.path.getmtime(path) >= fresh_after.timestamp()):
        return path
    if store is None:
        return None
    fetching = os.path.join(os.path.realpath(settings.MEDIA_ROOT), FETCHING)
    os.makedirs(fetching, exist_ok=True)  # no folder of the name is made before the bucket has it
    # One fetch of a file at a time on this machine: the others wait for it, then find it here.
    with open(os.path.join(fetching, hashlib.sha256(media_name(path).encode()).hexdigest()[:32] + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(path) and (fresh_after is None or os.path.getmtime(path) >= fresh_after.timestamp()):
            return path
        return _fetch(store, path, fetching)


def _fetch(store, path: str, fetching: str) -> str | None:
    from botocore.exceptions import ClientError

    have = os.path.isfile(path)
    partial = os.path.join(fetching, uuid.uuid4().hex + ".part")
    began = time.time()
    try:
        store.bucket.Object(_key(store, media_name(path))).download_file(partial)
        os.utime(partial, (began, began))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.replace(partial, path)  # two machines (or requests) fetching at once both end whole
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        if have:
            return path  # the store is away: the copy here, older, is better than nothing
        raise _unavailable(e) from e
    except _errors() as e:
        if have:
            return path
        raise _unavailable(e) from e
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path


def local_file_in(folder: str, relative: str, *, fresh_after=None) -> str | None:
    """``local_file`` of a file inside one folder ("renditions/12"): None for a path that leaves
    it. ``fresh_after`` may be a function of the file's name inside the folder."""
    base = media_path(folder)
    path = media_path(f"{folder}/{relative}") if "\x00" not in relative else None
    if base is None or path is None or not path.startswith(base + os.sep):
        return None
    if callable(fresh_after):  # asked only where it matters: a bucket, and a copy here
        asks = bucket() is not None and os.path.isfile(path)
        fresh_after = fresh_after(os.path.relpath(path, base).replace(os.sep, "/")) if asks else None
    return local_file(media_name(path), fresh_after=fresh_after)


def prune_local_copies(older_than: dt.timedelta) -> int:
    """With a bucket, remove this machine's copies of library files fetched (or made) longer ago
    than ``older_than`` whose object the bucket holds with the same size; they are fetched again
    when next needed. Uploads under way, work folders and anything the bucket lacks stay."""
    if bucket() is None:
        return 0
    root = os.path.realpath(settings.MEDIA_ROOT)
    if not os.path.isdir(root):
        return 0
    held = listing()
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    with os.scandir(os.path.join(root, FETCHING)) if os.path.isdir(os.path.join(root, FETCHING)) else contextlib.nullcontext([]) as left:
        for entry in left:  # what fetches cut off (a killed process) left, and old locks
            with contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime < time.time() - 86400:
                    os.remove(entry.path)
    for here, _dirs, files in os.walk(root):
        for file in files:
            path = os.path.join(here, file)
            name = media_name(path)
            if name.startswith((*LOCAL_ONLY, FETCHING + "/", ".pruned")) or ".tmp-" in name:
                continue
            try:
                stat = os.stat(path)
                if stat.st_mtime < cutoff and held.get(name) == stat.st_size:
                    os.remove(path)
                    removed += 1
            except FileNotFoundError:
                continue  # removed meanwhile
    return removed


def touch_tree(folder: str) -> None:
    """Mark this machine's files of a folder as current (after the database said they are done)."""
    root = media_path(folder)
    if root is None or bucket() is None:
        return
    now = time.time()  # not the file system's coarse clock, which may lag the database's timestamp
    for here, _dirs, files in os.walk(root):
        for file in files:
            os.utime(os.path.join(here, file), (now, now))


def stored_file_response(name: str, *, content_type: str | None = None) -> FileResponse:
    """A file kept by STORAGES["default"] (MEDIA_ROOT or the bucket) as a streamed response;
    Http404 when it is not there. The caller has checked that the reader may have it."""
    if not name or "\x00" in name:
        raise Http404
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    store = bucket()
    if store is not None:
        # The object's body, read as the answer goes out: a 200 MB video is never held whole in
        # the web process (django-storages' own file would read it into memory first).
        from botocore.exceptions import ClientError

        try:
            got = store.bucket.Object(_key(store, name)).get()
        except SuspiciousOperation:
            raise Http404 from None
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise Http404 from None
            raise _unavailable(e) from e
        except _errors() as e:
            raise _unavailable(e) from e
        response = FileResponse(got["Body"], content_type=content_type)
        response["Content-Length"] = str(got["ContentLength"])
    else:
        try:
            handle = default_storage.open(name, "rb")
        except (FileNotFoundError, IsADirectoryError, SuspiciousOperation):
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def read_stored(name: str) -> bytes | None:
    """The bytes of a file kept by STORAGES["default"]; None when there is none of that name."""
    if not name or "\x00" in name:
        return None
    try:
        with default_storage.open(name, "rb") as f:
            return f.read()
    except (FileNotFoundError, IsADirectoryError, SuspiciousOperation):
        return None
    except _errors() as e:
        raise _unavailable(e) from e


def delete_after_commit(names) -> None:
    """Delete files of STORAGES["default"] once the transaction that removed their rows commits
    (a rollback keeps both). A deletion that fails (the bucket is away) is written down and tried
    again by ``retry_deletions``, and the others still go: personal files never linger unseen."""
    from django.db import transaction

    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: _delete_now(names))


def _delete_now(names) -> None:
    from rongmei.core.models import PendingFileDeletion

    for name in names:
        try:
            default_storage.delete(name)
        except Exception as e:  # the store, whatever it says: noted and tried again later
            log.warning("storage: %s not deleted yet: %r", name, e)
            PendingFileDeletion.objects.create(name=name[:300], last_error=repr(e)[:500])


def retry_deletions() -> tuple[int, int]:
    """Delete the files whose deletion failed before; returns (deleted, still waiting)."""
    from django.db.models import F

    from rongmei.core.models import PendingFileDeletion

    deleted = waiting = 0
    for pending in PendingFileDeletion.objects.order_by("pk")[:1000]:
        try:
            default_storage.delete(pending.name)
        except Exception as e:
            PendingFileDeletion.objects.filter(pk=pending.pk).update(attempts=F("attempts") + 1, last_error=repr(e)[:500])
            waiting += 1
        else:
            pending.delete()
            deleted += 1
    return deleted, waiting
