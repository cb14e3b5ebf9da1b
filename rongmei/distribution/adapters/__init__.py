"""Channel adapters, one module each, one interface (base.Adapter).

website, app → site.SiteAdapter (immediate); any other channel → webhook.WebhookAdapter once an
operator has entered its endpoint and secret, else unconfigured.NotConfiguredAdapter. Dedicated
WeChat, Douyin, FTP/SFTP and SMTP adapters come later.
"""

from __future__ import annotations

from rongmei.distribution.adapters.base import Adapter, AdapterError, PermanentError, Receipt, TransientError

SITE_CHANNELS = ("website", "app")

__all__ = ["Adapter", "AdapterError", "PermanentError", "Receipt", "TransientError", "adapter_for", "adapter_name"]


def adapter_name(channel) -> str:
    if channel.code in SITE_CHANNELS:
        return "site"
    return "webhook" if channel.has_credentials else "not_configured"


def adapter_for(channel) -> Adapter:
    from rongmei.distribution.adapters.site import SiteAdapter
    from rongmei.distribution.adapters.unconfigured import NotConfiguredAdapter
    from rongmei.distribution.adapters.webhook import WebhookAdapter

    name = adapter_name(channel)
    if name == "site":
        return SiteAdapter(channel)
    if name == "webhook":
        return WebhookAdapter(channel)
    return NotConfiguredAdapter(channel)
