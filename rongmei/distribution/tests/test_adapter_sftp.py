import hashlib
import json
import socket

import pytest

from rongmei.distribution import credentials, services
from rongmei.distribution.adapters import PermanentError, TransientError
from rongmei.distribution.adapters.sftp import SftpAdapter
from rongmei.distribution.models import Channel
from rongmei.distribution.tests.servers.sftp import PASSWORD, SftpServer

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def sftpd(tmp_path):
    with SftpServer(tmp_path / "drop") as server:
        yield server


def _publication(story, editor, code):
    (pub,) = services.publish(actor=editor, story=story, channels=[Channel.objects.get(code=code)])
    return pub


@pytest.fixture
def newspaper_pub(story, editor):
    return _publication(story, editor, "newspaper")


def test_the_newspaper_gets_its_print_text_and_a_manifest(sftpd, newspaper_pub):
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings())
    key = newspaper_pub.key
    receipt = adapter.send(adapter.render(newspaper_pub), key)
    assert receipt.external_id == f"{key}.manifest.json"
    assert sftpd.names() == [f"{key}.manifest.json", f"{key}.pdf", f"{key}.txt"]
    text = (sftpd.home / f"{key}.txt").read_text(encoding="utf-8")
    assert text.startswith(f"主题：{newspaper_pub.version.headline}")
    manifest = json.loads((sftpd.home / f"{key}.manifest.json").read_text(encoding="utf-8"))
    entries = {f["name"]: f for f in manifest["files"]}
    assert entries[f"{key}.txt"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    pdf = (sftpd.home / f"{key}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and entries[f"{key}.pdf"]["bytes"] == len(pdf)


def test_a_resend_overwrites_the_same_files_instead_of_adding_copies(sftpd, newspaper_pub):
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings())
    payload = adapter.render(newspaper_pub)
    adapter.send(payload, newspaper_pub.key)
    adapter.send(payload, newspaper_pub.key)
    assert len(sftpd.names()) == 3


def test_a_server_closing_the_connection_at_once_is_a_transient_failure(sftpd, newspaper_pub):
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings())
    sftpd.faults.append("refuse")
    with pytest.raises(TransientError):
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert len(sftpd.names()) == 3


def test_nobody_listening_is_a_transient_failure(newspaper_pub):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = {"host": "127.0.0.1", "port": port, "username": "u", "password": "p", "host_key": "ecdsa-sha2-nistp256 AAAA"}
    adapter = SftpAdapter(newspaper_pub.channel, settings)
    with pytest.raises(TransientError):
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)


def test_a_connection_dropped_mid_upload_leaves_no_half_file_and_the_retry_completes(sftpd, newspaper_pub):
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings())
    key = newspaper_pub.key
    sftpd.faults.append("drop")
    with pytest.raises(TransientError):
        adapter.send(adapter.render(newspaper_pub), key)
    assert f"{key}.txt" not in sftpd.names()  # at most a .part
    adapter.send(adapter.render(newspaper_pub), key)
    assert sftpd.names() == [f"{key}.manifest.json", f"{key}.pdf", f"{key}.txt"]


def test_a_wrong_password_is_permanent_and_the_message_names_no_secret(sftpd, newspaper_pub):
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings(password="wrong-password-x"))
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert "wrong-password-x" not in e.value.message and "127.0.0.1" not in e.value.message


def test_retraction_deletes_the_files_and_leaves_a_marker(sftpd, newspaper_pub):
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings())
    key = newspaper_pub.key
    receipt = adapter.send(adapter.render(newspaper_pub), key)
    adapter.retract(receipt, key)
    assert sftpd.names() == [f"{key}.retracted.json"]
    assert json.loads((sftpd.home / f"{key}.retracted.json").read_text())["event"] == "retracted"
    adapter.retract(receipt, key)  # twice is harmless
    assert sftpd.names() == [f"{key}.retracted.json"]
    adapter.send(adapter.render(newspaper_pub), key)  # published again: the marker goes
    assert sftpd.names() == [f"{key}.manifest.json", f"{key}.pdf", f"{key}.txt"]


def test_radio_gets_its_script_with_the_reading_time(sftpd, story, editor):
    pub = _publication(story, editor, "radio")
    adapter = SftpAdapter(pub.channel, sftpd.settings(directory="/"))
    adapter.send(adapter.render(pub), pub.key)
    script = (sftpd.home / f"{pub.key}.radio.txt").read_text(encoding="utf-8")
    assert "时长：约" in script


def test_the_adapter_reads_its_settings_from_the_encrypted_channel_credentials(sftpd, newspaper_pub):
    channel = newspaper_pub.channel
    channel.credentials = credentials.encrypt(sftpd.settings())
    channel.save()
    adapter = SftpAdapter(channel)
    adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert len(sftpd.names()) == 3
    assert PASSWORD not in channel.credentials


def test_a_channel_without_settings_is_refused_for_good(newspaper_pub):
    with pytest.raises(PermanentError):
        SftpAdapter(newspaper_pub.channel).send({"channel": "newspaper"}, newspaper_pub.key)


def test_a_server_with_another_host_key_gets_nothing(sftpd, newspaper_pub):
    other = "ecdsa-sha2-nistp256 " + "A" * 40
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings(host_key=other))
    with pytest.raises(PermanentError) as e:
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
    assert "host key" in e.value.message
    assert sftpd.names() == []


def test_a_missing_directory_is_permanent(sftpd, newspaper_pub):
    adapter = SftpAdapter(newspaper_pub.channel, sftpd.settings(directory="/no/such/dir"))
    with pytest.raises(PermanentError):
        adapter.send(adapter.render(newspaper_pub), newspaper_pub.key)
