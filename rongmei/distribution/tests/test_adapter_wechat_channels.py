import hashlib
import json
from pathlib import Path

import pytest

from rongmei.core.exceptions import DomainError
from rongmei.distribution import credentials, services
from rongmei.distribution.adapters import ALLOWED, PermanentError, TransientError, adapter_for
from rongmei.distribution.adapters.wechat_channels import ChannelsHandoffAdapter
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.servers.contract import PNG, attach_video
from rongmei.distribution.tests.servers.sftp import PASSWORD, SftpServer

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def sftpd(tmp_path):
    with SftpServer(tmp_path / "desk") as server:
        yield server


@pytest.fixture
def wechat_channels(db):
    return Channel.objects.get(code="wechat_channels")


def handoff_settings(sftpd, **extra) -> dict:
    return {**sftpd.settings(), "adapter": "channels_handoff", **extra}


@pytest.fixture
def video(story, photographer):
    _asset, data = attach_video(story, photographer, size=50_000)
    return data


@pytest.fixture
def pub(story, editor, video, sftpd, wechat_channels):
    wechat_channels.credentials = credentials.encrypt(handoff_settings(sftpd))
    wechat_channels.save(update_fields=["credentials"])
    (pub,) = services.publish(actor=editor, story=story, channels=[wechat_channels])
    return pub


def fresh(pub) -> ChannelsHandoffAdapter:
    return ChannelsHandoffAdapter(Channel.objects.get(pk=pub.channel_id))


def test_no_publishing_api_is_pretended_the_files_go_to_the_person_who_posts(sftpd, pub, video):
    adapter = fresh(pub)
    payload = adapter.render(pub)
    key = pub.key
    receipt = adapter.send(payload, key)
    assert receipt.external_id == f"handoff:{key}" and receipt.url == ""
    assert sftpd.names() == sorted([f"{key}.cover.jpg", f"{key}.manifest.json", f"{key}.mp4", f"{key}.txt"])
    assert (sftpd.home / f"{key}.mp4").read_bytes() == video
    assert (sftpd.home / f"{key}.cover.jpg").read_bytes() == PNG
    sheet = (sftpd.home / f"{key}.txt").read_text(encoding="utf-8")
    assert "视频号助手" in sheet and "无法代为发表" in sheet
    assert f"短标题：{payload['content']['title']}" in sheet and payload["content"]["text"] in sheet
    manifest = json.loads((sftpd.home / f"{key}.manifest.json").read_text(encoding="utf-8"))
    entries = {f["name"]: f for f in manifest["files"]}
    assert entries[f"{key}.mp4"] == {"name": f"{key}.mp4", "bytes": len(video), "sha256": hashlib.sha256(video).hexdigest()}


def test_the_video_is_streamed_from_disk(sftpd, pub, monkeypatch):
    def never(self):
        raise AssertionError("the video must not be read whole")

    monkeypatch.setattr(Path, "read_bytes", never)
    fresh(pub).send(fresh(pub).render(pub), pub.key)
    assert f"{pub.key}.mp4" in sftpd.names()


@pytest.mark.parametrize("fault", ["refuse", "drop"])
def test_a_refused_or_dropped_connection_is_transient_and_the_resend_leaves_one_complete_set(sftpd, pub, video, fault):
    adapter = fresh(pub)
    sftpd.faults.append(fault)
    with pytest.raises(TransientError):
        adapter.send(adapter.render(pub), pub.key)
    assert f"{pub.key}.manifest.json" not in sftpd.names()  # a watcher never sees half a set
    adapter.send(adapter.render(pub), pub.key)
    adapter.send(adapter.render(pub), pub.key)
    assert len(sftpd.names()) == 4 and (sftpd.home / f"{pub.key}.mp4").read_bytes() == video


def test_a_story_without_a_finished_vertical_cut_is_refused_before_connecting(sftpd, story, editor, photographer, wechat_channels):
    attach_video(story, photographer, vertical=False)
    wechat_channels.credentials = credentials.encrypt(handoff_settings(sftpd))
    wechat_channels.save(update_fields=["credentials"])
    (pub,) = services.publish(actor=editor, story=story, channels=[wechat_channels])
    with pytest.raises(PermanentError) as e:
        fresh(pub).send(fresh(pub).render(pub), pub.key)
    assert "wait for its vertical cut" in e.value.message and sftpd.names() == []


def test_a_wrong_password_is_permanent_and_names_no_secret(sftpd, pub, wechat_channels):
    wechat_channels.credentials = credentials.encrypt(handoff_settings(sftpd, password="not-the-password-99"))
    wechat_channels.save(update_fields=["credentials"])
    with pytest.raises(PermanentError) as e:
        fresh(pub).send(fresh(pub).render(pub), pub.key)
    assert "not-the-password" not in e.value.message and PASSWORD not in e.value.message


def test_retraction_removes_the_files_and_tells_the_person_to_delete_the_post_by_hand(sftpd, pub):
    adapter = fresh(pub)
    receipt = adapter.send(adapter.render(pub), pub.key)
    adapter.retract(receipt, pub.key)
    key = pub.key
    assert sftpd.names() == [f"{key}.retracted.json", f"{key}.retracted.txt"]
    notice = (sftpd.home / f"{key}.retracted.txt").read_text(encoding="utf-8")
    assert "视频号助手" in notice and "删除" in notice
    adapter.send(adapter.render(pub), key)  # sent again later: the notice goes
    assert f"{key}.retracted.txt" not in sftpd.names()


def test_operators_choose_the_handoff_or_a_webhook_for_wechat_channels(sftpd, operator, wechat_channels):
    assert ALLOWED["wechat_channels"] == ("channels_handoff", "webhook")
    settings = {k: v for k, v in handoff_settings(sftpd).items() if k not in ("adapter", "timeout")}
    channel = services.configure_channel(actor=operator, channel=wechat_channels, adapter="channels_handoff", settings=settings)
    assert isinstance(adapter_for(channel), ChannelsHandoffAdapter)
    assert PASSWORD.encode() not in channel.credentials.encode()
    with pytest.raises(DomainError) as e:
        services.configure_channel(actor=operator, channel=wechat_channels, adapter="sftp", settings=settings)
    assert e.value.field == "adapter"
    with pytest.raises(DomainError) as e:
        services.configure_channel(
            actor=operator, channel=Channel.objects.get(code="newspaper"), adapter="channels_handoff", settings=settings
        )
    assert e.value.field == "adapter"


def test_the_publishing_service_records_the_handoff_and_retracts_it(sftpd, pub, chief):
    assert services.send(pub) == Publication.State.PUBLISHED
    pub.refresh_from_db()
    assert pub.external_id == f"handoff:{pub.key}" and f"{pub.key}.manifest.json" in sftpd.names()
    services.retract(actor=chief, story=pub.story, reason="事实有误")
    assert services.withdraw(pub) == Publication.State.RETRACTED
    assert f"{pub.key}.retracted.txt" in sftpd.names() and f"{pub.key}.mp4" not in sftpd.names()
