import pytest

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.distribution import credentials, services
from rongmei.distribution.adapters import adapter_for, adapter_name
from rongmei.distribution.adapters.ftp import FtpAdapter
from rongmei.distribution.adapters.unconfigured import NotConfiguredAdapter
from rongmei.distribution.adapters.webhook import WebhookAdapter
from rongmei.distribution.models import Channel

FTP = {"host": "127.0.0.1", "port": "2121", "username": "paper", "password": "s3cret-Passw0rd", "directory": "/in"}


def newspaper():
    return Channel.objects.get(code="newspaper")


def test_an_operator_chooses_ftp_for_the_newspaper_and_the_adapter_follows(operator):
    channel = services.configure_channel(actor=operator, channel=newspaper(), adapter="ftp", settings=FTP)
    assert adapter_name(channel) == "ftp"
    assert isinstance(adapter_for(channel), FtpAdapter)
    stored = credentials.decrypt(channel.credentials)
    assert stored["password"] == FTP["password"] and stored["adapter"] == "ftp"
    line = AuditLog.objects.get(action="channel.configure")
    assert FTP["password"] not in line.summary + str(line.data) and "password" in line.data["fields"]


def test_an_empty_secret_keeps_the_stored_one(operator):
    services.configure_channel(actor=operator, channel=newspaper(), adapter="ftp", settings=FTP)
    channel = services.configure_channel(
        actor=operator, channel=newspaper(), adapter="ftp", settings={**FTP, "host": "10.1.1.9", "password": ""}
    )
    stored = credentials.decrypt(channel.credentials)
    assert stored["host"] == "10.1.1.9" and stored["password"] == FTP["password"]


def test_only_operators_admins_and_the_chief_configure_channels(reporter, editor, column_lead):
    for person in (reporter, editor, column_lead):
        with pytest.raises(NotAllowed):
            services.configure_channel(actor=person, channel=newspaper(), adapter="ftp", settings=FTP)


def test_a_kind_of_delivery_the_channel_does_not_offer_is_refused(operator):
    with pytest.raises(DomainError) as refused:
        services.configure_channel(actor=operator, channel=Channel.objects.get(code="weibo"), adapter="ftp", settings=FTP)
    assert refused.value.field == "adapter"
    with pytest.raises(DomainError) as refused:
        services.configure_channel(actor=operator, channel=newspaper(), adapter="ftp", settings={**FTP, "host": ""})
    assert refused.value.field == "host"


def test_channels_without_settings_refuse_and_old_webhook_settings_still_work(operator):
    channel = newspaper()
    assert isinstance(adapter_for(channel), NotConfiguredAdapter)
    channel.credentials = credentials.encrypt({"url": "https://paper.example.cn/hook", "secret": "x" * 20})
    channel.save()
    assert isinstance(adapter_for(channel), WebhookAdapter)


def test_the_api_takes_channel_settings_and_never_returns_secrets(client, operator, reporter):
    client.force_login(operator)
    url = "/api/v1/channels/newspaper/settings"
    response = client.put(
        url,
        {
            "adapter": "sftp",
            "settings": {"host": "10.0.0.2", "username": "u", "password": "pw-123456", "host_key": "ssh-ed25519 AAAAC3Nza"},
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert "pw-123456" not in response.content.decode()
    assert response.json()["adapter"] == "sftp" and response.json()["configured"] is True
    bad = client.put(url, {"adapter": "wechat", "settings": {}}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "adapter"
    client.force_login(reporter)
    assert client.put(url, {"adapter": "sftp", "settings": {}}, content_type="application/json").status_code == 403


def test_the_api_takes_the_short_video_and_weibo_adapters_too(client, operator):
    client.force_login(operator)
    settings = {"client_key": "awk0123", "open_id": "open-1", "access_token": "act.x", "refresh_token": "rft.y"}
    response = client.put("/api/v1/channels/douyin/settings", {"adapter": "douyin", "settings": settings}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["adapter"] == "douyin" and "act.x" not in response.content.decode()
    # a kind of delivery that channel does not offer is refused with the field named
    wrong = client.put("/api/v1/channels/weibo/settings", {"adapter": "douyin", "settings": settings}, content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["field"] == "adapter"


def _channel_form(channel, **extra):
    return {"name": channel.name, "active": "on", "sort_order": channel.sort_order, "webhook_url": "", "webhook_secret": "", **extra}


def test_the_review_switch_in_the_admin_goes_through_the_audited_service(client, operator, admin_client):
    channel = Channel.objects.get(code="wechat_oa")
    url = f"/admin/distribution/channel/{channel.pk}/change/"
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    assert client.post(url, _channel_form(channel, review_versions="on")).status_code == 302
    channel.refresh_from_db()
    assert channel.needs_review is True
    assert AuditLog.objects.filter(action="channel.needs_review", actor=operator).exists()
    # A superuser whose role may not configure channels is told so; nothing changes.
    response = admin_client.post(url, _channel_form(channel), follow=True)
    assert response.status_code == 200
    channel.refresh_from_db()
    assert channel.needs_review is True
