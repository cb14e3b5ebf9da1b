"""Backup and restore (rongmei.core.backup): a round trip gives back every row of every table and
every file byte for byte, on SQLite and on PostgreSQL (whichever the suite runs on)."""

import hashlib
import io
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from rongmei.core import backup
from rongmei.core.exceptions import DomainError
from rongmei.newsroom.models import Lead, Story
from rongmei.testing import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


def snapshot() -> tuple[dict, dict]:
    """Every row of every table, and every file of the backed-up folders with its SHA-256."""
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - the database's own table names
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    files = {
        folder: {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
        for folder, root in backup.folders().items()
    }
    return rows, files


@pytest.fixture
def site(reporter, team, reviewers):
    story = factories.published_story(reporter, team, reviewers, headline="夏南牛节开幕")
    media = backup.folders()["media"]
    (media / "library" / "2026" / "11").mkdir(parents=True, exist_ok=True)
    (media / "library" / "2026" / "11" / "铜山湖.jpg").write_bytes(bytes(range(256)) * 400)
    (media / "practice").mkdir(exist_ok=True)
    (media / "practice" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000)
    return story


def test_a_round_trip_gives_back_every_row_and_every_file(site, tmp_path, reporter):
    before = snapshot()
    assert before[1]["media"] and before[1]["pages"], "the published story's page and the uploads are there"
    assert any(rows for table, rows in before[0].items() if table == "newsroom_story")
    archive = tmp_path / "backup.tar"
    done = backup.backup(archive)
    assert done.files == len(before[1]["media"]) + len(before[1]["pages"])

    # The site goes on: rows changed and added, files changed, deleted and added.
    Story.objects.filter(pk=site.pk).update(headline="改过的标题")
    Lead.objects.create(title="新线索", description="之后才有的线索", reported_by=reporter)
    media = backup.folders()["media"]
    (media / "practice" / "photo.png").unlink()
    (media / "library" / "2026" / "11" / "铜山湖.jpg").write_bytes(b"changed")
    (media / "new.txt").write_text("后来上传的")
    assert snapshot() != before

    backup.restore(archive)
    assert snapshot() == before


def test_a_damaged_archive_is_refused_before_anything_changes(site, tmp_path):
    archive = tmp_path / "backup.tar"
    backup.backup(archive)
    Story.objects.filter(pk=site.pk).update(headline="改过的标题")
    changed = snapshot()
    # Rewrite the archive with one media file's bytes altered (same size, another checksum).
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name.endswith(".jpg"):
                data = bytes([data[0] ^ 1]) + data[1:]
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(DomainError, match="damaged"):
        backup.restore(damaged)
    assert snapshot() == changed
    (tmp_path / "junk.tar").write_bytes(b"not a tar file at all")
    with pytest.raises(DomainError, match="not a Rongmei backup"):
        backup.restore(tmp_path / "junk.tar")


def test_what_backup_and_restore_refuse(site, tmp_path, monkeypatch):
    archive = tmp_path / "backup.tar"
    backup.backup(archive)
    with pytest.raises(DomainError, match="never overwrites"):
        backup.backup(archive)
    with pytest.raises(DomainError, match="does not exist"):
        backup.backup(tmp_path / "no-such-folder" / "b.tar")
    assert not list(tmp_path.glob("*.partial"))
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    monkeypatch.setattr(connections["default"], "vendor", other)
    with pytest.raises(DomainError, match="same kind of database"):
        backup.restore(archive)


def test_the_commands(site, tmp_path, capsys, monkeypatch):
    archive = tmp_path / "nightly.tar"
    call_command("backup", str(archive))
    assert "files" in capsys.readouterr().out and archive.is_file()
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", str(archive))
    Story.objects.filter(pk=site.pk).update(headline="改过的标题")
    monkeypatch.setattr("builtins.input", lambda: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(archive))
    assert Story.objects.get(pk=site.pk).headline == "改过的标题"
    call_command("restore", str(archive), "--noinput")
    assert Story.objects.get(pk=site.pk).headline == "夏南牛节开幕"
    assert "migrate" in capsys.readouterr().out
