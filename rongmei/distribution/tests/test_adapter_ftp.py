import hashlib
import json
import socket

import pytest

from rongmei.distribution import credentials, services
from rongmei.distribution.adapters import PermanentError, TransientError
from rongmei.distribution.adapters.ftp import FtpAdapter
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.servers.ftp import PASSWORD, FtpServer

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def ftpd(tmp_path):
    with FtpServer(tmp_path / "drop") as server:
        yield server


def _publication(story, editor, code):
    (pub,) = services.publish(actor=editor, story=story, channels=[Channel.objects.get(code=code)])
    return pub


@pytest.fixture
def newspaper_pub(story, editor):
    return _publication(story, editor, "newspaper")


def test_the_newspaper_gets_its_print_text_and_a_manifest(ftpd, newspaper_pub):
    adapter = FtpAdapter(newspaper_pub.channel, ftpd.settings())
    key = newspaper_pub.key
    receipt = adapter.send(adapter.render(newspaper_pub), key)
    assert receipt.external_id == f"{key}.manifest.json"
    assert ftpd.names() == [f"{key}.manifest.json", f"{key}.pdf", f"{key}.txt"]
    text = (ftpd.home / f"{key}.txt").read_text(encoding="utf-8")
    assert text.startswith(f"主题：{newspaper_pub.version.headline}")
    manifest = json.loads((ftpd.home / f"{key}.manifest.json").read_text(encoding="utf-8"))
    entries = {f["name"]: f for f in manifest["files"]}
    assert entries[f"{key}.txt"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    pdf = (ftpd.home / f"{key}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and entries[f"{key}.pdf"]["bytes"] == len(pdf)
    # every file went up under a .part name and the manifest went last
    assert ftpd.stores == [f"{key}.txt.part", f"{key}.pdf.part", f"{key}.manifest.json.part"]


def test_a_resend_overwrites_the_same_files_instead_of_adding_copies(ftpd, newspaper_pub):
    adapter = FtpAdapter(newspaper_pub.channel, ftpd.settings())
    payload = adapter.render(newspaper_pub)
    adapter.send(payload, newspaper_pub.key)
    adapter.send(payload, newspaper_pub.key)
    assert len(ftpd.names()) == 3


def test_a_server_answering_421_is_a_transient_failure(ftpd, newspaper_pub):
    adapter = FtpAdapter(newspaper_pub.channel, ftpd.settings())
    ftpd.faults.append("refuse")
    with pytest.raises(TransientError) as e:
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert "421" in e.value.message
    adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert len(ftpd.names()) == 3


def test_nobody_listening_is_a_transient_failure(newspaper_pub):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    adapter = FtpAdapter(newspaper_pub.channel, {"host": "127.0.0.1", "port": port, "username": "u", "password": "p"})
    with pytest.raises(TransientError):
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)


def test_a_connection_dropped_mid_upload_leaves_no_half_file_and_the_retry_completes(ftpd, newspaper_pub):
    adapter = FtpAdapter(newspaper_pub.channel, ftpd.settings())
    key = newspaper_pub.key
    ftpd.faults.append("drop")
    with pytest.raises(TransientError):
        adapter.send(adapter.render(newspaper_pub), key)
    assert f"{key}.txt" not in ftpd.names()  # at most a .part
    adapter.send(adapter.render(newspaper_pub), key)
    assert ftpd.names() == [f"{key}.manifest.json", f"{key}.pdf", f"{key}.txt"]


def test_a_wrong_password_is_permanent_and_the_message_names_no_secret(ftpd, newspaper_pub):
    adapter = FtpAdapter(newspaper_pub.channel, ftpd.settings(password="wrong-password-x"))
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert "530" in e.value.message
    assert "wrong-password-x" not in e.value.message and "127.0.0.1" not in e.value.message


def test_retraction_deletes_the_files_and_leaves_a_marker(ftpd, newspaper_pub):
    adapter = FtpAdapter(newspaper_pub.channel, ftpd.settings())
    key = newspaper_pub.key
    receipt = adapter.send(adapter.render(newspaper_pub), key)
    adapter.retract(receipt, key)
    assert ftpd.names() == [f"{key}.retracted.json"]
    assert json.loads((ftpd.home / f"{key}.retracted.json").read_text())["event"] == "retracted"
    adapter.retract(receipt, key)  # twice is harmless
    assert ftpd.names() == [f"{key}.retracted.json"]
    adapter.send(adapter.render(newspaper_pub), key)  # published again: the marker goes
    assert ftpd.names() == [f"{key}.manifest.json", f"{key}.pdf", f"{key}.txt"]


def test_tv_gets_a_script_with_the_picture_and_narration_columns(ftpd, story, editor):
    pub = _publication(story, editor, "tv")
    adapter = FtpAdapter(pub.channel, ftpd.settings(directory="/"))
    adapter.send(adapter.render(pub), pub.key)
    script = (ftpd.home / f"{pub.key}.tv.txt").read_text(encoding="utf-8")
    assert "画面\t解说" in script


def test_the_adapter_reads_its_settings_from_the_encrypted_channel_credentials(ftpd, newspaper_pub):
    channel = newspaper_pub.channel
    channel.credentials = credentials.encrypt(ftpd.settings())
    channel.save()
    adapter = FtpAdapter(channel)
    adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert len(ftpd.names()) == 3
    assert PASSWORD not in channel.credentials


def test_a_channel_without_settings_is_refused_for_good(newspaper_pub):
    with pytest.raises(PermanentError):
        FtpAdapter(newspaper_pub.channel).send({"channel": "newspaper"}, newspaper_pub.key)


def test_the_publishing_service_drops_the_files_and_retraction_takes_them_back(ftpd, newspaper_pub, chief, monkeypatch):
    monkeypatch.setattr(services, "adapter_for", lambda channel: FtpAdapter(channel, ftpd.settings()))
    assert services.send(newspaper_pub) == Publication.State.PUBLISHED
    newspaper_pub.refresh_from_db()
    assert newspaper_pub.external_id == f"{newspaper_pub.key}.manifest.json"
    services.retract(actor=chief, story=newspaper_pub.story, reason="事实有误")
    assert services.withdraw(newspaper_pub) == Publication.State.RETRACTED
    assert ftpd.names() == [f"{newspaper_pub.key}.retracted.json"]
