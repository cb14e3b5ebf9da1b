"""Channel adapters, one module each, one interface (base.Adapter).

website and app → site.SiteAdapter (our own site; immediate). Every other channel uses the
adapter its operator chose when entering its settings (stored encrypted with the settings under
"adapter"): webhook, ftp, sftp, smtp, wechat (the official account), douyin, kuaishou, weibo or
channels_handoff; a channel without settings gets unconfigured.NotConfiguredAdapter, which refuses
with a clear message.

Douyin, Kuaishou and Weibo publish through the platforms' open APIs (douyin.py, kuaishou.py,
weibo.py; OAuth tokens refreshed and stored back, oauth_http.py). WeChat Channels (视频号) has no
publishing API for a third party, so channels_handoff (wechat_channels.py) delivers the vertical
cut, cover and caption by SFTP to the person who posts them in 视频号助手. Each of these has only
met a local contract server so far; the webhook stays available for a partner system.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from rongmei.distribution import credentials
from rongmei.distribution.adapters.base import Adapter, AdapterError, PermanentError, Receipt, TransientError

SITE_CHANNELS = ("website", "app")

ADAPTERS = {
    "site": "rongmei.distribution.adapters.site.SiteAdapter",
    "webhook": "rongmei.distribution.adapters.webhook.WebhookAdapter",
    "ftp": "rongmei.distribution.adapters.ftp.FtpAdapter",
    "sftp": "rongmei.distribution.adapters.sftp.SftpAdapter",
    "smtp": "rongmei.distribution.adapters.smtp.SmtpAdapter",
    "wechat": "rongmei.distribution.adapters.wechat.WechatAdapter",
    "douyin": "rongmei.distribution.adapters.douyin.DouyinAdapter",
    "kuaishou": "rongmei.distribution.adapters.kuaishou.KuaishouAdapter",
    "weibo": "rongmei.distribution.adapters.weibo.WeiboAdapter",
    "channels_handoff": "rongmei.distribution.adapters.wechat_channels.ChannelsHandoffAdapter",
    "not_configured": "rongmei.distribution.adapters.unconfigured.NotConfiguredAdapter",
}

# The kinds of delivery an operator may choose per channel; any channel not listed: webhook, smtp.
ALLOWED = {
    "newspaper": ("sftp", "ftp", "smtp", "webhook"),
    "radio": ("sftp", "ftp", "smtp", "webhook"),
    "tv": ("sftp", "ftp", "smtp", "webhook"),
    "wechat_oa": ("wechat", "webhook"),
    "douyin": ("douyin", "webhook"),
    "kuaishou": ("kuaishou", "webhook"),
    "wechat_channels": ("channels_handoff", "webhook"),
    "weibo": ("weibo", "webhook"),
}
DEFAULT_ALLOWED = ("webhook", "smtp")

__all__ = ["ADAPTERS", "ALLOWED", "Adapter", "AdapterError", "PermanentError", "Receipt", "TransientError", "adapter_for", "adapter_name"]


def allowed_for(channel) -> tuple[str, ...]:
    return ALLOWED.get(channel.code, DEFAULT_ALLOWED)


def adapter_name(channel) -> str:
    if channel.code in SITE_CHANNELS:
        return "site"
    if not channel.has_credentials:
        return "not_configured"
    # Settings stored before adapters other than the webhook existed carry no "adapter".
    return credentials.decrypt(channel.credentials).get("adapter") or "webhook"


def adapter_for(channel) -> Adapter:
    return import_string(ADAPTERS[adapter_name(channel)])(channel)
