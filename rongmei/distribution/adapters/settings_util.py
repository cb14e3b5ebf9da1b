"""Reading a channel's stored settings (credentials.py) for the dedicated adapters.

Adapters take their settings from the channel's encrypted credentials unless a test (or a
"check the connection" button) passes them in. Values are never put in an error message.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from rongmei.distribution import credentials
from rongmei.distribution.adapters.base import PermanentError


def channel_settings(channel, given: dict | None, required: tuple[str, ...], adapter: str) -> dict:
    values = dict(given) if given is not None else credentials.decrypt(getattr(channel, "credentials", ""))
    if values.get("adapter") not in (None, "", adapter) and given is None:
        raise PermanentError(_("The channel %(name)s is configured for another kind of delivery.") % {"name": channel.name})
    missing = [name for name in required if values.get(name) in (None, "", [])]
    if missing:
        raise PermanentError(
            _("The channel %(name)s is missing settings: %(fields)s") % {"name": channel.name, "fields": ", ".join(missing)}
        )
    return values


def as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


# What an operator enters per adapter: (name, required, secret). Secrets are never shown again.
FIELDS: dict[str, tuple[tuple[str, bool, bool], ...]] = {
    "ftp": (("host", True, False), ("port", False, False), ("username", True, False), ("password", True, True),
            ("directory", False, False), ("tls", False, False), ("passive", False, False)),
    "sftp": (("host", True, False), ("port", False, False), ("username", True, False), ("password", False, True),
             ("private_key", False, True), ("key_passphrase", False, True), ("host_key", True, False), ("directory", False, False)),
    "smtp": (("host", True, False), ("port", False, False), ("security", False, False), ("username", False, False),
             ("password", False, True), ("sender", True, False), ("recipients", True, False)),
    "wechat": (("appid", True, False), ("secret", True, True), ("base_url", False, False), ("author", False, False),
               ("default_thumb_media_id", False, False), ("need_open_comment", False, False),
               ("only_fans_can_comment", False, False), ("source_url_base", False, False)),
    # OAuth platforms: the tokens come from authorizing the account on the platform; the adapters
    # refresh them and write the new ones back (adapters/oauth_http.py).
    "douyin": (("client_key", True, False), ("open_id", True, False), ("refresh_token", True, True),
               ("access_token", False, True), ("base_url", False, False)),
    "kuaishou": (("app_id", True, False), ("app_secret", True, True), ("refresh_token", True, True),
                 ("access_token", False, True), ("base_url", False, False)),
    "weibo": (("access_token", True, True), ("site_url", True, False), ("base_url", False, False),
              ("app_key", False, False), ("app_secret", False, True), ("refresh_token", False, True)),
}  # fmt: skip
# WeChat Channels has no publishing API: its files go by SFTP to a person (adapters/wechat_channels.py).
FIELDS["channels_handoff"] = FIELDS["sftp"]

URL_FIELDS = ("base_url", "source_url_base", "site_url")


def check_settings(adapter: str, values: dict) -> dict:
    """The cleaned settings to store for ``adapter``, or DomainError naming the first bad field."""
    from rongmei.core.exceptions import DomainError

    if adapter not in FIELDS:
        raise DomainError(_("Unknown kind of delivery."), field="adapter")
    cleaned: dict = {"adapter": adapter}
    for name, required, _secret in FIELDS[adapter]:
        value = values.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, "", []):
            if required:
                raise DomainError(_("This field is required."), field=name)
            continue
        if name == "port":
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = 0
            if not 0 < value < 65536:
                raise DomainError(_("Enter a port between 1 and 65535."), field=name)
        if name == "security" and value not in ("none", "starttls", "ssl"):
            raise DomainError(_("Choose none, STARTTLS or SSL."), field=name)
        if name in URL_FIELDS and not str(value).startswith(("https://", "http://")):
            raise DomainError(_("Enter the full address, starting with https://"), field=name)
        cleaned[name] = value
    if adapter in ("sftp", "channels_handoff") and not (cleaned.get("password") or cleaned.get("private_key")):
        raise DomainError(_("Enter a password or a private key."), field="password")
    if adapter == "weibo" and cleaned.get("refresh_token"):
        for name in ("app_key", "app_secret"):
            if not cleaned.get(name):
                raise DomainError(_("A refresh token needs the app key and the app secret."), field=name)
    if adapter == "smtp":
        from rongmei.distribution.adapters.smtp import recipient_list

        if not recipient_list(cleaned["recipients"]):
            raise DomainError(_("Enter at least one e-mail address."), field="recipients")
    return cleaned
