"""Backup and restore of the database and the files people uploaded (issue 10).

``backup(path)`` writes one tar archive:

  manifest.json      format, when, the database's kind, the migrations applied, and for every
                     other member its size and SHA-256
  database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API (the site
                     may keep running; writers wait a moment)
  database.pgdump    PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot)
  media/…            the uploaded files: MEDIA_ROOT (uploads, the media library's renditions,
                     pictures), or with an S3 bucket (RONGMEI_S3_BUCKET) every object of the
                     bucket plus this machine's uploads under way (MEDIA_ROOT/uploads/; the rest
                     of MEDIA_ROOT is then copies of the bucket's objects)
  pages/…            the published pages (rongmei.portal.static_pages; they could be written
                     again, but a restored site serves at once)

Live HLS segments and the task queue's transient state are not kept. The archive is plain tar
(media are already compressed); it holds personal data (问政, volunteers): keep it where the
database is kept, encrypted at rest.

``restore(path)`` checks every member against the manifest before it touches anything, refuses
an archive of the other kind of database, then replaces the database (SQLite: the backup API
again, page by page into the live file; PostgreSQL: ``pg_restore --clean --if-exists
--single-transaction``, all or nothing) and then the two folders. With a bucket, the archive's
media are put into the bucket (before the database is touched: a store that fails stops the
restore there) and, once the database is back, the bucket's objects the archive lacks are
removed, so the bucket ends as the archive says; MEDIA_ROOT then keeps only the uploads under way
(copies are fetched again when needed, never an outdated or erased one). The same archive restores into either kind of store: restoring a
backup of a one-machine site with RONGMEI_S3_BUCKET set is how its files move into a bucket. Run
``migrate`` afterwards when the code is newer than the backup.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import storage
from rongmei.core.exceptions import DomainError

FORMAT = "rongmei-backup/1"
FOLDERS = ("media", "pages")
CHUNK = 1 << 20


@dataclass
class Summary:
    path: Path
    vendor: str
    files: int
    bytes: int


def folders() -> dict[str, Path]:
    return {"media": Path(settings.MEDIA_ROOT), "pages": Path(settings.RONGMEI["PAGES_ROOT"])}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise DomainError(_("%(tool)s is not installed (Debian's postgresql-client).") % {"tool": name})
    return found


def _pg(tool: str, *arguments: str) -> str:
    """Run pg_dump or pg_restore on Django's database (the password in the environment, never on
    the command line); the error output when it fails, else ""."""
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    done = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [_tool(tool), *arguments, *args], env=env, capture_output=True, text=True, check=False
    )
    return (done.stderr.strip()[-300:] or "?") if done.returncode != 0 else ""


def _dump_database(target: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return
    if connection.vendor != "postgresql":
        raise DomainError(_("Backups support SQLite and PostgreSQL databases only."))
    error = _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target))
    if error:
        raise DomainError(_("pg_dump failed: %(error)s") % {"error": error})


def backup(path: str | os.PathLike) -> Summary:
    """Write the archive at ``path`` (a new file; an existing one is never overwritten)."""
    path = Path(path)
    if path.exists():
        raise DomainError(_("%(path)s exists already: a backup never overwrites a file.") % {"path": path})
    if not path.parent.is_dir():
        raise DomainError(_("The folder %(path)s does not exist.") % {"path": path.parent})
    vendor = connection.vendor
    name = "database.sqlite3" if vendor == "sqlite" else "database.pgdump"
    members: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".rongmei-backup-") as work:
        dump = Path(work) / name
        _dump_database(dump)
        members[name] = {"size": dump.stat().st_size, "sha256": _sha256(dump)}
        files: list[tuple[str, Path]] = [(name, dump)]
        in_bucket = storage.bucket() is not None
        if in_bucket:
            for object_name, file in _bucket_files(Path(work) / "bucket"):
                files.append((f"media/{object_name}", file))
        for folder, root in folders().items():
            if not root.is_dir():
                continue
            for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
                name = file.relative_to(root).as_posix()
                if in_bucket and folder == "media" and not name.startswith(storage.LOCAL_ONLY):
                    continue  # with a bucket, the rest of MEDIA_ROOT is a cache of its objects
                files.append((f"{folder}/{name}", file))
        for arcname, file in files[1:]:
            members[arcname] = {"size": file.stat().st_size, "sha256": _sha256(file)}
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": vendor,
            "media_store": "s3" if storage.bucket() is not None else "disk",
            "center": settings.RONGMEI.get("CENTER_NAME", ""),
            "migrations": sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()),
            "members": members,
        }
        partial = path.with_name(path.name + ".partial")
        try:
            with tarfile.open(partial, "w") as tar:
                raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime = len(raw), int(timezone.now().timestamp())
                tar.addfile(info, io.BytesIO(raw))
                for arcname, file in files:
                    tar.add(file, arcname=arcname, recursive=False)
            partial.rename(path)  # a half-written archive never carries the final name
        finally:
            partial.unlink(missing_ok=True)
    return Summary(path=path, vendor=vendor, files=len(members) - 1, bytes=path.stat().st_size)


def _bucket_files(into: Path) -> list[tuple[str, Path]]:
    """Every object of the bucket, downloaded under ``into``: (name, local file), by name."""
    found = []
    for name in sorted(storage.listing()):
        target = (into / name).resolve()
        if into.resolve() not in target.parents:
            continue  # a key such as "../x" is no file name of ours
        target.parent.mkdir(parents=True, exist_ok=True)
        storage.download(name, target)
        found.append((name, target))
    return found


def _upload_to_bucket(media: Path) -> set[str]:
    """Put the archive's media files into the bucket (this machine's uploads under way stay on
    its disk, and leave the folder that is put in MEDIA_ROOT); returns their names."""
    names = set()
    if media.is_dir():
        for file in sorted(p for p in media.rglob("*") if p.is_file()):
            name = file.relative_to(media).as_posix()
            if name.startswith(storage.LOCAL_ONLY):
                continue
            storage.upload(file, name)
            file.unlink()
            names.add(name)
    return names


def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
    except (OSError, KeyError, tarfile.TarError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DomainError(_("%(path)s is not a Rongmei backup (or it is damaged).") % {"path": path})
    return manifest


def _extract_checked(path: Path, manifest: dict, into: Path) -> None:
    """Extract every member and check it against the manifest; anything missing, extra or
    different stops the restore before the site is touched."""
    expected = manifest["members"]
    seen = set()
    with tarfile.open(path, "r") as tar:
        for member in tar:
            if member.name == "manifest.json":
                continue
            if member.name not in expected or not member.isfile():
                raise DomainError(_("The backup holds %(name)s, which its manifest does not list.") % {"name": member.name[:200]})
            tar.extract(member, into, filter="data")  # no absolute paths, no .., no links
            file = into / member.name
            if file.stat().st_size != expected[member.name]["size"] or _sha256(file) != expected[member.name]["sha256"]:
                raise DomainError(_("%(name)s in the backup is damaged (its checksum differs).") % {"name": member.name[:200]})
            seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise DomainError(_("The backup lacks %(name)s.") % {"name": missing[0][:200]})


def _restore_database(dump: Path, vendor: str) -> None:
    if vendor == "sqlite":
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
        return
    connection.close()  # hold no lock on the tables pg_restore drops
    error = _pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", str(dump))
    if error:
        raise DomainError(_("pg_restore failed; the database is as it was: %(error)s") % {"error": error})


def _replace_folder(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if source.is_dir():
        for child in source.iterdir():
            shutil.move(str(child), target / child.name)


def restore(path: str | os.PathLike) -> Summary:
    """Replace the database and the files with the archive's (see the module's text)."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(_("%(path)s is not a file.") % {"path": path})
    manifest = read_manifest(path)
    vendor = manifest.get("vendor")
    if vendor != connection.vendor:
        raise DomainError(
            _("This backup is of a %(theirs)s database; this site runs on %(ours)s. Restore it into the same kind of database.")
            % {"theirs": vendor, "ours": connection.vendor}
        )
    targets = folders()
    with tempfile.TemporaryDirectory(dir=Path(targets["media"]).parent, prefix=".rongmei-restore-") as work:
        work = Path(work)
        _extract_checked(path, manifest, work)
        name = "database.sqlite3" if vendor == "sqlite" else "database.pgdump"
        in_bucket = storage.bucket() is not None
        if in_bucket:
            restored = _upload_to_bucket(work / "media")
        _restore_database(work / name, vendor)
        if in_bucket:
            storage.remove(sorted(set(storage.listing()) - restored))
        for folder, target in targets.items():
            _replace_folder(work / folder, target)
    size = sum(m["size"] for m in manifest["members"].values())
    return Summary(path=path, vendor=vendor, files=len(manifest["members"]) - 1, bytes=size)
